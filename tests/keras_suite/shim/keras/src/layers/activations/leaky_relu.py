"""keras.src.layers.activations.leaky_relu -> microdense.layers."""
from microdense import layers as _target


def __getattr__(name):
    return getattr(_target, name)
