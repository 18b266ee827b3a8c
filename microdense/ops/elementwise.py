"""Elementwise primitives: the functions an activation is made of. Forward, then backward.

Rules of thumb a reader can check: the derivative of each function is written in its record's
rule, and the backward is that rule times g (the chain rule). See op.py for the record.
"""
import numpy as np

from microdense.ops.op import Op, data_op
from microdense.tensor import Tensor, _reading, as_tensor, as_tensors


# ---- exp, log, sqrt, abs -------------------------------------------------------------------

def _exp(x):
    out = np.exp(x)
    return out, out

def _exp_backward(out, g, needs):
    return (g * out,)                                 # d exp(x)/dx = exp(x)

EXP = Op("exp", _exp, _exp_backward, "d exp(x)/dx = exp(x)", elementwise=True,
         math=lambda out, x: (f"dL/d{x} = dL/d{out} * {out}",))


def _log(x):
    return np.log(x), x

def _log_backward(x, g, needs):
    return (g / x,)                                   # d ln(x)/dx = 1/x

LOG = Op("log", _log, _log_backward, "d ln(x)/dx = 1/x", elementwise=True,
         math=lambda out, x: (f"dL/d{x} = dL/d{out} / {x}",))


def _sqrt(x):
    out = np.sqrt(x)
    return out, out

def _sqrt_backward(out, g, needs):
    return (g / (2 * out),)                           # d sqrt(x)/dx = 1/(2 sqrt(x))

SQRT = Op("sqrt", _sqrt, _sqrt_backward, "d sqrt(x)/dx = 1/(2 sqrt(x))", elementwise=True,
          math=lambda out, x: (f"dL/d{x} = dL/d{out} / (2 * {out})",))


def _abs(x):
    return np.abs(x), x

def _abs_backward(x, g, needs):
    return (g * np.sign(x),)                          # 0 at 0, as PyTorch and numpy autograds

ABS = Op("abs", _abs, _abs_backward, "d|x|/dx = sign(x)", elementwise=True,
         math=lambda out, x: (f"dL/d{x} = dL/d{out} * sign({x})",))


# ---- tanh, sigmoid, relu -------------------------------------------------------------------

def _tanh(x):
    t = np.tanh(x)
    return t, t

def _tanh_backward(t, g, needs):
    return (g * (1 - t * t),)                         # d tanh(x)/dx = 1 - tanh(x)^2

TANH = Op("tanh", _tanh, _tanh_backward, "d tanh(x)/dx = 1 - tanh(x)^2", elementwise=True,
          math=lambda out, x: (f"dL/d{x} = dL/d{out} * (1 - {out}^2)",))


def _sigmoid(x):
    e = np.exp(-np.abs(x))                            # in (0, 1]: never overflows
    s = np.where(x >= 0, 1, e) / (1 + e)              # 1/(1+e^-x) for x>=0, e^x/(1+e^x) below
    return s, s

def _sigmoid_backward(s, g, needs):
    return (g * (s * (1 - s)),)

SIGMOID = Op("sigmoid", _sigmoid, _sigmoid_backward,
             "d sigmoid(x)/dx = sigmoid(x) * (1 - sigmoid(x))", elementwise=True,
             math=lambda out, x: (f"dL/d{x} = dL/d{out} * {out} * (1 - {out})",))


def _relu(x):
    return np.maximum(x, 0), x

def _relu_backward(x, g, needs):
    return (g * (x > 0),)                             # 0 at 0, as Keras and PyTorch

RELU = Op("relu", _relu, _relu_backward, "d relu(x)/dx = 1 if x > 0 else 0", elementwise=True,
          math=lambda out, x: (f"dL/d{x} = dL/d{out} where {x} > 0, else 0",))


# ---- maximum, minimum, where, clip ---------------------------------------------------------

def _maximum(a, b):
    return np.maximum(a, b), (a, b)

def _maximum_backward(saved, g, needs):
    a, b = saved
    share_a = _winner_share(a > b, a == b, g.dtype)   # ties split g evenly
    return g * share_a, g * (1 - share_a)

MAXIMUM = Op("maximum", _maximum, _maximum_backward,
             "d max(a,b)/da = 1 where a > b, 1/2 where a == b, else 0", elementwise=True,
             math=lambda out, a, b: (f"dL/d{a} = dL/d{out} where {a} > {b} (half on ties)",
                                     f"dL/d{b} = dL/d{out} where {b} > {a} (half on ties)"))


def _minimum(a, b):
    return np.minimum(a, b), (a, b)

def _minimum_backward(saved, g, needs):
    a, b = saved
    share_a = _winner_share(a < b, a == b, g.dtype)
    return g * share_a, g * (1 - share_a)

MINIMUM = Op("minimum", _minimum, _minimum_backward,
             "d min(a,b)/da = 1 where a < b, 1/2 where a == b, else 0", elementwise=True,
             math=lambda out, a, b: (f"dL/d{a} = dL/d{out} where {a} < {b} (half on ties)",
                                     f"dL/d{b} = dL/d{out} where {b} < {a} (half on ties)"))


