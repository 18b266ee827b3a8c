"""keras.src.regularizers -> microdense.regularizers."""
from keras.src.regularizers import regularizers  # noqa: F401 (a submodule)
from microdense import regularizers as _target


def __getattr__(name):
    return getattr(_target, name)
