"""keras.src.optimizers.base_optimizer -> microdense.optimizers.base."""
from microdense.optimizers import base as _target


def __getattr__(name):
    return getattr(_target, name)
