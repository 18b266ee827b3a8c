"""Accuracies, as Keras 3's keras/src/metrics/accuracy_metrics.py: a per-sample function
(1.0 where right, 0.0 where wrong, on ndarrays) and its running weighted mean.

    acc = md.metrics.BinaryAccuracy()          # keras.metrics.BinaryAccuracy()
    acc.update_state(y_true, y_pred)           # batch 1
    acc.update_state(y_true2, y_pred2)         # batch 2
    acc.result()                               # fraction correct over both batches

compile's "accuracy" / "acc" is ShapeChosenAccuracy: binary, categorical or sparse categorical
from the shapes of the first batch, as Keras 3's compile_utils.get_metric picks it.
"""
import numpy as np

from microdense import config
from microdense.metrics.reduction import MeanMetricWrapper, as_array, same_rank


# ---- per-sample functions on ndarrays: 1.0 where right, 0.0 where wrong ------------------

def accuracy(y_true, y_pred):
    """y_true == y_pred, elementwise."""
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """y_true == (y_pred > threshold), elementwise."""
    y_true, y_pred = same_rank(as_array(y_true), as_array(y_pred))
    return (y_true == (y_pred > threshold)).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred) over the last axis (one-hot labels)."""
    return (np.argmax(as_array(y_true), -1) == np.argmax(as_array(y_pred), -1)).astype(
        config.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """y_true == argmax(y_pred) over the last axis (integer labels, shape (n,) or (n, 1))."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    matches = (y_true == np.argmax(y_pred, -1)).astype(config.floatx())
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


# ---- the running means ---------------------------------------------------------------------

class Accuracy(MeanMetricWrapper):
    """Fraction of entries where y_pred == y_true exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of entries where (y_pred > threshold) == y_true (0/1 labels)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples where argmax(y_pred) == argmax(y_true) (one-hot labels)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples where argmax(y_pred) == y_true (integer labels)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class ShapeChosenAccuracy(MeanMetricWrapper):
    """compile's "accuracy": on the first batch, Keras 3's rule picks the kind —
    y_pred's last axis is 1: binary; y_true has fewer axes than y_pred, or a last axis of 1
    against y_pred's > 1: sparse categorical; otherwise categorical."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(None, name, dtype)
        self._direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._fn is None:
            self._fn = accuracy_function_for(np.shape(y_true), np.shape(y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def accuracy_function_for(y_true_shape, y_pred_shape):
    """The accuracy Keras 3's compile would pick for targets and predictions of these shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return sparse_categorical_accuracy
    return categorical_accuracy
