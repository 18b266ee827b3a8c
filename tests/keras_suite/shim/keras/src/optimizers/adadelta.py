"""keras.src.optimizers.adadelta -> microdense.optimizers.adadelta."""
from microdense.optimizers import adadelta as _target


def __getattr__(name):
    return getattr(_target, name)
