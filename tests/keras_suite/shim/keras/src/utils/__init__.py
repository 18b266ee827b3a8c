"""keras.src.utils -> microdense.utils."""
from keras.src.utils import io_utils  # noqa: F401 (a submodule)
from keras.src.utils import numerical_utils  # noqa: F401 (a submodule)
from microdense import utils as _target


def __getattr__(name):
    return getattr(_target, name)
