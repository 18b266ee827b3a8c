"""keras.ops under Keras 3's names and signatures, composed from the primitives.

    from microdense import ops             # Keras: from keras import ops
    def my_loss(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

Everything here is a composition of the primitives in this package (arithmetic, elementwise,
reductions, shape), so what is differentiable in Keras is differentiable here with no backward
code of its own: `std` is sqrt(var), `var` is mean(square(x - mean(x))), `top_k`'s values are an
indexing of x. What Keras cannot differentiate either (argmax, one_hot, comparisons, casts to
integers) returns a constant Tensor: data, with no graph behind it.

The primitives keep their own names and are listed in `microdense.ops.__all__` (the op table
of tests/test_ops.py checks each one's backward); this file's names are in `KERAS_NAMES`.
Where Keras's name is also a primitive's (exp, sum, reshape, softmax, ...), the primitive is
Keras's op already and is not repeated here.
"""
import math

import numpy as np

from microdense import config
from microdense.ops.arithmetic import div, matmul, mul, neg, power, sub
from microdense.ops.elementwise import abs, astype, exp, log, maximum, sqrt
from microdense.ops.reductions import max, mean, min, sum
from microdense.ops.shape import concatenate, expand_dims, getitem, reshape, squeeze
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


def stop_gradient(variable):
    """The same values, cut from the graph: no gradient flows back through it."""
    return constant(_data(variable).copy())


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


# ---- reductions ----------------------------------------------------------------------------

