"""keras.ops under Keras 3's names and signatures, composed from the primitives.

    from microdense import ops             # Keras: from keras import ops
    def my_loss(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

Everything here is a composition of the primitives in this package (arithmetic, elementwise,
reductions, shape), so what is differentiable in Keras is differentiable here with no backward
code of its own: `std` is sqrt(var), `var` is mean(square(x - mean(x))), `top_k`'s values are an
indexing of x. What Keras cannot differentiate either (argmax, one_hot, comparisons, casts to
integers) returns a constant Tensor: data, with no graph behind it.

This file: conversions, creating tensors, arithmetic under Keras's names; then
keras_math.py (var, std, norm, argmax, ...), keras_shape.py (take, split, tile, top_k, ...) and
keras_nn.py (comparisons, and the activations as keras.ops.nn has them). The primitives keep
their own names and are listed in `microdense.ops.__all__` (the op table of tests/test_ops.py
checks each one's backward); the Keras names of all four files are in `KERAS_NAMES`.
Where Keras's name is also a primitive's (exp, sum, reshape, softmax, ...), the primitive is
Keras's op already and is not repeated here.
"""
import numpy as np

from microdense import config
from microdense.ops.arithmetic import div, matmul, mul, neg, sub
from microdense.ops.elementwise import abs, astype, exp, log, sqrt, stop_gradient  # noqa: F401
from microdense.ops.shape import expand_dims
from microdense.tensor import Tensor, as_tensor, constant


def _data(x):
    """The ndarray behind a Tensor, array or number (for ops that record no graph)."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _dtype(dtype):
    return np.dtype(dtype or config.floatx())


# ---- conversions -------------------------------------------------------------------------

def convert_to_tensor(x, dtype=None, sparse=None):
    """x as a Tensor (a Tensor of another dtype is cast; float-to-float keeps the graph)."""
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    return Tensor(x, dtype=dtype)


def array(x, dtype=None):
    """A constant Tensor of x's values (keras.ops.array; numpy's dtype rules, as Tensor)."""
    return constant(np.array(_data(x), dtype=dtype))


def convert_to_numpy(x):
    """A numpy copy of x's values."""
    return np.array(_data(x))


def cast(x, dtype):
    """x converted to `dtype`. Float to float is differentiable (the astype primitive); to or
    from an integer or bool type it is data (Keras's gradient there is None as well)."""
    x = as_tensor(x)
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if x.dtype.kind == "f" and dtype.kind == "f":
        return astype(x, dtype)
    return constant(x.data.astype(dtype))


def shape(x):
    """x's shape as a tuple of ints."""
    return tuple(np.shape(_data(x)))


def ndim(x):
    """The number of axes of x."""
    return np.ndim(_data(x))


def size(x):
    """The number of values in x."""
    return int(np.size(_data(x)))


# ---- creating tensors (data: no gradient) -------------------------------------------------

def zeros(shape, dtype=None):
    """A Tensor of zeros (floatx unless `dtype` says otherwise)."""
    return constant(np.zeros(shape, _dtype(dtype)))


def ones(shape, dtype=None):
    """A Tensor of ones."""
    return constant(np.ones(shape, _dtype(dtype)))


def full(shape, fill_value, dtype=None):
    """A Tensor of `shape` holding fill_value everywhere."""
    return constant(np.full(shape, _data(fill_value), _dtype(dtype)))


def zeros_like(x, dtype=None):
    """Zeros of x's shape (and dtype, unless given)."""
    return constant(np.zeros_like(_data(x), dtype=dtype))


def ones_like(x, dtype=None):
    """Ones of x's shape (and dtype, unless given)."""
    return constant(np.ones_like(_data(x), dtype=dtype))


