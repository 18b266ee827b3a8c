"""keras.src.metrics.f_score_metrics -> microdense.metrics.f_score."""
from microdense.metrics import f_score as _target


def __getattr__(name):
    return getattr(_target, name)
