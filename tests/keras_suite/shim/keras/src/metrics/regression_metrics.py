"""keras.src.metrics.regression_metrics -> microdense.metrics.regression."""
from microdense.metrics import regression as _target


def __getattr__(name):
    return getattr(_target, name)
