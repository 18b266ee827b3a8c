"""keras.ops's reductions and norms, composed from the primitives (see keras_ops.py):
var, std, moments, norm, and the index-valued argmax/argmin/argsort, all/any."""
import math

import numpy as np

from microdense.ops.elementwise import abs, sqrt
from microdense.ops.arithmetic import power
from microdense.ops.reductions import max, mean, min, sum
from microdense.ops.shape import reshape
from microdense.ops.op import data_op
from microdense.tensor import Tensor, as_tensor, constant


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


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


ALL = data_op("all", np.all)
ANY = data_op("any", np.any)


def all(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """True where every value along `axis` is non-zero."""
    return ALL(as_tensor(x), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """True where some value along `axis` is non-zero."""
    return ANY(as_tensor(x), axis=axis, keepdims=keepdims)
