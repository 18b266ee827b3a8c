"""Arithmetic primitives: + - * / ** neg @. Each op's forward is followed by its backward.

A backward receives g = d(loss)/d(out), shaped like the output, and returns one gradient per
input (None for an input that needs none, to skip work such as the gradient of the data in
`x @ W`). It may return the broadcast shape: the engine sums it back to each input's shape.
See op.py for the record each op is.
"""
import numpy as np

from microdense.ops.op import Op
from microdense.tensor import as_tensor, as_tensors


# ---- add, sub, neg -------------------------------------------------------------------------

def _add(a, b):
    return a + b, None

def _add_backward(saved, g, needs):
    return g, g                                       # d(a+b)/da = d(a+b)/db = 1

ADD = Op("add", _add, _add_backward, "d(a+b)/da = 1, d(a+b)/db = 1", elementwise=True,
         math=lambda out, a, b: (f"dL/d{a} = dL/d{out}", f"dL/d{b} = dL/d{out}"))


def _sub(a, b):
    return a - b, None

def _sub_backward(saved, g, needs):
    return g, (-g if needs[1] else None)

SUB = Op("sub", _sub, _sub_backward, "d(a-b)/da = 1, d(a-b)/db = -1", elementwise=True,
         math=lambda out, a, b: (f"dL/d{a} = dL/d{out}", f"dL/d{b} = -dL/d{out}"))


def _neg(a):
    return -a, None

def _neg_backward(saved, g, needs):
    return (-g,)

NEG = Op("neg", _neg, _neg_backward, "d(-a)/da = -1", elementwise=True,
         math=lambda out, a: (f"dL/d{a} = -dL/d{out}",))


# ---- mul, div, pow -------------------------------------------------------------------------

def _mul(a, b):
    return a * b, (a, b)

def _mul_backward(saved, g, needs):
    a, b = saved
    return (g * b if needs[0] else None,              # d(a*b)/da = b
            g * a if needs[1] else None)              # d(a*b)/db = a

MUL = Op("mul", _mul, _mul_backward, "d(a*b)/da = b, d(a*b)/db = a", elementwise=True,
         math=lambda out, a, b: (f"dL/d{a} = dL/d{out} * {b}", f"dL/d{b} = dL/d{out} * {a}"))


def _div(a, b):
    out = a / b
    return out, (b, out)

def _div_backward(saved, g, needs):
    b, out = saved
    g_over_b = g / b
    return (g_over_b if needs[0] else None,           # d(a/b)/da = 1/b
            -g_over_b * out if needs[1] else None)    # d(a/b)/db = -a/b^2 = -(a/b)/b

DIV = Op("div", _div, _div_backward, "d(a/b)/da = 1/b, d(a/b)/db = -a/b^2", elementwise=True,
         math=lambda out, a, b: (f"dL/d{a} = dL/d{out} / {b}",
                                 f"dL/d{b} = -dL/d{out} * {a} / {b}^2"))


def _pow(a, b):
    out = a ** b
    return out, (a, b, out)

def _pow_backward(saved, g, needs):
    a, b, out = saved
    grad_a = grad_b = None
    if needs[0]:
        # a ** 0 = 1 is flat, so its slope is 0, even at a = 0 where 0 * 0**-1 is NaN.
        exponent = np.where(b == 0, 0, b - 1) if np.any(b == 0) else b - 1
        grad_a = g * b * a ** exponent
    if needs[1]:                                      # ln(a) only where a > 0; else 0
        positive = a > 0
        grad_b = g * out * np.log(np.where(positive, a, 1)) * positive
    return grad_a, grad_b

POW = Op("pow", _pow, _pow_backward, "d(a^b)/da = b*a^(b-1), d(a^b)/db = a^b*ln(a)",
         elementwise=True,
         math=lambda out, a, b: (f"dL/d{a} = dL/d{out} * {b} * {a}^({b} - 1)",
                                 f"dL/d{b} = dL/d{out} * {out} * ln({a})"))


# ---- matmul --------------------------------------------------------------------------------

def _matmul(a, b):
    try:
        return a @ b, (a, b)
    except ValueError:
        raise _matmul_error(a, b) from None

def _matmul_backward(saved, g, needs):                # g: (..., n, p), like the output
    a, b = saved
    # Treat 1-D operands as a row (a) or a column (b) matrix, as numpy does, then undo it.
    a2 = a[None, :] if a.ndim == 1 else a             # (..., n, k)
    b2 = b[:, None] if b.ndim == 1 else b             # (..., k, p)
    if b.ndim == 1:
        g = g[..., None]                              # (..., n, 1)
    if a.ndim == 1:
        g = g[..., None, :]                           # (..., 1, p)
    grad_a = grad_b = None
    if needs[0]:                                      # dL/da = g @ b^T: (..., n, k)
        grad_a = g @ b2.swapaxes(-1, -2)
        if a.ndim == 1:
            grad_a = grad_a[..., 0, :]                # (..., k)
    if needs[1]:                                      # dL/db = a^T @ g: (..., k, p)
        grad_b = a2.swapaxes(-1, -2) @ g
        if b.ndim == 1:
            grad_b = grad_b[..., 0]                   # (..., k)
    # Batch axes that broadcast (a (2, n, k) @ b (k, p)) are summed back by the engine.
    return grad_a, grad_b

def _matmul_math(out, a, b):
    """dL/da = dL/dout @ b^T and dL/db = a^T @ dL/dout, with their shapes for 2-D operands."""
    forms = [f"dL/d{a} = dL/d{out} @ {b}^T", f"dL/d{b} = {a}^T @ dL/d{out}"]
    if len(a.shape) == 2 and len(b.shape) == 2:
        forms[0] += f": {a.shape} = {out.shape} @ {b.shape[::-1]}"
        forms[1] += f": {b.shape} = {a.shape[::-1]} @ {out.shape}"
    return forms

MATMUL = Op("matmul", _matmul, _matmul_backward, "d(a@b)/da = g @ b^T, d(a@b)/db = a^T @ g",
            math=_matmul_math)


def _matmul_error(x, y):
    """Why x @ y failed, naming both shapes (checked only after numpy refused)."""
    if x.ndim == 0 or y.ndim == 0:
        return ValueError(f"matmul needs arrays of at least 1 dimension; got shapes "
                          f"{x.shape} and {y.shape}. Use * to multiply by a scalar.")
    inner = y.shape[-2 if y.ndim > 1 else 0]
    return ValueError(f"matmul shapes {x.shape} and {y.shape} do not align: "
                      f"{x.shape[-1]} (last axis of a) != {inner} (first matrix axis of b).")


# ---- the functions users call: numbers and arrays become tensors first ----------------------

def add(a, b):
    """a + b, broadcasting like numpy."""
    return ADD(*as_tensors(a, b))


def sub(a, b):
    """a - b, broadcasting like numpy."""
    return SUB(*as_tensors(a, b))


def mul(a, b):
    """a * b, elementwise, broadcasting like numpy."""
    return MUL(*as_tensors(a, b))


def div(a, b):
    """a / b, elementwise, broadcasting like numpy."""
    return DIV(*as_tensors(a, b))


def power(a, b):
    """a ** b, elementwise. The gradient for b uses ln(a), so it is 0 where a <= 0."""
    return POW(*as_tensors(a, b))


def neg(a):
    """-a."""
    return NEG(as_tensor(a))


def matmul(a, b):
    """Matrix product with numpy's rules: 1-D, 2-D and batched N-D (batch axes broadcast)."""
    return MATMUL(*as_tensors(a, b))
