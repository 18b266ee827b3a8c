"""AUC, as Keras 3's (keras/src/metrics/confusion_metrics.py): the area under a curve drawn
through the counts at num_thresholds thresholds, -eps, (i + 1) / (num_thresholds - 1) for
i < num_thresholds - 2, and 1 + eps.

    curve="ROC"     recall (y) against the false-positive rate FP / (FP + TN) (x)
    curve="PR"      precision (y) against recall (x)
    curve="PRGAIN"  precision gain against recall gain (Flach & Kull, 2015):
                    gain = 1 - (P / N) * FN / TP (recall), 1 - (P / N) * FP / TP (precision)

summation_method "interpolation" averages each interval's two ends (the trapezoid rule; for PR,
Davis & Goadrich's interpolation of TP and FP, not of precision), "minoring"/"majoring" take the
smaller/larger end. multi_label=True counts each column of (batch, labels) data on its own and
averages the labels' areas (weighted by label_weights); otherwise all entries are pooled, each
weighted by its label's label_weights.
"""
import enum

import numpy as np

from microdense import config
from microdense.metrics.confusion import divide_no_nan
from microdense.metrics.confusion_counts import confusion_counts, evenly_spaced
from microdense.metrics.metric import Metric
from microdense.metrics.reduction import as_array


class AUCCurve(str, enum.Enum):
    """Which curve AUC integrates (a str: AUCCurve.PR == "PR")."""
    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        for curve in AUCCurve:
            if key in (curve.value, curve.value.lower()):
                return curve
        raise ValueError(f'Invalid AUC curve value: "{key}". '
                         f'Expected values are ["PR", "ROC", "PRGAIN"]')


class AUCSummationMethod(str, enum.Enum):
    """How AUC sums the intervals (a str: AUCSummationMethod.MAJORING == "majoring")."""
    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        for method in AUCSummationMethod:
            if key in (method.value, method.value.capitalize()):
                return method
        raise ValueError(f'Invalid AUC summation method value: "{key}". '
                         f'Expected values are ["interpolation", "majoring", "minoring"]')


class AUC(Metric):
    """Area under the ROC, PR or PR-gain curve, from counts kept over every batch."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = sorted(thresholds)
            self._thresholds_distributed_evenly = evenly_spaced(
                np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # End points just below 0 and above 1, so predictions of exactly 0 and 1 count.
        self._thresholds = np.array([0.0 - config.epsilon()] + list(inner)
                                    + [1.0 + config.epsilon()])
        self.curve = curve if isinstance(curve, AUCCurve) else AUCCurve.from_str(curve)
        self.summation_method = (
            summation_method if isinstance(summation_method, AUCSummationMethod)
            else AUCSummationMethod.from_str(summation_method))
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(as_array(label_weights), self.dtype))
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, end points included."""
        return list(self._thresholds)

    def _build(self, shape):
        """The four count variables: (thresholds,), or (thresholds, labels) multi-label."""
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found "
                                 f"rank {len(shape)}. Full shape received for `y_pred`: "
                                 f"{shape}")
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(variable_shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(variable_shape, "zeros",
                                                 name="false_positives")
        self.true_negatives = self.add_variable(variable_shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(variable_shape, "zeros",
                                                 name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_array(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred.astype(np.float64)))
        # Multi-label: the labels' weights average the labels' areas in result() instead.
        counts = confusion_counts(
            y_true, y_pred, self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly)
        self.true_positives.assign_add(counts["tp"])
        self.false_positives.assign_add(counts["fp"])
        self.true_negatives.assign_add(counts["tn"])
        self.false_negatives.assign_add(counts["fn"])

    def _counts(self):
        return tuple(v.data.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))

    def _average_over_labels(self, by_threshold):
        """Sum each label's area over the intervals; several labels: their (weighted) mean."""
        if not self.multi_label:
            return float(np.sum(by_threshold))
        by_label = np.sum(by_threshold, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        weights = self.label_weights.astype(np.float64)
        return float(divide_no_nan(np.sum(by_label * weights), np.sum(weights)))

    def result(self):
        if not self._built:
            return 0.0
        tp, fp, tn, fn = self._counts()
        if self.curve == AUCCurve.PR and self.summation_method == AUCSummationMethod.INTERPOLATION:
            return self._average_over_labels(self._interpolated_pr_auc(tp, fp, fn))
        if self.curve == AUCCurve.ROC:
            x, y = divide_no_nan(fp, fp + tn), divide_no_nan(tp, tp + fn)   # FP rate, recall
        elif self.curve == AUCCurve.PR:
            x, y = divide_no_nan(tp, tp + fn), divide_no_nan(tp, tp + fp)   # recall, precision
        else:
            x, y = self._gains(tp, fp, tn, fn)
        if self.summation_method == AUCSummationMethod.INTERPOLATION:
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == AUCSummationMethod.MINORING:
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average_over_labels((x[:-1] - x[1:]) * heights)

    @staticmethod
    def _gains(tp, fp, tn, fn):
        """(recall gain, precision gain), with Keras's fixes: no true positives gives recall
        gain 0 and precision gain 1; a negative recall gain becomes 0."""
        scaling = divide_no_nan(tp + fn, tn + fp)                  # P / N
        recall_gain = 1.0 - scaling * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scaling * divide_no_nan(fp, tp)
        recall_gain = np.where(tp == 0.0, 0.0, recall_gain)
        precision_gain = np.where(tp == 0.0, 1.0, precision_gain)
        return np.maximum(recall_gain, 0.0), precision_gain

    @staticmethod
    def _interpolated_pr_auc(tp, fp, fn):
        """Davis & Goadrich: precision varies along each interval as TP and P = TP + FP vary
        linearly; the interval's area is slope * (dTP + intercept * log(P_A / P_B)) / pos."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both_positive, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore"):
            log_ratio = np.log(np.where(ratio > 0, ratio, 1.0))
        return divide_no_nan(slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0))

    def reset_state(self):
        if self._built:
            for variable in self.variables:
                variable.assign(np.zeros(variable.shape, variable.dtype))

    def get_config(self):
        label_weights = self.label_weights
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve.value, "summation_method": self.summation_method.value,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if label_weights is None else label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            # without the end points, so that from_config gives the same thresholds
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return config
