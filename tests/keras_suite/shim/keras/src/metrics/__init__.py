"""keras.src.metrics -> microdense.metrics."""
from microdense import metrics as _target


def __getattr__(name):
    return getattr(_target, name)
