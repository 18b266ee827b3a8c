"""keras.src.layers.activations.elu -> microdense.layers."""
from microdense import layers as _target


def __getattr__(name):
    return getattr(_target, name)
