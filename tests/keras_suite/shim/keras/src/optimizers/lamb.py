"""keras.src.optimizers.lamb -> microdense.optimizers.lamb."""
from microdense.optimizers import lamb as _target


def __getattr__(name):
    return getattr(_target, name)