def var(x, axis=None, keepdims=False):
    """Variance: mean((x - mean(x))^2) over `axis` (divides by n, as Keras)."""
    x = as_tensor(x)
    centered = x - mean(x, axis=axis, keepdims=True)
    return mean(centered * centered, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation: sqrt(var(x)) (its gradient is infinite where all values are equal,
    as Keras's)."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x, axes, keepdims=False):
    """(mean, variance) of x over `axes`."""
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (Keras's argument name)
    """Vector or matrix norm, as numpy.linalg.norm.

    Vectors (axis None or an int): ord None/2 sqrt(sum(x^2)), 1 sum|x|, inf max|x|,
    -inf min|x|, 0 the count of non-zeros (data), p (sum|x|^p)^(1/p). axis=None takes all
    values as one vector. Matrices (a 2-tuple axis): None/"fro" Frobenius, 1 the largest
    column sum of |x|, inf the largest row sum, -1/-inf the smallest.
    """
    x = as_tensor(x)
    if isinstance(axis, (tuple, list)) and len(axis) == 2:
        return _matrix_norm(x, ord, tuple(axis), keepdims)
    if ord is None or ord == 2:
        return sqrt(sum(x * x, axis=axis, keepdims=keepdims))
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    if ord == math.inf:
        return max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return constant(np.sum(x.data != 0, axis=axis, keepdims=keepdims).astype(x.dtype))
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} needs a 2-tuple axis (a matrix norm).")
    return power(sum(power(abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axis, keepdims):  # noqa: A002
    rows, columns = axis
    if ord in (None, "fro"):
        return sqrt(sum(x * x, axis=axis, keepdims=keepdims))
    sums = {1: (rows, max), -1: (rows, min), math.inf: (columns, max), -math.inf: (columns, min)}
    if ord not in sums:
        raise ValueError(f"norm: matrix ord={ord!r} is not supported; use None, 'fro', 1, -1, "
                         f"inf or -inf (2, -2 and 'nuc' need singular values).")
    sum_axis, pick = sums[ord]
    summed = sum(abs(x), axis=sum_axis, keepdims=True)
    out = pick(summed, axis=axis, keepdims=True)
    return out if keepdims else reshape(out, tuple(n for i, n in enumerate(x.shape)
                                                   if i not in {a % x.ndim for a in axis}))


def argmax(x, axis=None, keepdims=False):
    """Index of the largest value along `axis` (of the flattened x if None); int32, data."""
    return constant(np.argmax(_data(x), axis=axis, keepdims=keepdims).astype(np.int32))


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value along `axis` (of the flattened x if None); int32, data."""
    return constant(np.argmin(_data(x), axis=axis, keepdims=keepdims).astype(np.int32))


def argsort(x, axis=-1):
    """Indices that sort x along `axis` (stable); int32, data."""
    return constant(np.argsort(_data(x), axis=axis, kind="stable").astype(np.int32))


def all(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """True where every value along `axis` is non-zero."""
    return constant(np.all(_data(x), axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """True where some value along `axis` is non-zero."""
    return constant(np.any(_data(x), axis=axis, keepdims=keepdims))


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


# ---- shapes and indexing --------------------------------------------------------------------

def ravel(x):
    """x flattened to one axis."""
    return reshape(x, (-1,))


def broadcast_to(x, shape):
    """x repeated to `shape` by numpy's broadcasting: x + zeros(shape). The engine sums the
    gradient back to x's shape, as for any broadcast."""
    x = as_tensor(x)
    return x + np.zeros(shape, x.dtype)


def take(x, indices, axis=None):
    """x's entries at `indices` along `axis` (of the flattened x if None); repeated indices
    add up their gradients."""
    x = as_tensor(x)
    indices = _data(indices).astype(np.intp)
    if axis is None:
        return getitem(ravel(x), indices)
    return getitem(x, (slice(None),) * (axis % x.ndim) + (indices,))


def take_along_axis(x, indices, axis=None):
    """numpy.take_along_axis: out[..., i, ...] = x[..., indices[..., i, ...], ...]."""
    x = as_tensor(x)
    indices = _data(indices).astype(np.intp)
    if axis is None:
        return getitem(ravel(x), indices.ravel())
    axis = axis % x.ndim
    grid = np.ogrid[tuple(slice(n) for n in indices.shape)]
    full_index = tuple(indices if i == axis else grid[i] for i in range(x.ndim))
    return getitem(x, full_index)


def split(x, indices_or_sections, axis=0):
    """x cut into pieces along `axis`, as numpy.split (each piece a slice of x)."""
    x = as_tensor(x)
    axis = axis % x.ndim
    length = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if length % indices_or_sections:
            raise ValueError(f"split: axis {axis} of length {length} does not divide into "
                             f"{indices_or_sections} equal sections.")
        step = length // indices_or_sections
        bounds = list(range(0, length + 1, step))
    else:
        bounds = [0, *indices_or_sections, length]
    before = (slice(None),) * axis
    return [getitem(x, before + (slice(start, stop),)) for start, stop in zip(bounds, bounds[1:])]


def tile(x, repeats):
    """x repeated `repeats` times along each axis, as numpy.tile (a concatenation of copies)."""
    x = as_tensor(x)
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    if len(repeats) > x.ndim:
        x = reshape(x, (1,) * (len(repeats) - x.ndim) + x.shape)
    repeats = (1,) * (x.ndim - len(repeats)) + repeats
    for axis, count in enumerate(repeats):
        if count != 1:
            x = concatenate([x] * count, axis=axis)
    return x


def repeat(x, repeats, axis=None):
    """Each entry repeated `repeats` times along `axis`, as numpy.repeat."""
    x = as_tensor(x)
    if axis is None:
        x, axis = ravel(x), 0
    return take(x, np.repeat(np.arange(x.shape[axis]), repeats), axis=axis)


def top_k(x, k, sorted=True):  # noqa: A002 (Keras's argument name)
    """(values, indices) of the k largest entries along the last axis, largest first; ties go
    to the lower index, as in JAX. The values are differentiable (they index x)."""
    x = as_tensor(x)
    indices = np.argsort(-x.data, axis=-1, kind="stable")[..., :k].astype(np.int32)
    return take_along_axis(x, indices, axis=-1), constant(indices)


def in_top_k(targets, predictions, k):
    """True where the prediction for the target class ranks among the k largest: its rank is
    1 + the number of strictly larger predictions (a NaN ranks last), as Keras's JAX backend."""
    predictions = _data(predictions)
    targets = _data(targets).astype(np.intp)
    at_label = np.take_along_axis(predictions, targets[..., None], axis=-1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    rank = 1 + np.sum(predictions > at_label, axis=-1)
    return constant(rank <= k)


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


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), which never takes the log of 0."""
    return -softplus(-as_tensor(x))


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order, axis), epsilon) (epsilon 1e-12 if none is given, as Keras)."""
    x = as_tensor(x)
    lengths = norm(x, ord=order, axis=axis, keepdims=True)
    return x / maximum(lengths, 1e-12 if epsilon is None else epsilon)


# Keras's names defined above (the primitives' own names are in microdense.ops.__all__).
KERAS_NAMES = [
    "convert_to_tensor", "convert_to_numpy", "array", "cast", "stop_gradient", "shape", "ndim", "size",
    "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "eye", "identity",
    "arange", "linspace", "one_hot",
    "subtract", "multiply", "divide", "true_divide", "negative", "square", "reciprocal",
    "absolute", "log1p", "expm1", "sign", "floor", "ceil", "round", "dot", "outer",
    "var", "std", "moments", "norm", "argmax", "argmin", "argsort", "all", "any",
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "isnan", "isfinite", "isinf",
    "ravel", "broadcast_to", "take", "take_along_axis", "split", "tile", "repeat", "top_k",
    "in_top_k",
    "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softplus", "softsign",
    "hard_sigmoid", "hard_silu", "log_sigmoid", "normalize",
]
