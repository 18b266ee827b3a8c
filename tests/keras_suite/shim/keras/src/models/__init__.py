"""keras.src.models -> microdense.models."""
from keras.src.models import sequential  # noqa: F401 (a submodule)
from microdense import models as _target


def __getattr__(name):
    return getattr(_target, name)
