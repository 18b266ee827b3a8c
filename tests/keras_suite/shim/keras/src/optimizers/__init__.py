"""keras.src.optimizers -> microdense.optimizers."""
from microdense import optimizers as _target


def __getattr__(name):
    return getattr(_target, name)
