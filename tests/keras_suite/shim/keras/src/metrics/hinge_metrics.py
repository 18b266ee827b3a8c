"""keras.src.metrics.hinge_metrics -> microdense.metrics.probabilistic (Hinge, SquaredHinge
and CategoricalHinge sit with the other running means of losses there)."""
from microdense.metrics import probabilistic as _target


def __getattr__(name):
    return getattr(_target, name)
