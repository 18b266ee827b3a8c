"""keras.ops's reductions and norms, composed from the primitives (see keras_ops.py):
var, std, moments, norm, and the index-valued argmax/argmin/argsort, all/any."""
import math

import numpy as np

from microdense.ops.elementwise import abs, sqrt
from microdense.ops.arithmetic import power
from microdense.ops.reductions import max, mean, min, sum
from microdense.ops.shape import reshape, transpose
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
    """Vector or matrix norm, as numpy.linalg.norm (and keras.ops.norm).

    Vectors (an int axis, or axis=None on a 1-d x): ord None/2 sqrt(sum(x^2)), 1 sum|x|,
    inf max|x|, -inf min|x|, 0 the count of non-zeros (data), p (sum|x|^p)^(1/p).
    Matrices (a 2-tuple axis, or axis=None on a 2-d x): None/"fro" sqrt(sum(x^2)), 1 the largest
    column sum of |x|, inf the largest row sum, -1/-inf the smallest, 2 the largest singular
    value, -2 the smallest, "nuc" their sum. axis=None with ord=None takes any x as one vector.
    """
    x = as_tensor(x)
    if axis is None and ord is not None:
        if x.ndim == 2:
            return _matrix_norm(x, ord, (0, 1), keepdims)
        if x.ndim != 1:
            raise ValueError(f"norm: ord={ord!r} with axis=None needs a vector or a matrix, as "
                             f"in numpy; x has shape {x.shape}. Pass axis=(an int) for vector "
                             f"norms or axis=(a 2-tuple) for matrix norms.")
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
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; it needs a 2-d x or a 2-tuple "
                         f"axis. Vector orders are numbers: None, 1, 2, inf, -inf, 0, p.")
    return power(sum(power(abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axis, keepdims):  # noqa: A002
    rows, columns = (a % x.ndim for a in axis)
    if rows == columns:
        raise ValueError(f"norm: a matrix norm needs two different axes; got axis={axis}.")
    if ord in (None, "fro"):
        return sqrt(sum(x * x, axis=(rows, columns), keepdims=keepdims))
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(x, ord, rows, columns, keepdims)
    sums = {1: (rows, max), -1: (rows, min), math.inf: (columns, max), -math.inf: (columns, min)}
    if ord not in sums:
        raise ValueError(f"norm: matrix ord={ord!r} is not one numpy knows; use None, 'fro', "
                         f"'nuc', 1, -1, 2, -2, inf or -inf.")
    sum_axis, pick = sums[ord]
    summed = sum(abs(x), axis=sum_axis, keepdims=True)
    out = pick(summed, axis=(rows, columns), keepdims=True)
    return out if keepdims else _drop_axes(out, (rows, columns))


def _singular_value_norm(x, ord, rows, columns, keepdims):  # noqa: A002
    """Singular values as a composition: with x = U diag(s) V^T, s_k = u_k^T x v_k, which is
    linear in x once u_k and v_k are fixed; so sum(x * u_k v_k^T) has the value s_k and the
    gradient u_k v_k^T, the derivative of a (simple) singular value. The singular vectors come
    from numpy's SVD as constants: 2 takes the largest, -2 the smallest, "nuc" all of them."""
    others = [i for i in range(x.ndim) if i not in (rows, columns)]
    matrices = transpose(x, others + [rows, columns])              # (..., m, n)
    u, _, vt = np.linalg.svd(matrices.data, full_matrices=False)   # s sorted, largest first
    picked = {2: slice(0, 1), -2: slice(-1, None), "nuc": slice(None)}[ord]
    directions = u[..., :, picked] @ vt[..., picked, :]            # sum_k u_k v_k^T, (..., m, n)
    out = sum(matrices * directions, axis=(-2, -1))
    if not keepdims:
        return out
    shape = tuple(1 if i in (rows, columns) else n for i, n in enumerate(x.shape))
    return reshape(out, shape)


def _drop_axes(x, axes):
    """x (with length-1 `axes`) without those axes."""
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


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