def _winner_share(a_wins, tie, dtype):
    """1 where a wins, 1/2 where they tie, else 0 (np.where also works for 0-d inputs)."""
    return np.where(tie, 0.5, a_wins).astype(dtype, copy=False)


def _where(condition, a, b):
    return np.where(condition, a, b), condition

def _where_backward(condition, g, needs):
    zero = np.zeros((), g.dtype)
    return None, np.where(condition, g, zero), np.where(condition, zero, g)

WHERE = Op("where", _where, _where_backward,
           "d where(c,a,b)/da = c, d where(c,a,b)/db = not c", elementwise=True,
           math=lambda out, c, a, b: (f"{c} is the condition: data, no gradient",
                                      f"dL/d{a} = dL/d{out} where {c}, else 0",
                                      f"dL/d{b} = dL/d{out} where not {c}, else 0"))


def _clip(x, lo=None, hi=None):
    out = np.clip(x, lo, hi)
    if x.dtype.kind == "f":           # float64 numpy-scalar bounds would upcast float32 data
        out = out.astype(x.dtype, copy=False)
    return out, (x, lo, hi)

def _clip_backward(saved, g, needs):
    x, lo, hi = saved
    inside = np.ones(x.shape, bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return (g * inside,)

CLIP = Op("clip", _clip, _clip_backward, "d clip(x)/dx = 1 inside [lo, hi], else 0",
          elementwise=True,
          math=lambda out, x: (f"dL/d{x} = dL/d{out} where lo <= {x} <= hi, else 0",))


def _astype(x, dtype):
    return x.astype(dtype), x.dtype

def _astype_backward(source_dtype, g, needs):
    return (g.astype(source_dtype),)                  # d cast(x)/dx = 1, in x's dtype

ASTYPE = Op("astype", _astype, _astype_backward, "d cast(x)/dx = 1", elementwise=True,
            math=lambda out, x: (f"dL/d{x} = dL/d{out}, cast back to {x}'s dtype",))

# Gradients stop here: the value passes, the gradient does not (Tensor.detach, ops.stop_gradient).
STOP_GRADIENT = data_op("stop_gradient", lambda x: x)


# ---- the functions users call --------------------------------------------------------------

def exp(x):
    """e^x."""
    return EXP(as_tensor(x))


def log(x):
    """Natural logarithm."""
    return LOG(as_tensor(x))


def sqrt(x):
    """Square root."""
    return SQRT(as_tensor(x))


def abs(x):  # noqa: A001 (numpy's name)
    """|x|. Its derivative at 0 is taken as 0 (np.sign), as in PyTorch and numpy autograds."""
    return ABS(as_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return TANH(as_tensor(x))


def sigmoid(x):
    """1 / (1 + e^-x). A primitive, not a composition, so it is stable for any x."""
    return SIGMOID(as_tensor(x))


def relu(x):
    """max(x, 0). Its derivative at 0 is taken as 0, as in Keras and PyTorch."""
    return RELU(as_tensor(x))


def maximum(a, b):
    """Elementwise max of a and b. Where they tie, each gets half the gradient."""
    return MAXIMUM(*as_tensors(a, b))


def minimum(a, b):
    """Elementwise min of a and b. Where they tie, each gets half the gradient."""
    return MINIMUM(*as_tensors(a, b))


def where(condition, a, b):
    """a where condition is true, else b (condition is data: it gets no gradient)."""
    if not isinstance(condition, Tensor) or condition.dtype != bool:
        condition = Tensor(np.asarray(condition.data if isinstance(condition, Tensor)
                                      else condition, bool))
    return WHERE(condition, *as_tensors(a, b))


def clip(x, x_min=None, x_max=None):
    """x limited to [x_min, x_max] (either may be None; numbers or arrays that broadcast to x;
    Keras's argument names). The gradient is 0 outside the range. The bounds are data: they
    get no gradient."""
    x = as_tensor(x)
    lo, hi = _bound(x_min, "x_min"), _bound(x_max, "x_max")
    if lo is not None and hi is not None and np.any(lo > hi):
        raise ValueError(f"clip needs lo <= hi (x_min <= x_max); got x_min={lo}, x_max={hi}.")
    return CLIP(x, lo=lo, hi=hi)


def _bound(bound, which):
    if isinstance(bound, Tensor):
        if bound.requires_grad:
            raise TypeError(f"clip's {which} bound is a tensor that requires grad, but clip "
                            f"gives its bounds no gradient. For a learned bound, compose "
                            f"md.minimum(md.maximum(x, lo), hi).")
        _reading(bound, f"a tensor as clip's {which}")   # its value becomes a setting
        bound = bound.data
    return bound if bound is None else np.asarray(bound)


def astype(x, dtype):
    """x converted to another dtype. To a float dtype, the gradient is converted back; to an
    integer or bool dtype it records nothing (node() records only float results).
    The result keeps x's name: float64 data `x` fed to a float32 layer is still `x`."""
    x = as_tensor(x)
    out = ASTYPE(x, dtype=np.dtype(dtype))
    out.name = x.name
    return out


def stop_gradient(x):
    """x's value, with no gradient flowing back through it."""
    return STOP_GRADIENT(as_tensor(x))
