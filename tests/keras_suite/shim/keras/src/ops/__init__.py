"""keras.src.ops -> microdense.ops."""
from microdense import ops as _target


def __getattr__(name):
    return getattr(_target, name)
