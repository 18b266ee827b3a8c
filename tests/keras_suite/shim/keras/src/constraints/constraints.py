"""keras.src.constraints.constraints -> microdense.constraints."""
from microdense import constraints as _target


def __getattr__(name):
    return getattr(_target, name)
