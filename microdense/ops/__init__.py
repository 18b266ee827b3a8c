"""Every differentiable op, as a numpy-named function. Each file keeps forward and backward
side by side; read them in this order: arithmetic, elementwise, reductions, shape, crossentropy
(the one place where composed ops were fused, for speed)."""
from microdense.ops.arithmetic import add, div, matmul, mul, neg, power, sub
from microdense.ops.elementwise import (abs, astype, clip, exp, log, maximum, minimum, relu,
                                        sigmoid, sqrt, tanh, where)
from microdense.ops.reductions import (log_softmax, logsumexp, max, mean, min, softmax, sum)
from microdense.ops.crossentropy import binary_crossentropy, categorical_crossentropy
from microdense.ops.shape import (concatenate, expand_dims, getitem, reshape, squeeze, stack,
                                  transpose)

# The public ops. tests/test_ops.py fails if one of these has no row in its gradient table.
__all__ = [
    "add", "sub", "mul", "div", "power", "neg", "matmul",
    "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "maximum", "minimum", "where",
    "clip", "astype",
    "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "getitem",
    "binary_crossentropy", "categorical_crossentropy",
]
