"""keras.src.initializers.constant_initializers -> microdense.initializers."""
from microdense import initializers as _target


def __getattr__(name):
    return getattr(_target, name)
