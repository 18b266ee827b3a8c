"""keras.src.regularizers.regularizers -> microdense.regularizers."""
from microdense import regularizers as _target


def __getattr__(name):
    return getattr(_target, name)
