"""Correlation metrics, as Keras 3's keras/src/metrics/correlation_metrics.py: a correlation
per sample (along `axis`, the features), averaged over every sample seen.

    pearson_correlation      mean(z(y_true) * z(y_pred)), z(x) = (x - mean(x)) / std(x)
    concordance_correlation  2 cov / (var(y_true) + var(y_pred) + (mean(y_true) - mean(y_pred))^2)
"""
import numpy as np

from microdense import config
from microdense.metrics.reduction import MeanMetricWrapper, as_array, same_rank


def _pair(y_true, y_pred):
    y_pred = as_array(y_pred).astype(np.float64)
    return same_rank(as_array(y_true).astype(np.float64), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r of y_true and y_pred along `axis`, per sample."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = y_true - np.mean(y_true, axis=axis, keepdims=True)
    y_pred = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_true = y_true / np.std(y_true, axis=axis, keepdims=True)
        y_pred = y_pred / np.std(y_pred, axis=axis, keepdims=True)
    return np.mean(y_true * y_pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation of y_true and y_pred along `axis`, per sample (Keras's
    formula: the covariance term uses y_pred's mean for both centrings)."""
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = np.mean(y_true, axis=axis, keepdims=True)
    pred_mean = np.mean(y_pred, axis=axis, keepdims=True)
    true_var = np.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = np.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + np.square(true_mean - pred_mean)
    return np.mean(2 * covariance / (norm + config.epsilon()), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean of the per-sample Pearson correlation (+1: perfectly correlated)."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name, dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean of the per-sample concordance correlation (+1: y_pred equals y_true)."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name, dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}
