"""keras.src.losses.losses -> microdense.losses."""
from microdense import losses as _target


def __getattr__(name):
    return getattr(_target, name)
