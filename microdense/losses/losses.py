"""The built-in losses (Keras's keras/src/losses/losses.py): each a function
f(y_true, y_pred) -> one loss per sample, built from engine ops, and a class around it."""
import math
import warnings

import numpy as np

from microdense import config, ops
from microdense.losses.loss import (LossFunctionWrapper, _as_prediction, _as_target, _prepare)
from microdense.ops.crossentropy import clipped_log_probabilities
from microdense.ops.op import data_op
from microdense.tensor import Tensor, constant, literal


def _clip(x, lo, hi):
    """x limited to [lo, hi], written min(max(x, lo), hi) as jax.numpy.clip is: a value exactly
    on a bound gets half the gradient (the engine's max/min split ties), as in Keras on JAX.
    Beyond a bound the gradient is 0, so a clipped probability stops learning, as in Keras."""
    return ops.minimum(ops.maximum(x, lo), hi)


# ---- regression losses -------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)^2, axis=-1)"""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return ops.mean((y_true - y_pred) ** 2, axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|, axis=-1)"""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|, axis=-1)"""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_percentage_error")
    scale = ops.maximum(ops.abs(y_true), config.epsilon())
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2, axis=-1)"""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_logarithmic_error")
    eps = config.epsilon()
    error = ops.log(ops.maximum(y_pred, eps) + 1.0) - ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(error ** 2, axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """mean(0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2; axis=-1),
    with e = y_pred - y_true: quadratic near 0, linear (outlier-tolerant) beyond delta."""
    y_true, y_pred = _prepare(y_true, y_pred, "huber")
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * error ** 2
    linear = delta * abs_error - 0.5 * delta ** 2
    return ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(e)), axis=-1), e = y_pred - y_true: like e^2 / 2 near 0, |e| - log 2 far off.

    Computed as Keras does, log(cosh(e)) = e + softplus(-2e) - log(2), which never overflows.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "log_cosh")
    error = y_pred - y_true
    return ops.mean(error + ops.softplus(-2.0 * error) - math.log(2.0), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(y_true / |y_true| * y_pred / |y_pred|, axis): -1 for vectors pointing the same way,
    0 for orthogonal ones (and when either is zero), so minimising it aligns them."""
    y_true, y_pred = _prepare(y_true, y_pred, "cosine_similarity")
    # ops.normalize is Keras 3's zero-safe x / sqrt(max(sum(x^2), eps^2))
    return -ops.sum(ops.normalize(y_true, axis=axis) * ops.normalize(y_pred, axis=axis),
                    axis=axis)


# ---- probabilistic losses ----------------------------------------------------------------

def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean(-(z log p + (1 - z) log(1 - p)), axis), p = clip(y_pred, eps, 1 - eps), z = y_true.

    With from_logits=True, y_pred is a logit x and the stable form is used (TensorFlow's
    sigmoid_cross_entropy_with_logits): max(x, 0) - x z + log(1 + exp(-|x|)).
    label_smoothing s moves the targets towards 1/2: z (1 - s) + s / 2.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "binary_crossentropy", broadcast=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # max(x, 0) and -|x| written with one where(x >= 0) each, so that at x = 0 the
        # gradient is sigmoid(0) - z = 0.5 - z (two separate kinks would give -z).
        positive = y_pred >= 0
        relu_x = ops.where(positive, y_pred, 0.0)
        minus_abs_x = ops.where(positive, -y_pred, y_pred)
        bce = relu_x - y_pred * y_true + ops.log(1.0 + ops.exp(minus_abs_x))
    else:   # Keras's clipped formula (see the docstring), fused into one op for speed
        bce = ops.binary_crossentropy(y_true, y_pred, config.epsilon())
    return ops.mean(bce, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p), axis), p = clip(y_pred / sum(y_pred, axis), eps, 1 - eps).

    y_true is one-hot (or a distribution). With from_logits=True, log p = log_softmax(y_pred).
    label_smoothing s: y_true (1 - s) + s / num_classes.
    """
    y_pred = _as_prediction(y_pred)
    y_true = _as_target(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_true.shape in (y_pred.shape[:-1], y_pred.shape[:-1] + (1,)):
            hint = (" These look like integer class labels: use sparse_categorical_crossentropy,"
                    " or one-hot encode them.")
        raise ValueError(f"categorical_crossentropy: y_true must have the same shape as y_pred "
                         f"{y_pred.shape} (one-hot); got y_true of shape {y_true.shape}.{hint}")
    if y_pred.shape[axis] == 1:
        warn_one_class("categorical_crossentropy", y_pred.shape)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        return -ops.sum(y_true * ops.log_softmax(y_pred, axis=axis), axis=axis)
    # Keras's normalize-clip-log formula (see the docstring), fused into one op for speed
    return ops.categorical_crossentropy(y_true, y_pred, config.epsilon(), axis=axis)


def warn_one_class(loss_name, shape):
    """Keras's warning (a SyntaxWarning, in its words) for a class axis of size 1."""
    warnings.warn(f"In loss {loss_name}, expected y_pred.shape to be (batch_size, num_classes) "
                  f"with num_classes > 1. Received: y_pred.shape={shape}. Consider using "
                  f"'binary_crossentropy' if you only have 2 classes.", SyntaxWarning,
                  stacklevel=3)


