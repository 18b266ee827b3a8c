"""Elementwise primitives: the functions an activation is made of. Forward, then backward.

Rules of thumb a reader can check: the derivative of each function is written in the `rule`
string passed to `node`, and the backward is that rule times g (the chain rule).
"""
import numpy as np

from microdense.tensor import Tensor, as_tensor, as_tensors, node


def exp(x):
    """e^x."""
    x = as_tensor(x)
    out = np.exp(x.data)
    def backward(g):
        return (g * out,)
    return node(out, (x,), backward, "exp", "d exp(x)/dx = exp(x)")


def log(x):
    """Natural logarithm."""
    x = as_tensor(x)
    data = x.data
    def backward(g):
        return (g / data,)
    return node(np.log(data), (x,), backward, "log", "d ln(x)/dx = 1/x")


def sqrt(x):
    """Square root."""
    x = as_tensor(x)
    out = np.sqrt(x.data)
    def backward(g):
        return (g / (2 * out),)
    return node(out, (x,), backward, "sqrt", "d sqrt(x)/dx = 1/(2 sqrt(x))")


def abs(x):  # noqa: A001 (numpy's name)
    """|x|. Its derivative at 0 is taken as 0 (np.sign), as in PyTorch and numpy autograds."""
    x = as_tensor(x)
    data = x.data
    def backward(g):
        return (g * np.sign(data),)
    return node(np.abs(data), (x,), backward, "abs", "d|x|/dx = sign(x)")


def tanh(x):
    """Hyperbolic tangent."""
    x = as_tensor(x)
    t = np.tanh(x.data)
    def backward(g):
        return (g * (1 - t * t),)
    return node(t, (x,), backward, "tanh", "d tanh(x)/dx = 1 - tanh(x)^2")


def sigmoid(x):
    """1 / (1 + e^-x). A primitive, not a composition, so it is stable for any x."""
    x = as_tensor(x)
    data = x.data
    e = np.exp(-np.abs(data))                       # in (0, 1]: never overflows
    s = np.where(data >= 0, 1, e) / (1 + e)         # 1/(1+e^-x) for x>=0, e^x/(1+e^x) below
    def backward(g):
        return (g * (s * (1 - s)),)
    return node(s, (x,), backward, "sigmoid", "d sigmoid(x)/dx = sigmoid(x) * (1 - sigmoid(x))")


def relu(x):
    """max(x, 0). Its derivative at 0 is taken as 0, as in Keras and PyTorch."""
    x = as_tensor(x)
    data = x.data
    def backward(g):
        return (g * (data > 0),)
    return node(np.maximum(data, 0), (x,), backward, "relu", "d relu(x)/dx = 1 if x > 0 else 0")


def maximum(a, b):
    """Elementwise max of a and b. Where they tie, each gets half the gradient."""
    a, b = as_tensors(a, b)
    x, y = a.data, b.data
    def backward(g):
        share_a = _winner_share(x > y, x == y, g.dtype)
        return g * share_a, g * (1 - share_a)
    return node(np.maximum(x, y), (a, b), backward, "maximum",
                "d max(a,b)/da = 1 where a > b, 1/2 where a == b, else 0")


def minimum(a, b):
    """Elementwise min of a and b. Where they tie, each gets half the gradient."""
    a, b = as_tensors(a, b)
    x, y = a.data, b.data
    def backward(g):
        share_a = _winner_share(x < y, x == y, g.dtype)
        return g * share_a, g * (1 - share_a)
    return node(np.minimum(x, y), (a, b), backward, "minimum",
                "d min(a,b)/da = 1 where a < b, 1/2 where a == b, else 0")


def _winner_share(a_wins, tie, dtype):
    """1 where a wins, 1/2 where they tie, else 0 (np.where also works for 0-d inputs)."""
    return np.where(tie, 0.5, a_wins).astype(dtype, copy=False)


def where(condition, a, b):
    """a where condition is true, else b (condition is data: it gets no gradient)."""
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition, bool)
    a, b = as_tensors(a, b)
    def backward(g):
        zero = np.zeros((), g.dtype)
        return np.where(condition, g, zero), np.where(condition, zero, g)
    return node(np.where(condition, a.data, b.data), (a, b), backward, "where",
                "d where(c,a,b)/da = c, d where(c,a,b)/db = not c")


def clip(x, x_min=None, x_max=None):
    """x limited to [x_min, x_max] (either may be None; numbers or arrays that broadcast to x;
    Keras's argument names). The gradient is 0 outside the range. The bounds are data: they
    get no gradient."""
    x = as_tensor(x)
    data = x.data
    lo, hi = _bound(x_min, "x_min"), _bound(x_max, "x_max")
    if lo is not None and hi is not None and np.any(lo > hi):
        raise ValueError(f"clip needs lo <= hi (x_min <= x_max); got x_min={lo}, x_max={hi}.")
    out = np.clip(data, lo, hi)
    if data.dtype.kind == "f":          # float64 numpy-scalar bounds would upcast float32 data
        out = out.astype(data.dtype, copy=False)
    def backward(g):
        inside = np.ones(data.shape, bool)
        if lo is not None:
            inside &= data >= lo
        if hi is not None:
            inside &= data <= hi
        return (g * inside,)
    return node(out, (x,), backward, "clip",
                "d clip(x)/dx = 1 inside [lo, hi], else 0")


def _bound(bound, which):
    if isinstance(bound, Tensor):
        if bound.requires_grad:
            raise TypeError(f"clip's {which} bound is a tensor that requires grad, but clip "
                            f"gives its bounds no gradient. For a learned bound, compose "
                            f"md.minimum(md.maximum(x, lo), hi).")
        bound = bound.data
    return bound if bound is None else np.asarray(bound)


def astype(x, dtype):
    """x converted to another dtype. To a float dtype, the gradient is converted back; to an
    integer or bool dtype it records nothing (node() records only float results)."""
    x = as_tensor(x)
    source_dtype = x.data.dtype
    def backward(g):
        return (g.astype(source_dtype),)
    return node(x.data.astype(dtype), (x,), backward, "astype", "d cast(x)/dx = 1")
