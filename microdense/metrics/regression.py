"""Regression metrics, as Keras 3's keras/src/metrics/regression_metrics.py: running means of
the regression losses, the root of the mean squared error, cosine similarity and R^2.

    MeanSquaredError      mean((y_true - y_pred)^2)           per sample, averaged
    RootMeanSquaredError  sqrt(mean over the epoch of (y_pred - y_true)^2)
    CosineSimilarity      sum(y_true/|y_true| * y_pred/|y_pred|)   (+1: same direction)
    R2Score               1 - SS_res / SS_tot per output, from sums kept over the epoch
"""
import warnings

import numpy as np

from microdense import losses
from microdense.metrics.metric import Metric
from microdense.metrics.reduction import Mean, MeanMetricWrapper, as_array, same_rank


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(y_true / |y_true| * y_pred / |y_pred|, axis): +1 for vectors pointing the same
    way (the loss of this name is its negative). A zero vector is left as zeros (Keras's
    numpy normalize)."""
    y_true, y_pred = same_rank(as_array(y_true).astype(np.float64),
                               as_array(y_pred).astype(np.float64))

    def normalize(x):
        norm = np.linalg.norm(x, axis=axis, keepdims=True)
        return x / np.where(norm == 0, 1.0, norm)

    return np.sum(normalize(y_true) * normalize(y_pred), axis=axis)


class _LossMean(MeanMetricWrapper):
    """The running mean of a loss function, configured by name and dtype only."""

    _loss = None            # the loss function (a staticmethod of the subclass)
    _default_name = ""

    def __init__(self, name=None, dtype=None):
        super().__init__(type(self)._loss, name or self._default_name, dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_LossMean):
    """Running mean of mean((y_true - y_pred)^2) per sample."""
    _loss = staticmethod(losses.mean_squared_error)
    _default_name = "mean_squared_error"


class MeanAbsoluteError(_LossMean):
    """Running mean of mean(|y_true - y_pred|) per sample."""
    _loss = staticmethod(losses.mean_absolute_error)
    _default_name = "mean_absolute_error"


class MeanAbsolutePercentageError(_LossMean):
    """Running mean of 100 * mean(|y_true - y_pred| / max(|y_true|, epsilon)) per sample."""
    _loss = staticmethod(losses.mean_absolute_percentage_error)
    _default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(_LossMean):
    """Running mean of mean((log(1 + y_pred) - log(1 + y_true))^2) per sample (both clipped
    at epsilon below)."""
    _loss = staticmethod(losses.mean_squared_logarithmic_error)
    _default_name = "mean_squared_logarithmic_error"


class LogCoshError(_LossMean):
    """Running mean of mean(log(cosh(y_pred - y_true))) per sample."""
    _loss = staticmethod(losses.log_cosh)
    _default_name = "logcosh"


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity of y_true and y_pred along `axis` (+1 best)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype, axis=axis)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class RootMeanSquaredError(Mean):
    """sqrt of the running mean of (y_pred - y_true)^2 over every value seen (Keras: the
    square root is taken of the epoch's mean, not averaged over batches)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(as_array(y_true).astype(np.float64),
                                   as_array(y_pred).astype(np.float64))
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class R2Score(Metric):
    """The coefficient of determination, per output column j over every sample seen:

        R^2_j = 1 - sum(w (y - y_pred)^2) / (sum(w y^2) - sum(w y)^2 / sum(w))

    class_aggregation: "uniform_average" (the mean over outputs), "variance_weighted_average"
    (weighted by each output's total sum of squares) or None (one value per output).
    num_regressors p > 0 gives the adjusted R^2 = 1 - (1 - R^2) (n - 1) / (n - p - 1).
    Inputs are 2-D, (batch, outputs).
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one "
                             f"of {valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros",
                                             name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        outputs = (y_pred_shape[-1],)
        self.squared_sum = self.add_variable(outputs, "zeros", name="squared_sum")
        self.sum = self.add_variable(outputs, "zeros", name="sum")
        self.total_mse = self.add_variable(outputs, "zeros", name="residual")
        self.count = self.add_variable(outputs, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(as_array(y_true).astype(np.float64),
                                   as_array(y_pred).astype(np.float64))
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weight = np.asarray(1.0 if sample_weight is None else as_array(sample_weight),
                            np.float64)
        if weight.ndim == 1:
            weight = weight[:, None]                 # one weight per sample: every output
        weight = np.broadcast_to(weight, y_true.shape)
        weighted_y_true = y_true * weight
        self.sum.assign_add(np.sum(weighted_y_true, axis=0))
        self.squared_sum.assign_add(np.sum(y_true * weighted_y_true, axis=0))
        self.total_mse.assign_add(np.sum((y_true - y_pred) ** 2 * weight, axis=0))
        self.count.assign_add(np.sum(weight, axis=0))
        # a sample counts once if any of its outputs has a weight
        self.num_samples.assign_add(np.sum(np.any(weight != 0, axis=-1)))

    def result(self):
        if not self._built:
            return 0.0
        sums, count = self.sum.data.astype(np.float64), self.count.data.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = sums / count
            total = self.squared_sum.data - sums * mean
            raw_scores = 1 - self.total_mse.data / total
        raw_scores = np.where(np.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw_scores) / np.sum(total)
        else:
            score = raw_scores
        n, p = float(self.num_samples.data), self.num_regressors
        if p != 0:
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return float(score) if np.ndim(score) == 0 else score

    def reset_state(self):
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
