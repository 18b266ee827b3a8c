"""keras.src.utils.numerical_utils -> microdense.utils."""
from microdense import utils as _target


def __getattr__(name):
    return getattr(_target, name)
