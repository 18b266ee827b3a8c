"""keras.src.optimizers.adagrad -> microdense.optimizers.adagrad."""
from microdense.optimizers import adagrad as _target


def __getattr__(name):
    return getattr(_target, name)
