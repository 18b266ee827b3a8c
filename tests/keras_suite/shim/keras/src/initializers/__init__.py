"""keras.src.initializers -> microdense.initializers."""
from keras.src.initializers import constant_initializers  # noqa: F401 (before __getattr__: a submodule)
from keras.src.initializers import initializer  # noqa: F401 (before __getattr__: a submodule)
from keras.src.initializers import random_initializers  # noqa: F401 (before __getattr__: a submodule)
from microdense import initializers as _target


def __getattr__(name):
    return getattr(_target, name)
