"""Global numeric settings, named as in Keras: `floatx()` and `epsilon()`.

`floatx` is the dtype given to Python scalars and lists turned into tensors, and to the
weights layers create. It is float32 by default, as in Keras; an ndarray keeps its own dtype.
"""
import logging

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


# ---- where messages go: stdout, or the `logging` module -------------------------------------
# Keras's switch (keras.config.disable_interactive_logging): a training job on a server sends
# callbacks' messages ("Epoch 3: ReduceLROnPlateau reducing learning rate to 0.01.") to
# logging, where its handlers collect them, instead of printing them.

_INTERACTIVE_LOGGING = True
_LOGGER = logging.getLogger("microdense")
_LEVELS = {"FATAL": logging.FATAL, "ERROR": logging.ERROR, "WARNING": logging.WARNING,
           "INFO": logging.INFO, "DEBUG": logging.DEBUG}


def enable_interactive_logging():
    """Messages print to stdout (the default)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging():
    """Messages go to logging.getLogger("microdense") at level INFO instead of stdout."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled():
    return _INTERACTIVE_LOGGING


def set_logging_verbosity(level):
    """The level of the "microdense" logger: "FATAL", "ERROR", "WARNING", "INFO" or "DEBUG"."""
    if level not in _LEVELS:
        raise ValueError(f"Please pass a valid level for logging verbosity. Expected one of: "
                         f"{', '.join(_LEVELS)}. Received: {level!r}")
    _LOGGER.setLevel(_LEVELS[level])


def print_msg(message, line_break=True):
    """Print `message`, or log it when interactive logging is off (Keras's io_utils)."""
    if _INTERACTIVE_LOGGING:
        print(message, end="\n" if line_break else "", flush=True)
    else:
        _LOGGER.info(str(message))
