"""keras.src.optimizers.rmsprop -> microdense.optimizers.rmsprop."""
from microdense.optimizers import rmsprop as _target


def __getattr__(name):
    return getattr(_target, name)
