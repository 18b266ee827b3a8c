"""keras.src.optimizers.sgd -> microdense.optimizers.sgd."""
from microdense.optimizers import sgd as _target


def __getattr__(name):
    return getattr(_target, name)