def full_like(x, fill_value, dtype=None):
    """fill_value in x's shape (and dtype, unless given)."""
    return constant(np.full_like(_data(x), _data(fill_value), dtype=dtype))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's argument names)
    """The N x M identity (ones on the k-th diagonal)."""
    return constant(np.eye(N, M, k, dtype=_dtype(dtype)))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop), as numpy.arange (Keras: int32 for int args)."""
    values = np.arange(start, stop, step)
    if dtype is None:
        dtype = "int32" if values.dtype.kind in "iu" else config.floatx()
    return constant(values.astype(dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    """num evenly spaced values from start to stop."""
    return constant(np.linspace(start, stop, num, endpoint=endpoint).astype(_dtype(dtype)))


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """out[..., c] = 1 where x == c (floatx); labels outside [0, num_classes) give all zeros."""
    labels = _data(x).astype(np.int64)
    out = (labels[..., None] == np.arange(num_classes)).astype(_dtype(dtype))
    return constant(np.moveaxis(out, -1, axis))


# ---- arithmetic under Keras's names ---------------------------------------------------------

def subtract(x1, x2):
    """x1 - x2."""
    return sub(x1, x2)


def multiply(x1, x2):
    """x1 * x2, elementwise."""
    return mul(x1, x2)


def divide(x1, x2):
    """x1 / x2, elementwise."""
    return div(x1, x2)


def true_divide(x1, x2):
    """x1 / x2, elementwise."""
    return div(x1, x2)


def negative(x):
    """-x."""
    return neg(x)


def square(x):
    """x^2, as x * x (the product rule gives 2x)."""
    x = as_tensor(x)
    return x * x


def reciprocal(x):
    """1 / x."""
    x = as_tensor(x)
    return 1.0 / x


def rsqrt(x):
    """1 / sqrt(x), the inverse square root (normalization layers divide by it)."""
    return 1.0 / sqrt(as_tensor(x))


def absolute(x):
    """|x|."""
    return abs(x)


def log1p(x):
    """log(1 + x) (composed: loses precision for |x| below about 1e-8 in float64)."""
    x = as_tensor(x)
    return log(1.0 + x)


def expm1(x):
    """exp(x) - 1 (composed: loses precision for |x| below about 1e-8 in float64)."""
    return exp(x) - 1.0


def sign(x):
    """-1, 0 or 1 by the sign of x (its gradient is 0 almost everywhere: data here)."""
    return constant(np.sign(_data(x)))


def floor(x):
    """Largest integer <= x, as a float (gradient 0 almost everywhere: data here)."""
    return constant(np.floor(_data(x)))


def ceil(x):
    """Smallest integer >= x, as a float (gradient 0 almost everywhere: data here)."""
    return constant(np.ceil(_data(x)))


def round(x, decimals=0):  # noqa: A001 (Keras's name)
    """x rounded half to even, as numpy (gradient 0 almost everywhere: data here)."""
    return constant(np.round(_data(x), decimals))


def dot(x1, x2):
    """numpy.dot: a product of scalars, vectors and matrices, and of an N-d x1 with a 1-d or
    2-d x2 over x1's last axis. (Both above 2-d is a tensordot, not supported here.)"""
    x1, x2 = as_tensor(x1), as_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x2.ndim > 2:
        raise ValueError(f"dot of shapes {x1.shape} and {x2.shape}: microdense supports a "
                         f"second argument of at most 2 axes; use matmul for batched products.")
    return matmul(x1, x2)


def outer(x1, x2):
    """out[i, j] = x1[i] * x2[j] (both flattened first)."""
    return expand_dims(ravel(x1), 1) * expand_dims(ravel(x2), 0)


# The other chapters, in their own files; imported here so `keras_ops` lists every Keras name.
from microdense.ops.keras_math import (  # noqa: E402, F401
    all, any, argmax, argmin, argsort, moments, norm, std, var)
from microdense.ops.keras_shape import (  # noqa: E402, F401
    broadcast_to, in_top_k, ravel, repeat, split, take, take_along_axis, tile, top_k)
from microdense.ops.keras_nn import (  # noqa: E402, F401
    elu, equal, gelu, greater, greater_equal, hard_sigmoid, hard_silu, hard_swish, isfinite,
    isinf, isnan,
    leaky_relu, less, less_equal, log_sigmoid, logical_and, logical_not, logical_or, normalize,
    not_equal, relu6, selu, silu, softplus, softsign, swish)
from microdense.ops.keras_nn import (  # noqa: E402, F401
    celu, glu, hard_shrink, hard_tanh, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
    squareplus, tanh_shrink, threshold)


# Keras's names defined here and in the three files above (the primitives' own names are in
# microdense.ops.__all__).
KERAS_NAMES = [
    "convert_to_tensor", "convert_to_numpy", "array", "cast", "stop_gradient", "shape", "ndim",
    "size",
    "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "eye", "identity",
    "arange", "linspace", "one_hot",
    "subtract", "multiply", "divide", "true_divide", "negative", "square", "reciprocal",
    "rsqrt",
    "absolute", "log1p", "expm1", "sign", "floor", "ceil", "round", "dot", "outer",
    "var", "std", "moments", "norm", "argmax", "argmin", "argsort", "all", "any",
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "isnan", "isfinite", "isinf",
    "ravel", "broadcast_to", "take", "take_along_axis", "split", "tile", "repeat", "top_k",
    "in_top_k",
    "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign",
    "hard_sigmoid", "hard_silu", "hard_swish", "log_sigmoid", "normalize",
    "celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "threshold",
    "sparse_plus", "sparse_sigmoid", "squareplus", "sparsemax",
]
