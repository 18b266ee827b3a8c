"""Losses on the overlap of two masks, as in Keras 3 (keras/src/losses/losses.py), for
segmentation: y_true a 0/1 mask, y_pred the predicted probabilities, compared as sets.
Sums over `axis` (None: every axis, one loss for the whole batch; (1, 2, 3): one per image)."""
from microdense import config, ops
from microdense.losses.loss import LossFunctionWrapper, _prepare


def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + eps): 0 when the masks agree."""
    y_true, y_pred = _prepare(y_true, y_pred, "dice")
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + config.epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN + eps), with soft counts TP = sum(y_true y_pred),
    FP = sum((1 - y_true) y_pred), FN = sum(y_true (1 - y_pred)). alpha = beta = 0.5 is Dice."""
    y_true, y_pred = _prepare(y_true, y_pred, "tversky")
    true_positives = ops.sum(y_pred * y_true, axis=axis)
    false_positives = ops.sum((1.0 - y_true) * y_pred, axis=axis)
    false_negatives = ops.sum(y_true * (1.0 - y_pred), axis=axis)
    denominator = (true_positives + alpha * false_positives + beta * false_negatives
                   + config.epsilon())
    return 1.0 - true_positives / denominator


class Dice(LossFunctionWrapper):
    """dice, reduced over the batch (axis=None already gives one number)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """tversky, reduced over the batch: alpha weighs false positives, beta false negatives."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis
