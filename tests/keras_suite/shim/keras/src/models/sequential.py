"""keras.src.models.sequential -> microdense.models."""
from microdense import models as _target


def __getattr__(name):
    return getattr(_target, name)
