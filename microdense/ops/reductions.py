"""Reductions over axes: sum, mean, max, min, and the stable softmax family.

`axis` is an int, a tuple of ints or None (all axes); `keepdims` keeps reduced axes as 1,
exactly as in numpy. A reduction's backward spreads g back over the axes it removed.
"""
import numpy as np

from microdense.tensor import as_tensor
from microdense.ops.axes import normalize_axes, normalize_axis
from microdense.ops.op import Op


def _kept_shape(shape, axes):
    """The shape a reduction over `axes` has with keepdims=True: reduced axes become 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# ---- sum -----------------------------------------------------------------------------------

def _sum(x, axes=None, keepdims=False):
    return x.sum(axis=axes, keepdims=keepdims), (x.shape, _kept_shape(x.shape, axes))

def _sum_backward(saved, g, needs):                   # every summed element gets all of g
    shape, kept_shape = saved
    spread = np.empty(shape, g.dtype)
    spread[...] = g.reshape(kept_shape)               # a writable copy; cheaper than broadcast_to
    return (spread,)

SUM = Op("sum", _sum, _sum_backward, "d sum(x)/dx_i = 1",
         math=lambda out, x: (f"dL/d{x} = dL/d{out}, copied to every element it summed",))


def sum(x, axis=None, keepdims=False):  # noqa: A001 (numpy's name)
    """Sum over `axis` (an int, a tuple or list of ints, or None for every axis)."""
    x = as_tensor(x)
    return SUM(x, axes=normalize_axes(axis, x.data.ndim, "sum"), keepdims=keepdims)


# ---- mean ----------------------------------------------------------------------------------

def _mean(x, axes=None, keepdims=False):
    total = x.sum(axis=axes, keepdims=keepdims)
    scale = np.asarray(total.size / x.size if x.size else np.nan, total.dtype)     # 1/n
    return total * scale, (x.shape, _kept_shape(x.shape, axes), scale)

def _mean_backward(saved, g, needs):                  # every averaged element gets g / n
    shape, kept_shape, scale = saved
    spread = np.empty(shape, g.dtype)
    spread[...] = g.reshape(kept_shape) * scale
    return (spread,)

def _mean_math(out, x):
    n = int(np.prod(x.shape)) // int(np.prod(out.shape) or 1)
    return (f"dL/d{x} = dL/d{out} / n, copied to each of the n = {n} elements it averaged",)

# A primitive, though it is sum(x) * (1/n): one step in the trace, one box in a drawing.
MEAN = Op("mean", _mean, _mean_backward, "d mean(x)/dx_i = 1/n", math=_mean_math)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (an int, a tuple or list of ints, or None for every axis)."""
    x = as_tensor(x)
    return MEAN(x, axes=normalize_axes(axis, x.data.ndim, "mean"), keepdims=keepdims)


# ---- max, min ------------------------------------------------------------------------------

def _max(x, axes=None, keepdims=False):
    return _extremum(x, np.max, "max", axes, keepdims)

def _min(x, axes=None, keepdims=False):
    return _extremum(x, np.min, "min", axes, keepdims)

def _extremum(x, find, op, axes, keepdims):
    if x.size == 0:
        raise ValueError(f"{op} of an empty tensor (shape {x.shape}) is undefined.")
    extreme = find(x, axis=axes, keepdims=True)
    out = extreme if keepdims else np.squeeze(extreme, axis=axes)
    return out, (x, extreme, axes)

def _extremum_backward(saved, g, needs):              # ties share g evenly, as numpy autograds
    x, extreme, axes = saved
    winners = x == extreme
    if x.dtype.kind == "f" and np.isnan(extreme).any():
        winners |= np.isnan(x)      # a NaN is the max: the gradient goes to it, as PyTorch
    return (g.reshape(extreme.shape) * winners / winners.sum(axis=axes, keepdims=True),)

MAX = Op("max", _max, _extremum_backward,
         "d max(x)/dx_i = 1/k for the k elements equal to the max, else 0",
         math=lambda out, x: (f"dL/d{x} = dL/d{out} at the max (split between ties), "
                              f"else 0",))
