"""keras.src.optimizers.nadam -> microdense.optimizers.nadam."""
from microdense.optimizers import nadam as _target


def __getattr__(name):
    return getattr(_target, name)
