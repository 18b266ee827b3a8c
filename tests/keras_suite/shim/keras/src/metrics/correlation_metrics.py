"""keras.src.metrics.correlation_metrics -> microdense.metrics.correlation."""
from microdense.metrics import correlation as _target


def __getattr__(name):
    return getattr(_target, name)
