"""Every differentiable op, as a numpy-named function. Each file keeps forward and backward
side by side; read them in this order: arithmetic, elementwise, reductions, shape, crossentropy
(the one place where composed ops were fused, for speed)."""
from microdense.ops.arithmetic import add, div, matmul, mul, neg, power, sub
from microdense.ops.elementwise import (abs, astype, clip, exp, log, maximum, minimum, relu,
                                        sigmoid, sqrt, stop_gradient, tanh, where)
from microdense.ops.random_draws import random_normal, random_uniform
from microdense.ops.reductions import (log_softmax, logsumexp, max, mean, min, softmax, sum)
from microdense.ops.crossentropy import binary_crossentropy, categorical_crossentropy
from microdense.ops.shape import (concatenate, expand_dims, getitem, reshape, squeeze, stack,
                                  transpose)
# keras.ops's other names, composed from the primitives above (keras_ops.py, KERAS_NAMES):
# `from microdense import ops` then reads like Keras's `from keras import ops`.
from microdense.ops.keras_ops import (
    KERAS_NAMES, absolute, all, any, arange, array, argmax, argmin, argsort, broadcast_to, cast,
    ceil, celu, convert_to_numpy, convert_to_tensor, divide, dot, elu, equal, expm1, eye, floor,
    full, full_like, gelu, glu, greater, greater_equal, hard_shrink, hard_sigmoid, hard_silu,
    hard_swish, hard_tanh, identity,
    in_top_k, isfinite, isinf, isnan, leaky_relu, less, less_equal, linspace, log1p, log_sigmoid,
    logical_and, logical_not, logical_or, moments, multiply, ndim, negative, norm, normalize,
    not_equal, one_hot, ones, ones_like, outer, ravel, reciprocal, relu6, repeat, round, rsqrt,
    selu, shape, sign, silu, size, soft_shrink, softplus, softsign, sparse_plus, sparse_sigmoid,
    sparsemax, split, square, squareplus, std, subtract, swish, take, take_along_axis,
    tanh_shrink, threshold, tile, top_k, true_divide, var, zeros, zeros_like)

# The primitives (each with its own backward). tests/test_ops.py fails if one of these has no
# row in its gradient table. The Keras-named compositions are listed in KERAS_NAMES instead
# (tests/test_keras_ops.py checks their gradients and values).
__all__ = [
    "add", "sub", "mul", "div", "power", "neg", "matmul",
    "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "maximum", "minimum", "where",
    "clip", "astype",
    "sum", "mean", "max", "min", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "getitem",
    "binary_crossentropy", "categorical_crossentropy",
]
