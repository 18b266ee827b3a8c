"""keras.src.metrics.reduction_metrics -> microdense.metrics.reduction."""
from microdense.metrics import reduction as _target


def __getattr__(name):
    return getattr(_target, name)
