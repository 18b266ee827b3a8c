"""Layers, named as in keras.layers. Read base.py (the Layer), then core.py (Dense, Dropout,
...), then activation_layers.py (ReLU, LeakyReLU, PReLU, ELU, Softmax), symbolic.py (what
Input() returns: the functional API), merge.py (Add, Concatenate, ...),
batch_normalization.py (BatchNormalization), layer_normalization.py (LayerNormalization,
GroupNormalization, RMSNormalization, UnitNormalization), normalization.py (Normalization),
regularization.py (GaussianNoise, GaussianDropout, AlphaDropout, ActivityRegularization)
and reshaping.py (Reshape, Permute, RepeatVector)."""
from microdense.layers.base import InputSpec, Layer
from microdense.layers.core import (Activation, Dense, Dropout, Flatten, Identity, Input,
                                    InputLayer)
from microdense.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from microdense.layers.merge import (Add, Average, Concatenate, Dot, Maximum, Minimum,
                                     Multiply, Subtract, add, average, concatenate, dot,
                                     maximum, minimum, multiply, subtract)
from microdense.layers.batch_normalization import BatchNormalization
from microdense.layers.layer_normalization import (GroupNormalization, LayerNormalization,
                                                   RMSNormalization, UnitNormalization)
from microdense.layers.normalization import Normalization
from microdense.layers.regularization import (ActivityRegularization, AlphaDropout,
                                              GaussianDropout, GaussianNoise)
from microdense.layers.reshaping import Permute, RepeatVector, Reshape
from microdense import registry, serialization
from microdense.naming import reset_name_counters


def serialize(layer):
    """keras.layers.serialize: the layer as {"module", "class_name", "config", ...}."""
    return serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """keras.layers.deserialize: the layer serialize() described."""
    layer = serialization.deserialize_keras_object(config, custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: the config describes a "
                         f"{type(layer).__name__}, not a layer.")
    return layer

# Every layer class by name, for rebuilding saved models.
ALL_LAYERS = {cls.__name__: cls for cls in (
    Activation, Dense, Dropout, ELU, Flatten, InputLayer, LeakyReLU, PReLU, ReLU, Softmax,
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, BatchNormalization,
    Normalization, Identity, LayerNormalization, GroupNormalization, RMSNormalization,
    UnitNormalization,
    ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, Permute,
    RepeatVector, Reshape)}
registry.register_builtins("layers", ALL_LAYERS)

__all__ = ["Layer", "InputSpec", "Input", "InputLayer", "Identity", "Dense", "Activation",
           "Dropout", "Flatten", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Add",
           "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add",
           "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
           "BatchNormalization", "LayerNormalization", "GroupNormalization", "RMSNormalization",
           "UnitNormalization", "Normalization", "ActivityRegularization", "AlphaDropout",
           "GaussianDropout", "GaussianNoise", "Permute", "RepeatVector", "Reshape",
           "ALL_LAYERS", "reset_name_counters", "serialize", "deserialize"]
