"""Reductions over axes: sum, mean, max, min, and the stable softmax family.

`axis` is an int, a tuple of ints or None (all axes); `keepdims` keeps reduced axes as 1,
exactly as in numpy. A reduction's backward spreads g back over the axes it removed.
"""
import numpy as np

from microdense import recording
from microdense.recording import Scope, layer_scope
from microdense.tensor import as_tensor, node
from microdense.ops.arithmetic import mul
from microdense.ops.axes import normalize_axes, normalize_axis


def _kept_shape(shape, axes):
    """The shape a reduction over `axes` has with keepdims=True: reduced axes become 1."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def sum(x, axis=None, keepdims=False):  # noqa: A001 (numpy's name)
    """Sum over `axis` (an int, a tuple or list of ints, or None for every axis)."""
    x = as_tensor(x)
    return _sum(x, normalize_axes(axis, x.data.ndim, "sum"), keepdims)


def _sum(x, axes, keepdims):
    """sum over axes already normalized (a sorted tuple of non-negative ints, or None)."""
    out = x.data.sum(axis=axes, keepdims=keepdims)
    shape = x.data.shape
    kept_shape = _kept_shape(shape, axes)
    def backward(g):                     # every summed element gets the whole of g
        spread = np.empty(shape, g.dtype)
        spread[...] = g.reshape(kept_shape)      # a writable copy; cheaper than broadcast_to
        return (spread,)
    return node(out, (x,), backward, "sum", "d sum(x)/dx_i = 1")


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`: composed as sum(x) * (1/n), so it needs no backward of its own.
    Its two ops run in a scope named "mean", so drawings show them as one `mean` op."""
    x = as_tensor(x)
    axes = normalize_axes(axis, x.data.ndim, "mean")
    # A new Scope per call, nested in the current one: drawings tell composed ops apart by
    # their Scope object, so `x.mean(axis=0).mean()` stays two means. (md.scope(...) does
    # the same; building the tuple here directly costs 0.4 us instead of 1.25 us.)
    scope = Scope("mean", "d mean(x)/dx_i = 1/n", "op", recording.mode.state.scope)
    with layer_scope(scope):
        total = _sum(x, axes, keepdims)
        scale = total.data.size / x.data.size if x.data.size else float("nan")   # 1/n
        return mul(total, scale)


def _extremum(x, axis, keepdims, find, op):
    x = as_tensor(x)
    data = x.data
    axis = normalize_axes(axis, data.ndim, op)
    if data.size == 0:
        raise ValueError(f"{op} of an empty tensor (shape {data.shape}) is undefined.")
    extreme = find(data, axis=axis, keepdims=True)
    def backward(g):                     # ties share g evenly, as numpy autograds do
        winners = data == extreme
        if data.dtype.kind == "f" and np.isnan(extreme).any():
            winners |= np.isnan(data)    # a NaN is the max: the gradient goes to it, as PyTorch
        return (g.reshape(extreme.shape) * winners / winners.sum(axis=axis, keepdims=True),)
    out = extreme if keepdims else np.squeeze(extreme, axis=axis)
    return node(out, (x,), backward, op, f"d {op}(x)/dx_i = 1/k for the k elements equal to "
                                         f"the {op}, else 0")


def max(x, axis=None, keepdims=False):  # noqa: A001 (numpy's name)
    """Largest value over `axis`. Tied maxima split the gradient evenly."""
    return _extremum(x, axis, keepdims, np.max, "max")


def min(x, axis=None, keepdims=False):  # noqa: A001 (numpy's name)
    """Smallest value over `axis`. Tied minima split the gradient evenly."""
    return _extremum(x, axis, keepdims, np.min, "min")


# ---- the softmax family: primitives for stability (and speed) ----------------------------
# Composed naively, exp overflows at logits of ~89 in float32. Each of these shifts by the
# max first, which changes nothing mathematically (softmax is shift-invariant).

def _peak(data, axis):
    """max(data) along axis (as length-1 axes), taken as 0 where a slice is all -inf."""
    peak = np.max(data, axis=axis, keepdims=True)
    return np.where(np.isfinite(peak), peak, 0)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed without overflow."""
    x = as_tensor(x)
    data = x.data
    axis = normalize_axes(axis, data.ndim, "logsumexp")
    peak = _peak(data, axis)
    lse = np.log(np.exp(data - peak).sum(axis=axis, keepdims=True)) + peak   # keepdims shape
    def backward(g):                     # d lse/dx = softmax(x)
        return (g.reshape(lse.shape) * np.exp(data - lse),)
    out = lse if keepdims else np.squeeze(lse, axis=axis)
    return node(out, (x,), backward, "logsumexp", "d logsumexp(x)/dx = softmax(x)")


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, computed without overflow."""
    x = as_tensor(x)
    axis = normalize_axis(axis, x.data.ndim, "softmax")
    e = np.exp(x.data - _peak(x.data, axis))
    s = e / e.sum(axis=axis, keepdims=True)
    def backward(g):                     # Jacobian-vector product: s * (g - <g, s>)
        return (s * (g - (g * s).sum(axis=axis, keepdims=True)),)
    return node(s, (x,), backward, "softmax", "d s_i/dx_j = s_i (δ_ij - s_j)")


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`: finite even where softmax underflows to 0."""
    x = as_tensor(x)
    axis = normalize_axis(axis, x.data.ndim, "log_softmax")
    shifted = x.data - _peak(x.data, axis)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    def backward(g):
        return (g - np.exp(out) * g.sum(axis=axis, keepdims=True),)
    return node(out, (x,), backward, "log_softmax", "d log_softmax(x)_i/dx_j = δ_ij - softmax_j")
