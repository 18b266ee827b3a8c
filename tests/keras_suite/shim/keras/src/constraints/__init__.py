"""keras.src.constraints -> microdense.constraints."""
from keras.src.constraints import constraints  # noqa: F401 (a submodule)
from microdense import constraints as _target


def __getattr__(name):
    return getattr(_target, name)
