"""keras.src.optimizers -> microdense.optimizers (its submodules first: see README.md)."""
from keras.src.optimizers import sgd  # noqa: F401
from keras.src.optimizers import adam  # noqa: F401
from keras.src.optimizers import adamw  # noqa: F401
from keras.src.optimizers import adagrad  # noqa: F401
from keras.src.optimizers import adadelta  # noqa: F401
from keras.src.optimizers import adamax  # noqa: F401
from keras.src.optimizers import nadam  # noqa: F401
from keras.src.optimizers import ftrl  # noqa: F401
from keras.src.optimizers import adafactor  # noqa: F401
from keras.src.optimizers import lion  # noqa: F401
from keras.src.optimizers import lamb  # noqa: F401
from keras.src.optimizers import rmsprop  # noqa: F401
from keras.src.optimizers import loss_scale_optimizer  # noqa: F401
from keras.src.optimizers import base_optimizer  # noqa: F401
from keras.src.optimizers import optimizer  # noqa: F401
from keras.src.optimizers import schedules  # noqa: F401
from microdense import optimizers as _target


def __getattr__(name):
    return getattr(_target, name)
