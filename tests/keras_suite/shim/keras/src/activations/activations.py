"""keras.src.activations.activations -> microdense.activations."""
from microdense import activations as _target


def __getattr__(name):
    return getattr(_target, name)
