"""Keras-backend-style names, for code written against `keras.backend` (tf.keras 2 style):

    from microdense import backend as K          # Keras: from keras import backend as K
    loss = K.mean(K.square(y_pred - y_true), axis=-1)

Every function takes Tensors, numpy arrays or Python numbers and returns a Tensor, recorded in
the graph like any other op, so a loss written with K.* is differentiable as it stands.
Shape questions (int_shape, ndim) return plain Python values, as tf.keras's did.
"""
import numpy as np

from microdense import activations, losses, ops
from microdense.config import epsilon, floatx, set_epsilon, set_floatx  # noqa: F401 (re-exported)
from microdense.naming import reset_name_counters
from microdense.tensor import Tensor, as_tensor, as_tensors

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


def softsign(x):
    """x / (1 + |x|)."""
    return activations.softsign(as_tensor(x))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return activations.elu(as_tensor(x), alpha=alpha)


def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return activations.hard_sigmoid(as_tensor(x))


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


def pow(x, a):  # noqa: A001 (Keras's name)
    """x ** a, elementwise."""
    return ops.power(*as_tensors(x, a))


def sign(x):
    """-1, 0 or 1 by the sign of x: data, with no gradient (it is flat almost everywhere)."""
    return Tensor(np.sign(as_tensor(x).data))


# ---- choosing and comparing (the conditions are data: they get no gradient) -----------------

def where(condition, x, y):
    """x where condition is true, else y (tf.where / keras.ops.where)."""
    return ops.where(condition, x, y)


def switch(condition, then_expression, else_expression):
    """tf.keras's K.switch: where(condition, then_expression, else_expression)."""
    return where(condition, then_expression, else_expression)


def greater(x, y):
    """x > y, elementwise, as a boolean tensor."""
    return as_tensor(x) > y


def less(x, y):
    """x < y, elementwise, as a boolean tensor."""
    return as_tensor(x) < y


def equal(x, y):
    """x == y, elementwise, as a boolean tensor."""
    return as_tensor(x) == y


def argmax(x, axis=-1):
    """The index of the largest value along `axis` (data: an index has no gradient)."""
    return Tensor(np.argmax(as_tensor(x).data, axis=axis))


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


def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis`: sqrt(var(x))."""
    return ops.sqrt(var(x, axis=axis, keepdims=keepdims))


def var(x, axis=None, keepdims=False):
    """Variance over `axis`: mean((x - mean(x))^2) (the population variance, as Keras)."""
    x = as_tensor(x)
    centered = x - ops.mean(x, axis=axis, keepdims=True)
    return ops.mean(centered * centered, axis=axis, keepdims=keepdims)


def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x^2, axis), 1e-12)), as tf.keras."""
    x = as_tensor(x)
    return x / ops.sqrt(ops.maximum(ops.sum(x * x, axis=axis, keepdims=True), 1e-12))


def dot(x, y):
    """Matrix product x @ y (numpy's matmul rules)."""
    return ops.matmul(*as_tensors(x, y))


# ---- shapes ----------------------------------------------------------------------------------

def int_shape(x):
    """The shape as a tuple of ints."""
    return tuple(as_tensor(x).shape)


def ndim(x):
    """The number of axes."""
    return as_tensor(x).ndim


def reshape(x, shape):
    """x with a new shape (one entry may be -1)."""
    return ops.reshape(as_tensor(x), tuple(shape))


def transpose(x):
    """The axes reversed (a matrix's transpose)."""
    return ops.transpose(as_tensor(x))


def flatten(x):
    """All values in one axis."""
    return ops.reshape(as_tensor(x), (-1,))


def batch_flatten(x):
    """(batch, ...) -> (batch, everything else)."""
    x = as_tensor(x)
    return ops.reshape(x, (x.shape[0], -1))


def expand_dims(x, axis=-1):
    """A new axis of length 1 at `axis`."""
    return ops.expand_dims(as_tensor(x), axis)


def squeeze(x, axis):
    """Drop `axis` (of length 1)."""
    return ops.squeeze(as_tensor(x), axis)


def concatenate(tensors, axis=-1):
    """The tensors joined along an existing axis (tf.keras's default: the last)."""
    return ops.concatenate([as_tensor(t) for t in tensors], axis=axis)


def stack(tensors, axis=0):
    """The tensors joined along a new axis."""
    return ops.stack([as_tensor(t) for t in tensors], axis=axis)


# ---- making tensors --------------------------------------------------------------------------

def constant(value, dtype=None):
    """A tensor that records no graph, of dtype floatx() unless given."""
    return Tensor(np.asarray(value, dtype=dtype or floatx()))


def variable(value, dtype=None, name=None):
    """A tensor that requires grad (a weight), of dtype floatx() unless given."""
    return Tensor(np.asarray(value, dtype=dtype or floatx()), requires_grad=True, name=name)


def cast(x, dtype):
    """x as another float dtype (differentiable)."""
    return ops.astype(as_tensor(x), dtype)


def ones_like(x):
    """Ones of x's shape and dtype."""
    return Tensor(np.ones_like(as_tensor(x).data))


def zeros_like(x):
    """Zeros of x's shape and dtype."""
    return Tensor(np.zeros_like(as_tensor(x).data))


# ---- losses, with tf.keras.backend's argument order (target, output) -------------------------

def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -(t log p + (1 - t) log(1 - p)), p clipped to [eps, 1 - eps]."""
    # The loss function averages over the last axis; a new axis of length 1 per value keeps
    # every value apart, as tf.keras's elementwise K.binary_crossentropy.
    return losses.binary_crossentropy(ops.expand_dims(as_tensor(target), -1),
                                      ops.expand_dims(as_tensor(output), -1),
                                      from_logits=from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(t log p, axis), p = output / sum(output) clipped, or log_softmax(logits)."""
    return losses.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[label] for integer labels."""
    return losses.sparse_categorical_crossentropy(target, output, from_logits=from_logits,
                                                  axis=axis)


def clear_session():
    """Start auto-naming again from `dense`, `sequential` (Keras's clear_session, for names)."""
    reset_name_counters()
