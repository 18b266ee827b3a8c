"""keras.src.layers.activations -> microdense.layers (its submodules first: see README.md)."""
from keras.src.layers.activations import activation  # noqa: F401
from keras.src.layers.activations import elu  # noqa: F401
from keras.src.layers.activations import leaky_relu  # noqa: F401
from keras.src.layers.activations import prelu  # noqa: F401
from keras.src.layers.activations import relu  # noqa: F401
from keras.src.layers.activations import softmax  # noqa: F401
from microdense import layers as _target


def __getattr__(name):
    return getattr(_target, name)
