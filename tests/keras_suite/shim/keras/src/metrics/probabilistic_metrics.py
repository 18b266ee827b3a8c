"""keras.src.metrics.probabilistic_metrics -> microdense.metrics.probabilistic."""
from microdense.metrics import probabilistic as _target


def __getattr__(name):
    return getattr(_target, name)
