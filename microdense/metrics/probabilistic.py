"""Running means of the probabilistic and hinge losses, as Keras 3's
keras/src/metrics/probabilistic_metrics.py and hinge_metrics.py: each is the loss function of
the same name, averaged over every sample seen (weighted by sample_weight).

    KLDivergence   sum(y_true * log(y_true / y_pred))
    Poisson        mean(y_pred - y_true * log(y_pred))
    Hinge          mean(max(1 - y_true * y_pred, 0))        (labels 0/1 become -1/1)
    SquaredHinge   mean(max(1 - y_true * y_pred, 0)^2)
    CategoricalHinge  max(0, 1 + max(neg) - pos)
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy
"""
import numpy as np

from microdense import losses
from microdense.metrics.reduction import MeanMetricWrapper, as_array, same_rank
from microdense.metrics.regression import _LossMean


class KLDivergence(_LossMean):
    """Running mean of sum(y_true * log(y_true / y_pred)) per sample (both clipped to
    [epsilon, 1])."""
    _loss = staticmethod(losses.kl_divergence)
    _default_name = "kl_divergence"


class Poisson(_LossMean):
    """Running mean of mean(y_pred - y_true * log(y_pred + epsilon)) per sample."""
    _loss = staticmethod(losses.poisson)
    _default_name = "poisson"


class Hinge(_LossMean):
    """Running mean of mean(max(1 - y_true * y_pred, 0)) per sample (0/1 labels as -1/1)."""
    _loss = staticmethod(losses.hinge)
    _default_name = "hinge"


class SquaredHinge(_LossMean):
    """Running mean of mean(max(1 - y_true * y_pred, 0)^2) per sample."""
    _loss = staticmethod(losses.squared_hinge)
    _default_name = "squared_hinge"


class CategoricalHinge(_LossMean):
    """Running mean of max(0, 1 + max((1 - y_true) * y_pred) - sum(y_true * y_pred))."""
    _loss = staticmethod(losses.categorical_hinge)
    _default_name = "categorical_hinge"


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of losses.binary_crossentropy per sample."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of losses.categorical_crossentropy per sample."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of losses.sparse_categorical_crossentropy per sample.

    ignore_class: samples with this label add 0 to the total; as in Keras they still count
    in the number of samples unless sample_weight is given (then their weight is 0).
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype,
                         from_logits=from_logits, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is None:
            return super().update_state(y_true, y_pred, sample_weight)
        y_true = as_array(y_true)
        valid = y_true != self.ignore_class
        labels = np.where(valid, y_true, 0)
        values = as_array(losses.sparse_categorical_crossentropy(
            labels, as_array(y_pred), from_logits=self.from_logits, axis=self.axis))
        valid = valid.reshape(values.shape)
        if sample_weight is not None:
            valid_weight, sample_weight = same_rank(valid.astype(np.float64),
                                                    as_array(sample_weight).astype(np.float64))
            sample_weight = sample_weight * valid_weight
        return super(MeanMetricWrapper, self).update_state(values * valid, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
