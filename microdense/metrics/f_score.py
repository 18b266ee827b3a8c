"""F-beta and F1 scores, as Keras 3's keras/src/metrics/f_score_metrics.py:

    precision = TP / (TP + FP + eps)     recall = TP / (TP + FN + eps)
    F_beta = (1 + beta^2) * precision * recall / (beta^2 * precision + recall + eps)

counted per class (columns of 2-D y_true/y_pred of shape (batch, classes)) over every batch.
A prediction is positive where y_pred > threshold, or, with threshold=None, where it is its
row's largest (and not 0). average: None (one score per class), "micro" (counts pooled over
classes first), "macro" (the mean of the class scores), "weighted" (weighted by each class's
number of true labels).
"""
import numpy as np

from microdense import config
from microdense.metrics.metric import Metric
from microdense.metrics.reduction import as_array


class FBetaScore(Metric):
    """F_beta over every sample seen; beta > 1 weighs recall more, beta < 1 precision."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: "
                             f"average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0    # micro: pool the classes' counts
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"FBetaScore expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={y_pred_shape} "
                             f"and y_true.shape={y_true_shape}.")
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(f"FBetaScore expects 2D inputs with shape (batch_size, "
                             f"output_dim), with output_dim fully defined (not None). Received "
                             f"input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        shape = () if self.average == "micro" else (y_pred_shape[-1],)
        self.true_positives = self.add_variable(shape, "zeros", name="true_positives")
        self.false_positives = self.add_variable(shape, "zeros", name="false_positives")
        self.false_negatives = self.add_variable(shape, "zeros", name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, "zeros",
                                                      name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = as_array(y_true).astype(np.float64)
        y_pred = as_array(y_pred).astype(np.float64)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:        # each row's largest; a row of zeros stays zeros
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(np.float64)
        if sample_weight is not None:
            sample_weight = as_array(sample_weight).astype(np.float64)
            sample_weight = sample_weight.reshape(
                sample_weight.shape + (1,) * (y_true.ndim - sample_weight.ndim))

        def weighted_sum(values):
            if sample_weight is not None:
                values = values * sample_weight
            return np.sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(predicted * y_true))
        self.false_positives.assign_add(weighted_sum(predicted * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - predicted) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return 0.0
        eps = config.epsilon()
        tp, fp, fn = (v.data.astype(np.float64) for v in (
            self.true_positives, self.false_positives, self.false_negatives))
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta_squared = self.beta ** 2
        score = (1 + beta_squared) * precision * recall / (
            beta_squared * precision + recall + eps)
        if self.average == "weighted":
            weights = self.intermediate_weights.data.astype(np.float64)
            score = np.sum(score * weights / (np.sum(weights) + eps))
        elif self.average is not None:                 # micro, macro
            score = np.mean(score)
        return float(score) if np.ndim(score) == 0 else score

    def reset_state(self):
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 = 2 * precision * recall / (precision + recall): FBetaScore with beta = 1."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
