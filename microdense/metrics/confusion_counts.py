"""Weighted counts of true/false positives/negatives at thresholds, as Keras 3's
keras/src/metrics/metrics_utils.py (update_confusion_matrix_variables) computes them.

An entry is predicted positive at threshold t when y_pred > t; labels are cast to bool:

    TP(t) = sum(w * [label] * [y_pred > t])        FP(t) = sum(w * [not label] * [y_pred > t])
    FN(t) = sum(w * [label] * [y_pred <= t])       TN(t) = sum(w * [not label] * [y_pred <= t])

Two ways, as Keras: compare every entry with every threshold (T x N comparisons), or, when the
thresholds are evenly spaced over [0, 1] (AUC's 200), put each prediction in its bucket,
ceil(y_pred * (T - 1)) - 1, count per bucket with one bincount and take the cumulative sum
from the top: TP(t_i) = the weight of positives in buckets >= i. That is O(T + N), and the
two agree (predictions are clipped to [0, 1] first on that path, as Keras does).
"""
import numpy as np

from microdense import config
from microdense.metrics.reduction import as_array, same_rank

NEG_INF = -1e10         # Keras's stand-in for -inf: top_k's discarded predictions, its threshold


def check_thresholds(thresholds):
    """Keras's error for thresholds outside [0, 1] (None counts as outside)."""
    invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")


def parse_thresholds(thresholds, default=0.5):
    """A list of thresholds from Keras's argument (None: [default]; a number: [it])."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) \
        else [thresholds]
    check_thresholds(values)
    return values


def evenly_spaced(thresholds):
    """Whether the thresholds are i / (T - 1), i = 0 .. T - 1 (within epsilon), T >= 3."""
    count = len(thresholds)
    if count < 3:
        return False
    even = np.arange(count, dtype=np.float32) / (count - 1)
    return bool(np.allclose(thresholds, even, atol=config.epsilon()))


def filter_top_k(y_pred, k):
    """y_pred with all but each row's k largest entries set to NEG_INF (ties: lower index)."""
    top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    kept = np.zeros(y_pred.shape, bool)
    np.put_along_axis(kept, top, True, axis=-1)
    return np.where(kept, y_pred, NEG_INF)


def confusion_counts(y_true, y_pred, thresholds, wanted=("tp", "fp", "tn", "fn"), top_k=None,
                     class_id=None, sample_weight=None, multi_label=False, label_weights=None,
                     thresholds_distributed_evenly=False):
    """{"tp", "fp", "tn", "fn" (those wanted)}: weighted counts at each threshold, arrays
    of shape (T,), or (T, labels) with multi_label=True (each column of 2-D data counted
    on its own instead of all entries pooled)."""
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    y_true = as_array(y_true).astype(np.float64)
    y_pred = as_array(y_pred).astype(np.float64)
    y_pred, y_true = same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = as_array(sample_weight).astype(np.float64)[..., None]
        _, sample_weight = same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"When class_id is provided, y_pred must be a 2D array with "
                             f"shape (num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = 1.0 if sample_weight is None else np.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None:
        weights = weights * np.broadcast_to(np.asarray(label_weights, np.float64)[None],
                                            y_pred.shape)
    weights = np.broadcast_to(weights, y_pred.shape)
    labels = y_true != 0
    if not multi_label:              # every entry is one prediction: pool them
        labels, y_pred, weights = labels.reshape(-1), y_pred.reshape(-1), weights.reshape(-1)
    thresholds = np.asarray(thresholds, np.float64)
    if thresholds_distributed_evenly:
        counts = _bucketed_counts(labels, y_pred, weights, thresholds)
    else:
        counts = _compared_counts(labels, y_pred, weights, thresholds)
    return {name: counts[name] for name in wanted}


def _compared_counts(labels, y_pred, weights, thresholds):
    """Every entry against every threshold: (T, N) comparisons, or (T, N, L)."""
    thresholds = thresholds.reshape((-1,) + (1,) * y_pred.ndim)
    predicted = y_pred[None] > thresholds                  # (T, N) or (T, N, L)
    positive_weight = np.where(labels, weights, 0.0)[None]
    negative_weight = np.where(labels, 0.0, weights)[None]
    tp = np.sum(np.where(predicted, positive_weight, 0.0), axis=1)
    fp = np.sum(np.where(predicted, negative_weight, 0.0), axis=1)
    return {"tp": tp, "fp": fp,
            "fn": np.sum(positive_weight, axis=1) - tp, "tn": np.sum(negative_weight, axis=1) - fp}


def _bucketed_counts(labels, y_pred, weights, thresholds):
    """Evenly spaced thresholds: per-bucket sums, then cumulative sums from the top."""
    count = len(thresholds)
    with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
    buckets = np.ceil(np.clip(y_pred, 0.0, 1.0) * (count - 1)) - 1
    if with_epsilon:              # the first threshold is below 0: every prediction is above
        buckets = np.maximum(buckets, 0)
    buckets = buckets.astype(np.int64)
    positive_weight = np.where(labels, weights, 0.0)
    negative_weight = np.where(labels, 0.0, weights)
    kept = buckets >= 0           # bucket -1 (y_pred = 0): above no threshold
    if y_pred.ndim == 1:
        def per_bucket(values):
            return np.bincount(buckets[kept], values[kept], minlength=count)
    else:                         # multi-label: one histogram per column, laid end to end
        columns = y_pred.shape[-1]
        offsets = buckets + count * np.arange(columns)

        def per_bucket(values):
            sums = np.bincount(offsets[kept], values[kept], minlength=count * columns)
            return sums.reshape(columns, count).T                   # (T, L)
    tp = np.cumsum(per_bucket(positive_weight)[::-1], axis=0)[::-1]
    fp = np.cumsum(per_bucket(negative_weight)[::-1], axis=0)[::-1]
    return {"tp": tp, "fp": fp,
            "fn": np.sum(positive_weight, axis=0) - tp, "tn": np.sum(negative_weight, axis=0) - fp}
