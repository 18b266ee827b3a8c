"""keras.src.activations -> microdense.activations."""
from keras.src.activations import activations  # noqa: F401 (a submodule)
from microdense import activations as _target


def __getattr__(name):
    return getattr(_target, name)
