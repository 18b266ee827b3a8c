"""keras.src.callbacks -> microdense.callbacks."""
from keras.src.callbacks import callback  # noqa: F401 (a submodule)
from microdense import callbacks as _target


def __getattr__(name):
    return getattr(_target, name)
