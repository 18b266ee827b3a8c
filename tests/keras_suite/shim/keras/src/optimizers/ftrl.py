"""keras.src.optimizers.ftrl -> microdense.optimizers.ftrl."""
from microdense.optimizers import ftrl as _target


def __getattr__(name):
    return getattr(_target, name)
