"""Global numeric settings, named as in Keras: `floatx()` and `epsilon()`.

`floatx` is the dtype given to Python scalars and lists turned into tensors, and to the
weights layers create. It is float32 by default, as in Keras; an ndarray keeps its own dtype.
"""
import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7          # Keras's fuzz factor, used by losses that clip probabilities
_VALID_FLOATX = ("float16", "float32", "float64")


def floatx():
    """The default float dtype, as a string: 'float32' unless `set_floatx` changed it."""
    return _FLOATX


def set_floatx(value):
    """Set the default float dtype ('float16', 'float32' or 'float64')."""
    global _FLOATX
    value = str(np.dtype(value)) if not isinstance(value, str) else value
    if value not in _VALID_FLOATX:
        raise ValueError(f"Unknown floatx {value!r}. Expected one of {', '.join(_VALID_FLOATX)}.")
    _FLOATX = value


def epsilon():
    """The fuzz factor used to keep logs and divisions finite (1e-7, as in Keras)."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)