def _log_probabilities(y_pred, from_logits, axis):
    """log_softmax(logits), or Keras's log(clip(p / sum(p), eps, 1 - eps)) for probabilities
    (composed, as the fused categorical op's reference computes it)."""
    if from_logits:
        return ops.log_softmax(y_pred, axis=axis)
    return clipped_log_probabilities(y_pred, config.epsilon(), axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """-log p[label]: categorical_crossentropy with integer labels, shape (batch,) or (batch, 1).

    `axis` is y_pred's class axis. Labels equal to `ignore_class` (e.g. -1 for padding) get
    loss 0; SparseCategoricalCrossentropy also leaves them out of its mean, as Keras.
    """
    y_pred = _as_prediction(y_pred)
    axis = axis % y_pred.ndim
    labels = y_true if isinstance(y_true, Tensor) else constant(np.asarray(y_true))
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = ops.squeeze(labels, axis)
    if axis != y_pred.ndim - 1:                          # move the class axis last
        y_pred = ops.transpose(y_pred, [a for a in range(y_pred.ndim) if a != axis] + [axis])
    num_classes = y_pred.shape[-1]
    if labels.shape != y_pred.shape[:-1]:
        hint = (" These look one-hot: use categorical_crossentropy, or pass integer labels."
                if labels.shape == y_pred.shape else "")
        raise ValueError(f"sparse_categorical_crossentropy needs integer labels of shape "
                         f"{y_pred.shape[:-1]} (or {y_pred.shape[:-1] + (1,)}) for y_pred of "
                         f"shape {y_pred.shape}; got labels of shape {labels.shape}.{hint}")
    if ignore_class is not None:
        counted = labels != ignore_class                   # by ops: anew for each batch
        labels = ops.where(counted, labels, 0)             # any valid class; its loss is zeroed
    log_p = ops.reshape(_log_probabilities(y_pred, from_logits, -1), (-1, num_classes))
    flat = CLASS_INDICES(ops.reshape(labels, (-1,)), num_classes=num_classes)
    rows = literal(np.arange(log_p.shape[0]))
    picked = ops.reshape(-log_p[rows, flat], labels.shape)      # -log p of each true class
    if ignore_class is not None:
        picked = ops.where(counted, picked, 0.0)
    return picked


def _class_indices(labels, num_classes):
    """Labels as indices, checked: an op of its own, so a compiled step checks each batch."""
    if labels.size and (np.any(labels != np.round(labels)) or labels.min() < 0
                        or labels.max() >= num_classes):
        raise ValueError(f"sparse_categorical_crossentropy needs integer labels in "
                         f"[0, {num_classes - 1}] for {num_classes} classes; got values from "
                         f"{labels.min()} to {labels.max()}.")
    return labels.astype(np.intp)


CLASS_INDICES = data_op("class_indices", _class_indices)


def kl_divergence(y_true, y_pred):
    """sum(t * log(t / p), axis=-1), with t = clip(y_true, eps, 1) and p = clip(y_pred, eps, 1)."""
    y_true, y_pred = _prepare(y_true, y_pred, "kl_divergence")
    eps = config.epsilon()
    t, p = _clip(y_true, eps, 1.0), _clip(y_pred, eps, 1.0)
    return ops.sum(t * ops.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps), axis=-1)"""
    y_true, y_pred = _prepare(y_true, y_pred, "poisson")
    return ops.mean(y_pred - y_true * ops.log(y_pred + config.epsilon()), axis=-1)


# ---- hinge losses ------------------------------------------------------------------------

def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1}, as Keras does; any other labels are used as they are
    (decided by ops, not by Python, so a compiled step decides again for each batch)."""
    zero_one = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(zero_one, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0), axis=-1), labels -1/1 (0/1 are converted)."""
    y_true, y_pred = _prepare(y_true, y_pred, "hinge")
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)^2, axis=-1), labels -1/1 (0/1 are converted)."""
    y_true, y_pred = _prepare(y_true, y_pred, "squared_hinge")
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0) ** 2, axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0), pos = sum(y_true * y_pred, -1), neg = max((1 - y_true) * y_pred, -1):
    the true class's score should beat the best wrong class's by a margin of 1 (one-hot y_true)."""
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_hinge")
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


class MeanSquaredError(LossFunctionWrapper):
    """mean_squared_error averaged over the batch: mean((y_true - y_pred)^2)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean_absolute_error averaged over the batch: mean(|y_true - y_pred|)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """mean_absolute_percentage_error averaged over the batch."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean_squared_logarithmic_error averaged over the batch."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class Huber(LossFunctionWrapper):
    """huber averaged over the batch (quadratic within delta of the target, then linear)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class BinaryCrossentropy(LossFunctionWrapper):
    """binary_crossentropy averaged over the batch (targets 0/1, one sigmoid output each)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalCrossentropy(LossFunctionWrapper):
    """categorical_crossentropy averaged over the batch (one-hot targets)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """sparse_categorical_crossentropy averaged over the batch (integer labels). Entries whose
    label is `ignore_class` count neither in the sum nor in the number averaged over."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis

    def counted_entries(self, y_true, values):
        """Keras's mask: the entries whose label is not ignore_class."""
        if self.ignore_class is None:
            return None
        return ops.reshape(y_true != self.ignore_class, values.shape)


class KLDivergence(LossFunctionWrapper):
    """kl_divergence averaged over the batch: sum(t log(t / p))."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """poisson averaged over the batch: mean(y_pred - y_true log(y_pred))."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class Hinge(LossFunctionWrapper):
    """hinge averaged over the batch: mean(max(1 - y_true y_pred, 0))."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    """squared_hinge averaged over the batch: mean(max(1 - y_true y_pred, 0)^2)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class LogCosh(LossFunctionWrapper):
    """log_cosh averaged over the batch: mean(log(cosh(y_pred - y_true)))."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """cosine_similarity averaged over the batch: -mean(cos(angle(y_true, y_pred)))."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)
        self.axis = axis


class CategoricalHinge(LossFunctionWrapper):
    """categorical_hinge averaged over the batch: mean(max(neg - pos + 1, 0))."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)
