"""keras.src.callbacks.callback -> microdense.callbacks."""
from microdense import callbacks as _target


def __getattr__(name):
    return getattr(_target, name)
