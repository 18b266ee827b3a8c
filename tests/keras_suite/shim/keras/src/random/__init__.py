"""keras.src.random -> microdense.random."""
from microdense import random as _target


def __getattr__(name):
    return getattr(_target, name)
