"""Losses, as in Keras 3: functions f(y_true, y_pred) -> one loss per sample, and classes that
average them over the batch. Every loss is a composition of engine ops, so its gradient comes
from the engine, with one exception: binary and categorical cross-entropy on probabilities
each run as one fused op with its backward written out, for speed (ops/crossentropy.py, where
the composed formula they are tested against sits beside them).

    loss = md.losses.CategoricalCrossentropy(from_logits=True)   # keras.losses.Categorical...
    value = loss(y_true, logits)          # scalar Tensor: mean over the batch
    value.backward()

The formulas, clipping and defaults are Keras 3's (keras/src/losses/losses.py and the backends'
nn.py), so the same weights give the same numbers. Probabilities are clipped to
[epsilon, 1 - epsilon] (epsilon = 1e-7) before a log: the loss and its gradient stay finite
even for predictions of exactly 0 or 1.

Softmax + cross-entropy does not reach back for the logits: a probability input is always
treated by Keras's probability formula (normalise, clip, log), as Keras's JAX, PyTorch and
NumPy backends do. (Keras's TensorFlow backend instead recovers the logits of a
softmax/sigmoid output and uses the logit formula; the two agree unless a probability is below
1e-7.) For stability with saturated outputs, use a linear last layer and `from_logits=True`,
which uses the stable log_softmax / logit formulas.

Read loss.py (the base class and the batch reduction), then losses.py (the losses), then
focal.py (focal and generalized cross-entropies), overlap.py (Dice, Tversky), circle.py and
ctc.py (the forward algorithm over alignments, as a loop of ops).
"""
from microdense import registry
from microdense.losses.loss import (REDUCTIONS, Loss, LossFunctionWrapper,
                                    reduce_weighted_values, squeeze_or_expand_to_same_rank)
from microdense.losses.losses import (
    BinaryCrossentropy, CategoricalCrossentropy, Hinge, Huber, KLDivergence, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
    SparseCategoricalCrossentropy, SquaredHinge, binary_crossentropy, categorical_crossentropy,
    hinge, huber, kl_divergence, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_error, mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
    squared_hinge, LogCosh, CosineSimilarity, CategoricalHinge, log_cosh, cosine_similarity,
    categorical_hinge)
from microdense.losses.focal import (
    BinaryFocalCrossentropy, CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
    binary_focal_crossentropy, categorical_focal_crossentropy,
    categorical_generalized_cross_entropy)
from microdense.losses.overlap import Dice, Tversky, dice, tversky
from microdense.losses.circle import Circle, circle
from microdense.losses.ctc import CTC, ctc, ctc_loss

# ---- finding losses by name ----------------------------------------------------------------

_FUNCTIONS = [mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
              mean_squared_logarithmic_error, huber, binary_crossentropy,
              categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson,
              hinge, squared_hinge, log_cosh, cosine_similarity, categorical_hinge,
              binary_focal_crossentropy, categorical_focal_crossentropy,
              categorical_generalized_cross_entropy, dice, tversky, circle, ctc]
_CLASSES = [Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber,
            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
            KLDivergence, Poisson, Hinge, SquaredHinge, LogCosh, CosineSimilarity,
            CategoricalHinge, BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
            CategoricalGeneralizedCrossEntropy, Dice, Tversky, Circle, CTC]

# Keras's table (keras/src/losses/__init__.py): function and class names, and short aliases.
ALL_OBJECTS = {obj.__name__: obj for obj in _FUNCTIONS + _CLASSES}
ALL_OBJECTS.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
})
registry.register_builtins("losses", ALL_OBJECTS)      # for LossFunctionWrapper.from_config


def serialize(loss):
    """A name for a function ("mean_squared_error", or "Custom>f" if registered);
    {"class_name": ..., "config": ...} for a Loss instance."""
    return registry.serialize_object(loss)


def deserialize(config, custom_objects=None):
    """The loss that `serialize` described."""
    return registry.deserialize_object(config, ALL_OBJECTS, "loss", custom_objects)


def get(identifier):
    """A loss from a name ("mse", "CategoricalCrossentropy"), a config dict, a Loss class
    (instantiated with defaults), a Loss instance or any callable. None gives None."""
    if identifier is None:
        return None
    return registry.get_object(identifier, ALL_OBJECTS, "loss",
                            "a name, a Loss, a function (y_true, y_pred) -> loss, or a config "
                            "dict", deserialize=deserialize)