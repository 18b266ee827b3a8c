"""Metrics from counts of true/false positives/negatives at thresholds: the counts themselves
(TruePositives, ...), Precision, Recall and AUC, as Keras 3 computes them (keras/src/metrics/confusion_metrics.py, metrics_utils.py).

A prediction counts as positive at threshold t when y_pred > t; labels are cast to bool. The
counts accumulate over batches (weighted by sample_weight), so the result after an epoch is
the metric of the whole epoch, not a mean of batch values:

    precision = TP / (TP + FP)          recall = TP / (TP + FN)       (0 where undefined)
    AUC: the area under the ROC curve (or the precision-recall curve, curve="PR"),
         a Riemann sum over num_thresholds thresholds evenly spread over [0, 1]
"""
import numpy as np

from microdense import config
from microdense.metrics import Metric, _array, _same_rank


def _divide_no_nan(a, b):
    """a / b, and 0 where b == 0 (Keras's ops.divide_no_nan)."""
    b_safe = np.where(b == 0, 1.0, b)
    return np.where(b == 0, 0.0, a / b_safe)


def _flat_predictions(y_true, y_pred, sample_weight, top_k=None, class_id=None):
    """Labels (bool), predictions and weights, each flattened to one value per entry, as
    Keras's update_confusion_matrix_variables lines them up."""
    y_true = _array(y_true).astype(np.float64)
    y_pred = _array(y_pred).astype(np.float64)
    y_pred, y_true = _same_rank(y_pred, y_true)
    if top_k is not None:          # all but the k largest predictions per row count as -inf
        top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :top_k]   # ties: lower index
        kept = np.zeros(y_pred.shape, bool)
        np.put_along_axis(kept, top, True, axis=-1)
        y_pred = np.where(kept, y_pred, -np.inf)
    weights = np.ones(y_pred.shape)
    if sample_weight is not None:
        weight = _array(sample_weight).astype(np.float64)
        if weight.ndim and weight.ndim < y_pred.ndim:     # one weight per sample
            weight = weight.reshape(weight.shape + (1,) * (y_pred.ndim - weight.ndim))
        weights = np.broadcast_to(weight, y_pred.shape)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred, weights = (a[..., class_id] for a in (y_true, y_pred, weights))
    return y_true.astype(bool).ravel(), y_pred.ravel(), weights.ravel()


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, top_k=None,
                     class_id=None):
    """{"tp", "fp", "tn", "fn"}: the weighted counts at each threshold (arrays of
    len(thresholds)), a prediction being positive when it is > the threshold."""
    labels, predictions, weights = _flat_predictions(y_true, y_pred, sample_weight, top_k,
                                                     class_id)
    thresholds = np.asarray(thresholds, np.float64)[:, None]          # (thresholds, 1)
    predicted = predictions[None, :] > thresholds                     # (thresholds, values)
    positive, negative = labels[None, :], ~labels[None, :]
    return {"tp": np.sum(weights * (positive & predicted), axis=1),
            "fp": np.sum(weights * (negative & predicted), axis=1),
            "tn": np.sum(weights * (negative & ~predicted), axis=1),
            "fn": np.sum(weights * (positive & ~predicted), axis=1)}


def _thresholds(thresholds, default):
    """A list of thresholds from Keras's argument (None: [default]; a number: [it])."""
    if thresholds is None:
        return [default]
    values = [thresholds] if np.ndim(thresholds) == 0 else list(thresholds)
    for t in values:
        if not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {t}")
    return values


# ---- the counts themselves -----------------------------------------------------------------

class _ConfusionCount(Metric):
    """One weighted count (TP, FP, TN or FN) at each threshold (0.5 by default)."""

    _count = ""           # "tp", "fp", "tn" or "fn"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _thresholds(thresholds, 0.5)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight)
        self.accumulator.assign_add(counts[self._count])

    def result(self):
        values = self.accumulator.data
        return float(values[0]) if len(self.thresholds) == 1 else values.copy()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """The weighted number of positive entries predicted positive (y_pred > threshold)."""
    _count = "tp"


class FalsePositives(_ConfusionCount):
    """The weighted number of negative entries predicted positive (y_pred > threshold)."""
    _count = "fp"


class TrueNegatives(_ConfusionCount):
    """The weighted number of negative entries predicted negative (y_pred <= threshold)."""
    _count = "tn"


class FalseNegatives(_ConfusionCount):
    """The weighted number of positive entries predicted negative (y_pred <= threshold)."""
    _count = "fn"


# ---- precision and recall ------------------------------------------------------------------

class _ThresholdMetric(Metric):
    """Precision and Recall: two counts per threshold, result = counts[0] / sum."""

    _counts = ()          # ("tp", "fp") for precision, ("tp", "fn") for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k, every prediction in the top k counts as positive: threshold -inf.
        self.thresholds = _thresholds(thresholds, 0.5 if top_k is None else -np.inf)
        self.true_positives = self.add_variable((len(self.thresholds),), "zeros",
                                                name="true_positives")
        self.other = self.add_variable((len(self.thresholds),), "zeros",
                                       name=self._other_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k,
                                  self.class_id)
        self.true_positives.assign_add(counts["tp"])
        self.other.assign_add(counts[self._counts[1]])

    def result(self):
        tp = self.true_positives.data.astype(np.float64)
        values = _divide_no_nan(tp, tp + self.other.data)
        return float(values[0]) if len(self.thresholds) == 1 else values

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """TP / (TP + FP): of the entries predicted positive (y_pred > threshold, 0.5 by default),
    the weighted fraction that are positive. With top_k, only each row's k largest
    predictions count as predicted positive; class_id restricts it to one class."""

    _counts = ("tp", "fp")
    _other_name = "false_positives"

    @property
    def false_positives(self):
        return self.other


class Recall(_ThresholdMetric):
    """TP / (TP + FN): of the positive entries, the weighted fraction predicted positive
    (y_pred > threshold, 0.5 by default)."""

    _counts = ("tp", "fn")
    _other_name = "false_negatives"

    @property
    def false_negatives(self):
        return self.other


# ---- AUC -----------------------------------------------------------------------------------

class AUC(Metric):
    """Area under the ROC curve (curve="ROC": recall against false-positive rate) or the
    precision-recall curve (curve="PR"), from counts at num_thresholds thresholds: 0 - eps,
    (i + 1) / (num_thresholds - 1) for i < num_thresholds - 2, and 1 + eps.

    summation_method "interpolation" averages the two ends of each interval (the trapezoid
    rule; for PR, Davis & Goadrich's interpolation), "minoring"/"majoring" take the smaller
    or larger end. Single-label only here (multi_label=True is not supported).
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if multi_label or label_weights is not None:
            raise ValueError("microdense's AUC supports single-label data only: "
                             "multi_label=True and label_weights are not implemented.")
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value "{curve}". Expected "ROC" or "PR".')
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value "{summation_method}". '
                             f'Expected "interpolation", "minoring" or "majoring".')
        super().__init__(name=name, dtype=dtype)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = config.epsilon()
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.curve = curve
        self.summation_method = summation_method
        self.multi_label = False
        self.num_labels = num_labels
        self.label_weights = None
        self._from_logits = from_logits
        shape = (self.num_thresholds,)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape, "zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _array(y_pred)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred.astype(np.float64)))
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight)
        self.true_positives.assign_add(counts["tp"])
        self.false_positives.assign_add(counts["fp"])
        self.true_negatives.assign_add(counts["tn"])
        self.false_negatives.assign_add(counts["fn"])

    def _counts(self):
        return tuple(v.data.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))

    def result(self):
        tp, fp, tn, fn = self._counts()
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall        # false-positive rate, recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)        # recall, precision
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(np.sum((x[:-1] - x[1:]) * heights))

    @staticmethod
    def _interpolated_pr_auc(tp, fp, fn):
        """Davis & Goadrich: precision varies along each interval as TP and P = TP + FP vary
        linearly; the interval's area is slope * (dTP + intercept * log(P_A / P_B)) / pos."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both_positive, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                                    np.maximum(tp[1:] + fn[1:], 0))
        return float(np.sum(increments))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": self.label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
