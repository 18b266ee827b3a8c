"""Cross-entropies reweighted, as in Keras 3 (keras/src/losses/losses.py): focal losses, which
down-weight the examples a model already gets right (Lin et al., 2017), and the generalized
cross-entropy, which tolerates noisy labels (Zhang & Sabuncu, 2018). Compositions of ops, so
their gradients come from the engine."""

import numpy as np

from microdense import config, ops
from microdense.losses.loss import LossFunctionWrapper, _as_prediction, _as_target, _prepare
from microdense.losses.losses import warn_one_class
from microdense.losses.losses import _clip
from microdense.tensor import literal


# ---- focal losses --------------------------------------------------------------------------

def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean((1 - p_t)^gamma * bce, axis), p_t = y_true p + (1 - y_true)(1 - p): the better the
    prediction p for the true class, the less its binary cross-entropy counts (gamma = 0 gives
    bce). apply_class_balancing: also times alpha for class 1, 1 - alpha for class 0.

    As Keras: logits go through sigmoid first, and bce is the clipped probability formula.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "binary_focal_crossentropy", broadcast=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, config.epsilon())     # per entry
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = (1.0 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return ops.mean(focal_bce, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha (1 - p)^gamma * -y_true log(p), axis), p = clip(y_pred / sum(y_pred), eps,
    1 - eps) (softmax(y_pred) first if from_logits): cross-entropy that fades for classes
    predicted with confidence."""
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_focal_crossentropy", broadcast=False)
    if y_pred.shape[axis] == 1:
        warn_one_class("categorical_focal_crossentropy", y_pred.shape)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_pred.shape[axis]
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    p = _clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    cce = -y_true * ops.log(p)
    return ops.sum(alpha * (1.0 - p) ** gamma * cce, axis=axis)


# ---- robust to noisy labels ------------------------------------------------------------------

def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p^q) / q, p = y_pred's probability for the integer label y_true: cross-entropy as
    q -> 0, mean absolute error at q = 1; in between it gives wrong labels less pull."""
    y_pred = _as_prediction(y_pred)
    labels = _as_target(y_true, y_pred)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = ops.squeeze(labels, -1)                    # (batch, 1) labels as (batch,)
    classes = literal(np.arange(y_pred.shape[-1], dtype=y_pred.dtype))
    one_hot = ops.astype(ops.expand_dims(labels, -1) == classes, y_pred.dtype)   # by ops
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - p ** q) / q


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """binary_focal_crossentropy averaged over the batch."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """categorical_focal_crossentropy averaged over the batch (one-hot targets)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.alpha, self.gamma = alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """categorical_generalized_cross_entropy averaged over the batch (integer labels)."""

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"q must be in the interval (0, 1); got q={q}.")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)
        self.q = q
