"""keras.src: one subpackage per Keras package (keras.src.losses, ...), each forwarding to
the microdense module that holds its names. No forwarding here: `from keras.src import
backend` must find the subpackage backend/, not microdense.backend."""

# The classes Keras's keras/src/__init__.py exports by name (`from keras.src import
# Sequential`): explicit imports, which leave the subpackages to be found as files.
from microdense.layers import Input, Layer  # noqa: E402,F401
from microdense.layers.symbolic import KerasTensor  # noqa: E402,F401
from microdense.models import Model, Sequential  # noqa: E402,F401
