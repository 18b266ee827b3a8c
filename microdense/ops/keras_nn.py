"""keras.ops's neural-network functions (keras.ops.nn) and comparisons (see keras_ops.py).

The activations are microdense.activations' compositions (imported on use: activations imports
the ops package); the comparisons return bool constants, as Keras cannot differentiate them."""
import numpy as np

from microdense import config
from microdense.ops.arithmetic import power
from microdense.ops.elementwise import abs, maximum
from microdense.ops.reductions import sum
from microdense.ops.shape import reshape
from microdense.tensor import Tensor, as_tensor, constant


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# ---- comparisons (data: bool Tensors) -------------------------------------------------------

def equal(x1, x2):
    return constant(np.equal(_data(x1), _data(x2)))


def not_equal(x1, x2):
    return constant(np.not_equal(_data(x1), _data(x2)))


def greater(x1, x2):
    return constant(np.greater(_data(x1), _data(x2)))


def greater_equal(x1, x2):
    return constant(np.greater_equal(_data(x1), _data(x2)))


def less(x1, x2):
    return constant(np.less(_data(x1), _data(x2)))


def less_equal(x1, x2):
    return constant(np.less_equal(_data(x1), _data(x2)))


def logical_and(x1, x2):
    return constant(np.logical_and(_data(x1), _data(x2)))


def logical_or(x1, x2):
    return constant(np.logical_or(_data(x1), _data(x2)))


def logical_not(x):
    return constant(np.logical_not(_data(x)))


def isnan(x):
    return constant(np.isnan(_data(x)))


def isfinite(x):
    return constant(np.isfinite(_data(x)))


def isinf(x):
    return constant(np.isinf(_data(x)))


# ---- neural-network functions (keras.ops.nn) -------------------------------------------------

def relu6(x):
    """min(max(x, 0), 6)."""
    from microdense import activations     # activations imports this package: import on use
    return activations.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    from microdense import activations
    return activations.leaky_relu(x, negative_slope)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    from microdense import activations
    return activations.elu(x, alpha)


def selu(x):
    """Scaled ELU (Klambauer et al.)."""
    from microdense import activations
    return activations.selu(x)


def gelu(x, approximate=True):
    """GELU; keras.ops.gelu defaults to the tanh approximation (keras.activations.gelu to the
    exact erf form)."""
    from microdense import activations
    return activations.gelu(x, approximate=approximate)


def silu(x):
    """x * sigmoid(x)."""
    from microdense import activations
    return activations.silu(x)


def swish(x):
    """x * sigmoid(x) (Keras's other name for silu)."""
    return silu(x)


def softplus(x):
    """log(1 + exp(x)), without overflow."""
    from microdense import activations
    return activations.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    from microdense import activations
    return activations.softsign(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    from microdense import activations
    return activations.hard_sigmoid(x)


def hard_silu(x):
    """x * hard_sigmoid(x)."""
    from microdense import activations
    return activations.hard_silu(x)


def hard_swish(x):
    """x * hard_sigmoid(x) (Keras's other name for hard_silu)."""
    return hard_silu(x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), which never takes the log of 0."""
    return -softplus(-as_tensor(x))


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order, axis), epsilon), as keras.ops.normalize (epsilon defaults to
    backend.epsilon(), 1e-7). `order` is a whole number >= 1, as in Keras.

    For order 2 it is x / sqrt(max(sum(x^2), epsilon^2)): the same value, but an all-zero x
    gets the finite gradient 1/epsilon (as PyTorch's F.normalize), where sqrt's slope at 0
    would make it 0 * inf = NaN. Other orders take the max before the 1/order-th root."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, as in Keras; got "
                         f"order={order!r}.")
    x = as_tensor(x)
    if x.ndim == 0:
        x = reshape(x, (1,))           # as Keras: a scalar is a vector of one
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 1:
        return x / maximum(sum(abs(x), axis=axis, keepdims=True), epsilon)
    powered = sum(power(abs(x), order), axis=axis, keepdims=True)     # norm^order
    return x / power(maximum(powered, epsilon ** order), 1.0 / order)