MIN = Op("min", _min, _extremum_backward,
         "d min(x)/dx_i = 1/k for the k elements equal to the min, else 0",
         math=lambda out, x: (f"dL/d{x} = dL/d{out} at the min (split between ties), "
                              f"else 0",))


def max(x, axis=None, keepdims=False):  # noqa: A001 (numpy's name)
    """Largest value over `axis`. Tied maxima split the gradient evenly."""
    x = as_tensor(x)
    return MAX(x, axes=normalize_axes(axis, x.data.ndim, "max"), keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 (numpy's name)
    """Smallest value over `axis`. Tied minima split the gradient evenly."""
    x = as_tensor(x)
    return MIN(x, axes=normalize_axes(axis, x.data.ndim, "min"), keepdims=keepdims)


# ---- the softmax family: primitives for stability ------------------------------------------
# Composed naively, exp overflows at logits of ~89 in float32. Each of these shifts by the
# max first, which changes nothing mathematically (softmax is shift-invariant).

def _peak(data, axis):
    """max(data) along axis (as length-1 axes), taken as 0 where a slice is all -inf."""
    peak = np.max(data, axis=axis, keepdims=True)
    return np.where(np.isfinite(peak), peak, 0)


def _logsumexp(x, axes=None, keepdims=False):
    peak = _peak(x, axes)
    lse = np.log(np.exp(x - peak).sum(axis=axes, keepdims=True)) + peak   # keepdims shape
    out = lse if keepdims else np.squeeze(lse, axis=axes)
    return out, (x, lse)

def _logsumexp_backward(saved, g, needs):             # d lse/dx = softmax(x)
    x, lse = saved
    return (g.reshape(lse.shape) * np.exp(x - lse),)

LOGSUMEXP = Op("logsumexp", _logsumexp, _logsumexp_backward, "d logsumexp(x)/dx = softmax(x)",
               math=lambda out, x: (f"dL/d{x} = dL/d{out} * softmax({x})",))


def _softmax(x, axis=-1):
    e = np.exp(x - _peak(x, axis))
    s = e / e.sum(axis=axis, keepdims=True)
    return s, (s, axis)

def _softmax_backward(saved, g, needs):               # Jacobian-vector product: s * (g - <g, s>)
    s, axis = saved
    return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)

SOFTMAX = Op("softmax", _softmax, _softmax_backward, "d s_i/dx_j = s_i (δ_ij - s_j)",
             math=lambda out, x: (f"dL/d{x} = {out} * (dL/d{out} - sum(dL/d{out} * {out}))",))


def _log_softmax(x, axis=-1):
    shifted = x - _peak(x, axis)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out, (out, axis)

def _log_softmax_backward(saved, g, needs):
    out, axis = saved
    return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)

LOG_SOFTMAX = Op("log_softmax", _log_softmax, _log_softmax_backward,
                 "d log_softmax(x)_i/dx_j = δ_ij - softmax_j",
                 math=lambda out, x: (f"dL/d{x} = dL/d{out} - exp({out}) * sum(dL/d{out})",))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed without overflow."""
    x = as_tensor(x)
    return LOGSUMEXP(x, axes=normalize_axes(axis, x.data.ndim, "logsumexp"), keepdims=keepdims)


def _softmax_axes(axis, ndim, op):
    """One axis as an int; several (a tuple or list, as Keras's softmax(x, axis=(-2, -1)))
    as a sorted tuple: the slices that sum to 1 then span all of them. The forward and the
    backward above are numpy reductions, which take either."""
    if isinstance(axis, (tuple, list)):
        axes = normalize_axes(axis, ndim, op)
        if not axes:
            raise ValueError(f"{op}: axis {axis!r} names no axis.")
        return axes[0] if len(axes) == 1 else axes
    return normalize_axis(axis, ndim, op)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int, or a tuple of axes normalized together),
    computed without overflow."""
    x = as_tensor(x)
    return SOFTMAX(x, axis=_softmax_axes(axis, x.data.ndim, "softmax"))


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis` (an int or a tuple of axes): finite even where softmax
    underflows to 0."""
    x = as_tensor(x)
    return LOG_SOFTMAX(x, axis=_softmax_axes(axis, x.data.ndim, "log_softmax"))
