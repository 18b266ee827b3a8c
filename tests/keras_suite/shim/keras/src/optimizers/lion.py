"""keras.src.optimizers.lion -> microdense.optimizers.lion."""
from microdense.optimizers import lion as _target


def __getattr__(name):
    return getattr(_target, name)
