"""keras.ops's neural-network functions (keras.ops.nn) and comparisons (see keras_ops.py).

The activations are ops/activations.py's compositions; the comparisons return bool constants,
as Keras cannot differentiate them."""
import numpy as np

from microdense import config
from microdense.ops import activations
from microdense.ops.arithmetic import power
from microdense.ops.elementwise import abs, maximum
from microdense.ops.op import data_op
from microdense.ops.reductions import sum
from microdense.ops.shape import reshape
from microdense.tensor import Tensor, as_tensor, as_tensors, constant


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# ---- comparisons (data: bool Tensors, no gradient) -----------------------------------------
# Records of their own (op.py's data_op) rather than arrays wrapped after the fact, so a
# compiled step computes them anew from each batch.

EQUAL = data_op("equal", np.equal)
NOT_EQUAL = data_op("not_equal", np.not_equal)
GREATER = data_op("greater", np.greater)
GREATER_EQUAL = data_op("greater_equal", np.greater_equal)
LESS = data_op("less", np.less)
LESS_EQUAL = data_op("less_equal", np.less_equal)
LOGICAL_AND = data_op("logical_and", np.logical_and)
LOGICAL_OR = data_op("logical_or", np.logical_or)
LOGICAL_NOT = data_op("logical_not", np.logical_not)
ISNAN = data_op("isnan", np.isnan)
ISFINITE = data_op("isfinite", np.isfinite)
ISINF = data_op("isinf", np.isinf)


def equal(x1, x2):
    return EQUAL(*as_tensors(x1, x2))


def not_equal(x1, x2):
    return NOT_EQUAL(*as_tensors(x1, x2))


def greater(x1, x2):
    return GREATER(*as_tensors(x1, x2))


def greater_equal(x1, x2):
    return GREATER_EQUAL(*as_tensors(x1, x2))


def less(x1, x2):
    return LESS(*as_tensors(x1, x2))


def less_equal(x1, x2):
    return LESS_EQUAL(*as_tensors(x1, x2))


def logical_and(x1, x2):
    return LOGICAL_AND(*as_tensors(x1, x2))


def logical_or(x1, x2):
    return LOGICAL_OR(*as_tensors(x1, x2))


def logical_not(x):
    return LOGICAL_NOT(as_tensor(x))


def isnan(x):
    return ISNAN(as_tensor(x))


def isfinite(x):
    return ISFINITE(as_tensor(x))


def isinf(x):
    return ISINF(as_tensor(x))


# ---- neural-network functions (keras.ops.nn) -------------------------------------------------

def relu6(x):
    """min(max(x, 0), 6)."""
    return activations.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """x if x >= 0 else negative_slope * x."""
    return activations.leaky_relu(x, negative_slope)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return activations.elu(x, alpha)


def selu(x):
    """Scaled ELU (Klambauer et al.)."""
    return activations.selu(x)


def gelu(x, approximate=True):
    """GELU; keras.ops.gelu defaults to the tanh approximation (keras.activations.gelu to the
    exact erf form)."""
    return activations.gelu(x, approximate=approximate)


def silu(x):
    """x * sigmoid(x)."""
    return activations.silu(x)


def swish(x):
    """x * sigmoid(x) (Keras's other name for silu)."""
    return silu(x)


def softplus(x):
    """log(1 + exp(x)), without overflow."""
    return activations.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return activations.softsign(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return activations.hard_sigmoid(x)


def hard_silu(x):
    """x * hard_sigmoid(x)."""
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


# ---- Keras 3's newer activations (keras.ops.celu, ...): activations' compositions -----------

def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    return activations.celu(x, alpha)


def glu(x, axis=-1):
    """a * sigmoid(b), a and b the two halves of x along `axis`."""
    return activations.glu(x, axis)


def hard_tanh(x):
    """clip(x, -1, 1)."""
    return activations.hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """x if |x| > threshold, else 0."""
    return activations.hard_shrink(x, threshold)


def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, else 0."""
    return activations.soft_shrink(x, threshold)


def tanh_shrink(x):
    """x - tanh(x)."""
    return activations.tanh_shrink(x)


def threshold(x, threshold, default_value):
    """x if x > threshold, else default_value."""
    return activations.threshold(x, threshold, default_value)


def sparse_plus(x):
    """0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1."""
    return activations.sparse_plus(x)


def sparse_sigmoid(x):
    """0 if x <= -1, (x + 1) / 2 if -1 < x < 1, 1 if x >= 1."""
    return activations.sparse_sigmoid(x)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    return activations.squareplus(x, b)


def sparsemax(x, axis=-1):
    """max(x - tau, 0), tau such that the outputs sum to 1 along `axis`."""
    return activations.sparsemax(x, axis)
