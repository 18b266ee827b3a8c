"""Metrics from counts of true/false positives/negatives at thresholds (confusion_counts.py),
as Keras 3's keras/src/metrics/confusion_metrics.py: the counts themselves (TruePositives, ...),
Precision, Recall, and the four "X at a given Y" metrics.

The counts accumulate over batches (weighted by sample_weight), so the result after an epoch
is the metric of the whole epoch, not a mean of batch values:

    precision = TP / (TP + FP)          recall (sensitivity) = TP / (TP + FN)
    specificity = TN / (TN + FP)                                  (0 where undefined)
    SensitivityAtSpecificity(s): the best sensitivity over the thresholds (num_thresholds,
        evenly spread over [0, 1]) whose specificity is >= s; and so on for the other three.
"""
import numpy as np

from microdense.metrics.confusion_counts import (NEG_INF, confusion_counts, evenly_spaced,
                                                 parse_thresholds)
from microdense.metrics.metric import Metric


def divide_no_nan(a, b):
    """a / b, and 0 where b == 0 (Keras's ops.divide_no_nan)."""
    b_safe = np.where(b == 0, 1.0, b)
    return np.where(b == 0, 0.0, a / b_safe)


def _one_or_all(values, thresholds):
    """A number for one threshold, an array for several (Keras's result)."""
    return float(values[0]) if len(thresholds) == 1 else np.array(values)


# ---- the counts themselves -----------------------------------------------------------------

class _ConfusionMatrixConditionCount(Metric):
    """One weighted count (TP, FP, TN or FN) at each threshold (0.5 by default)."""

    _count = ""           # "tp", "fp", "tn" or "fn"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._thresholds_distributed_evenly = evenly_spaced(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, (self._count,),
                                  sample_weight=sample_weight,
                                  thresholds_distributed_evenly=self._thresholds_distributed_evenly)
        self.accumulator.assign_add(counts[self._count])

    def result(self):
        return _one_or_all(self.accumulator.data, self.thresholds)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The weighted number of positive entries predicted positive (y_pred > threshold)."""
    _count = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The weighted number of negative entries predicted positive (y_pred > threshold)."""
    _count = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of negative entries predicted negative (y_pred <= threshold)."""
    _count = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of positive entries predicted negative (y_pred <= threshold)."""
    _count = "fn"


# ---- precision and recall ------------------------------------------------------------------

class _PrecisionOrRecall(Metric):
    """TP and one other count per threshold; result = TP / (TP + other)."""

    _other = ("", "")     # ("fp", "false_positives") for precision, ("fn", ...) for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k, every prediction in the top k counts as positive: threshold NEG_INF.
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = evenly_spaced(self.thresholds)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        setattr(self, self._other[1], self.add_variable(shape, "zeros", name=self._other[1]))

    def update_state(self, y_true, y_pred, sample_weight=None):
        other, other_name = self._other
        counts = confusion_counts(y_true, y_pred, self.thresholds, ("tp", other), self.top_k,
                                  self.class_id, sample_weight,
                                  thresholds_distributed_evenly=self._thresholds_distributed_evenly)
        self.true_positives.assign_add(counts["tp"])
        getattr(self, other_name).assign_add(counts[other])

    def result(self):
        tp = self.true_positives.data.astype(np.float64)
        other = getattr(self, self._other[1]).data
        return _one_or_all(divide_no_nan(tp, tp + other), self.thresholds)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionOrRecall):
    """TP / (TP + FP): of the entries predicted positive (y_pred > threshold, 0.5 by default),
    the weighted fraction that are positive. With top_k, only each row's k largest
    predictions count as predicted positive; class_id restricts it to one class."""
    _other = ("fp", "false_positives")


class Recall(_PrecisionOrRecall):
    """TP / (TP + FN): of the positive entries, the weighted fraction predicted positive
    (y_pred > threshold, 0.5 by default)."""
    _other = ("fn", "false_negatives")


# ---- one rate at a given value of another -------------------------------------------------

class SensitivitySpecificityBase(Metric):
    """The four counts at num_thresholds thresholds evenly spread over [0, 1] (one at 0.5 if
    num_thresholds is 1); a subclass's result is the best of one rate over the thresholds
    where another rate reaches `value`."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, class_id=self.class_id,
                                  sample_weight=sample_weight,
                                  thresholds_distributed_evenly=self._thresholds_distributed_evenly)
        self.true_positives.assign_add(counts["tp"])
        self.false_positives.assign_add(counts["fp"])
        self.true_negatives.assign_add(counts["tn"])
        self.false_negatives.assign_add(counts["fn"])

    def _rates(self):
        """(sensitivity = recall, specificity, precision) at each threshold."""
        tp, fp, tn, fn = (v.data.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))
        return divide_no_nan(tp, tp + fn), divide_no_nan(tn, tn + fp), divide_no_nan(tp, tp + fp)

    def _find_max_under_constraint(self, constrained, dependent):
        """max of `dependent` over the thresholds where constrained >= value (0 if none)."""
        feasible = constrained >= self.value
        return float(np.max(np.where(feasible, dependent, 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}


def _check_rate(name, value):
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1]. "
                         f"Received: {name}={value}")


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) at a threshold whose specificity is >= `specificity`."""

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        sensitivity, specificity, _ = self._rates()
        return self._find_max_under_constraint(specificity, sensitivity)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity at a threshold whose sensitivity (recall) is >= `sensitivity`."""

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        sensitivity, specificity, _ = self._rates()
        return self._find_max_under_constraint(sensitivity, specificity)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision at a threshold whose recall is >= `recall`."""

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        recall, _, precision = self._rates()
        return self._find_max_under_constraint(recall, precision)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "recall": self.recall}


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall at a threshold whose precision is >= `precision`."""

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        recall, _, precision = self._rates()
        return self._find_max_under_constraint(precision, recall)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "precision": self.precision}
