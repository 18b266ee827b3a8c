"""keras.src.metrics.metric -> microdense.metrics.metric."""
from microdense.metrics import metric as _target


def __getattr__(name):
    return getattr(_target, name)
