"""keras.src.backend -> microdense.backend, plus the backend questions Keras's tests ask
(which backend, a dtype's standard name, a tensor's numpy value) answered for microdense."""
import numpy as np

from microdense import backend as _target
from microdense import random  # noqa: F401 (keras.src.backend.random: SeedGenerator, ...)
from microdense.config import floatx
from microdense.layers.symbolic import KerasTensor  # noqa: F401 (Keras's name)
from microdense.ops import shape  # noqa: F401 (keras.src.backend.shape is ops.shape)
from microdense.tensor import Tensor
from microdense.variables import Variable  # noqa: F401 (Keras's name)
from microdense.ops import convert_to_tensor  # noqa: F401 (Keras's backend has it too)
from microdense import ops as numpy  # noqa: F401 (keras.src.backend.numpy: the ops)

# numpy arrays are dense and rectangular: no sparse or ragged tensors (Keras's backend flags).
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False

# Python types as Keras's standardize_dtype names them (keras/src/backend/common/dtypes.py).
_PYTHON_DTYPES = {bool: "bool", int: "int64", float: "float32", str: "string"}


def backend():
    """Keras answers "tensorflow", "jax", "torch" or "numpy"; tests that branch on it take
    the path of none of those."""
    return "microdense"


def standardize_dtype(dtype):
    """The dtype's name as a string ("float32"); None means floatx()."""
    if dtype is None:
        return floatx()
    if dtype in _PYTHON_DTYPES:
        return _PYTHON_DTYPES[dtype]
    return np.dtype(getattr(dtype, "name", dtype)).name


def standardize_shape(shape):
    """A shape as a tuple of ints and Nones (Keras's check that sizes are not negative)."""
    shape = tuple(None if n is None else int(n) for n in shape)
    if any(n is not None and n < 0 for n in shape):
        raise ValueError(f"Negative dimensions are not allowed. Received: shape={shape}")
    return shape


def compute_output_spec(fn, *args, **kwargs):
    """Keras traces fn on symbolic tensors; a microdense layer called on KerasTensors returns
    the output's KerasTensor itself."""
    return fn(*args, **kwargs)


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_tensor(x):
    return isinstance(x, Tensor)


def convert_to_numpy(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def __getattr__(name):
    return getattr(_target, name)
