"""keras.src.optimizers.adamw -> microdense.optimizers.adam."""
from microdense.optimizers import adam as _target


def __getattr__(name):
    return getattr(_target, name)
