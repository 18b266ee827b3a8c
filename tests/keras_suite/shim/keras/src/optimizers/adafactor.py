"""keras.src.optimizers.adafactor -> microdense.optimizers.adafactor."""
from microdense.optimizers import adafactor as _target


def __getattr__(name):
    return getattr(_target, name)
