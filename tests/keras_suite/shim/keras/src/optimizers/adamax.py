"""keras.src.optimizers.adamax -> microdense.optimizers.adamax."""
from microdense.optimizers import adamax as _target


def __getattr__(name):
    return getattr(_target, name)
