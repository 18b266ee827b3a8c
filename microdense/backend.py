"""Keras-backend-style names, for code written against `keras.backend` (tf.keras 2 style):

    from microdense import backend as K          # Keras: from keras import backend as K
    loss = K.mean(K.square(y_pred - y_true), axis=-1)

Every function takes Tensors, numpy arrays or Python numbers and returns a Tensor, recorded in
the graph like any other op, so a loss written with K.* is differentiable as it stands.
"""
from microdense import activations, ops
from microdense.config import epsilon, floatx, set_epsilon, set_floatx  # noqa: F401 (re-exported)
from microdense.tensor import as_tensor, as_tensors
from microdense.naming import reset_name_counters

# ---- activations ---------------------------------------------------------------------------

def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(as_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(as_tensor(x))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0); alpha is the slope below the threshold, max_value caps it (as tf.keras)."""
    return activations.relu(as_tensor(x), negative_slope=alpha, max_value=max_value,
                            threshold=threshold)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    return ops.softmax(as_tensor(x), axis=axis)


def softplus(x):
    """log(1 + exp(x)), without overflow."""
    return activations.softplus(as_tensor(x))


# ---- elementwise math ----------------------------------------------------------------------

def exp(x):
    """e^x."""
    return ops.exp(as_tensor(x))


def log(x):
    """Natural logarithm."""
    return ops.log(as_tensor(x))


def sqrt(x):
    """Square root (NaN for negative x, as numpy; tf.keras clipped x at 0 first)."""
    return ops.sqrt(as_tensor(x))


def square(x):
    """x^2, as x * x (the product rule gives 2x)."""
    x = as_tensor(x)
    return x * x


def abs(x):  # noqa: A001 (Keras's name)
    """|x|."""
    return ops.abs(as_tensor(x))


def maximum(x, y):
    """Elementwise max(x, y)."""
    return ops.maximum(*as_tensors(x, y))


def minimum(x, y):
    """Elementwise min(x, y)."""
    return ops.minimum(*as_tensors(x, y))


def clip(x, min_value, max_value):
    """x limited to [min_value, max_value] (either may be None)."""
    return ops.clip(as_tensor(x), min_value, max_value)


# ---- reductions and products ---------------------------------------------------------------

def sum(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """Sum over `axis` (all axes if None)."""
    return ops.sum(as_tensor(x), axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis` (all axes if None)."""
    return ops.mean(as_tensor(x), axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """Largest value over `axis` (all axes if None)."""
    return ops.max(as_tensor(x), axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001 (Keras's name)
    """Smallest value over `axis` (all axes if None)."""
    return ops.min(as_tensor(x), axis=axis, keepdims=keepdims)


def dot(x, y):
    """Matrix product x @ y (numpy's matmul rules)."""
    return ops.matmul(*as_tensors(x, y))


def clear_session():
    """Start auto-naming again from `dense`, `sequential` (Keras's clear_session, for names)."""
    reset_name_counters()
