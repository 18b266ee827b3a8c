"""keras.src.losses -> microdense.losses."""
from keras.src.losses import loss  # noqa: F401 (a submodule)
from keras.src.losses import losses  # noqa: F401 (a submodule)
from microdense import losses as _target


def __getattr__(name):
    return getattr(_target, name)
