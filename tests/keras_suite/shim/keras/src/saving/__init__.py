"""keras.src.saving -> microdense.saving."""
from microdense import saving as _target


def __getattr__(name):
    return getattr(_target, name)
