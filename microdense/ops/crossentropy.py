"""Keras's cross-entropies on probabilities: the formula composed from primitives, and the
same formula fused into one primitive for speed (nanoGPT's "fast path beside the manual one").

Composed from primitives, Keras's binary cross-entropy is eleven ops (the clip as a maximum
and a minimum, two logs, ...): a small network's training step spent about half its time in
them. The fused ops compute exactly Keras's formulas (keras/src/backend/jax/nn.py) in one op
each, with the backward written out; tests/test_losses.py checks their values and gradients
against the composed reference at the end of this file, which the sparse categorical loss
uses as it stands (it picks one log-probability per sample, which no fused op here does).
The clip's slope is jax.numpy.clip's: 1 inside [eps, 1 - eps], 1/2 exactly on a bound, 0
beyond (so a saturated probability stops learning, as in Keras).
"""
import numpy as np

from microdense import config
from microdense.ops.elementwise import log, maximum, minimum
from microdense.ops.reductions import sum as reduce_sum
from microdense.ops.op import Op
from microdense.tensor import as_tensors

# ---- fused: one op each, the backward written out ----------------------------------------


def _clip(p, lo, hi):
    """np.clip(p, lo, hi), without np.clip's slow Python-level wrapper."""
    clipped = np.maximum(p, lo)
    return np.minimum(clipped, hi, out=clipped)


def _times_clip_slope(grad, p, lo, hi):
    """grad times d clip(p, lo, hi)/dp, as clip = minimum(maximum(p, lo), hi) gives it:
    1 inside, 1/2 exactly on a bound (max and min split ties), 0 beyond."""
    inside = (p > lo) & (p < hi)
    if inside.all():                  # the usual case: nothing clipped, nothing to do
        return grad
    slope = inside.astype(p.dtype)
    slope[(p == lo) | (p == hi)] = 0.5
    return grad * slope


def _binary_crossentropy(z, raw, epsilon):
    lo, hi = epsilon, 1.0 - epsilon
    p = _clip(raw, lo, hi)
    log_p, log_not_p = np.log(p), np.log(1 - p)
    return -(z * log_p + (1 - z) * log_not_p), (z, raw, p, log_p, log_not_p, lo, hi)

def _binary_crossentropy_backward(saved, g, needs):
    z, raw, p, log_p, log_not_p, lo, hi = saved
    grad_target = g * (log_not_p - log_p) if needs[0] else None
    grad_output = None
    if needs[1]:                  # d/dp = -z/p + (1 - z)/(1 - p), times the clip's slope
        grad_output = _times_clip_slope(g * ((1 - z) / (1 - p) - z / p), raw, lo, hi)
    return grad_target, grad_output

BINARY_CROSSENTROPY = Op("binary_crossentropy", _binary_crossentropy,
                         _binary_crossentropy_backward,
                         "d bce/dp = (p - z) / (p (1 - p)), p clipped", elementwise=True,
                         math=lambda out, z, p: (
                             f"dL/d{z} = dL/d{out} * (ln(1 - {p}) - ln {p})",
                             f"dL/d{p} = dL/d{out} * ({p} - {z}) / ({p} (1 - {p})), "
                             f"{p} clipped to [eps, 1 - eps]"))


def _categorical_crossentropy(t, p, epsilon, axis):
    lo, hi = epsilon, 1.0 - epsilon
    total = p.sum(axis=axis, keepdims=True)
    normalized = p / total
    q = _clip(normalized, lo, hi)
    log_q = np.log(q)
    return -(t * log_q).sum(axis=axis), (t, total, normalized, q, log_q, lo, hi, axis)

def _categorical_crossentropy_backward(saved, g, needs):
    t, total, normalized, q, log_q, lo, hi, axis = saved
    g = g.reshape(total.shape)                        # the summed axis back, as length 1
    grad_target = -g * log_q if needs[0] else None
    grad_output = None
    if needs[1]:
        # w = dL/d(normalized); normalized = p / sum(p), so dL/dp = (w - <w, normalized>) / sum(p)
        w = _times_clip_slope(-g * t / q, normalized, lo, hi)
        grad_output = (w - (w * normalized).sum(axis=axis, keepdims=True)) / total
    return grad_target, grad_output

CATEGORICAL_CROSSENTROPY = Op("categorical_crossentropy", _categorical_crossentropy,
                              _categorical_crossentropy_backward,
                              "d cce/dp_j = (w_j - <w, q>) / sum(p), w = -t/q",
                              math=lambda out, t, p: (
                                  f"dL/d{t} = -dL/d{out} * ln q, q = clip({p} / sum({p}))",
                                  f"dL/d{p} = (w - sum(w * q)) / sum({p}), "
                                  f"w = -dL/d{out} * {t} / q"))


def binary_crossentropy(target, output, epsilon=None):
    """-(z log p + (1 - z) log(1 - p)), elementwise, with p = clip(output, eps, 1 - eps)
    (eps: config.epsilon() unless given, so keras.ops.binary_crossentropy(t, p) works)."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    return BINARY_CROSSENTROPY(*as_tensors(target, output), epsilon=epsilon)


def categorical_crossentropy(target, output, epsilon=None, axis=-1):
    """-sum(t log q, axis), with q = clip(p / sum(p, axis), eps, 1 - eps), p = output
    (eps: config.epsilon() unless given, so keras.ops.categorical_crossentropy(t, p) works)."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    return CATEGORICAL_CROSSENTROPY(*as_tensors(target, output), epsilon=epsilon, axis=axis)


# ---- composed: the same formulas from primitives (the reference; no backward needed) --------

def clipped_log_probabilities(output, epsilon, axis=-1):
    """log(clip(p / sum(p, axis), eps, 1 - eps)), p = output: Keras's normalize-clip-log."""
    normalized = output / reduce_sum(output, axis=axis, keepdims=True)
    return log(minimum(maximum(normalized, epsilon), 1.0 - epsilon))    # jax.numpy.clip


def composed_categorical_crossentropy(target, output, epsilon, axis=-1):
    """-sum(t log q, axis): what categorical_crossentropy computes, composed."""
    target, output = as_tensors(target, output)
    return -reduce_sum(target * clipped_log_probabilities(output, epsilon, axis), axis=axis)


def composed_binary_crossentropy(target, output, epsilon):
    """-(z log p + (1 - z) log(1 - p)), p = clip(output, eps, 1 - eps): what
    binary_crossentropy computes, composed."""
    target, output = as_tensors(target, output)
    p = minimum(maximum(output, epsilon), 1.0 - epsilon)
    return -(target * log(p) + (1.0 - target) * log(1.0 - p))


# Each fused record names the composition it replaces (tests/test_losses.py checks that they
# agree; draw_graph(expand=True) draws the composition in the fused op's place).
BINARY_CROSSENTROPY.composition = composed_binary_crossentropy
CATEGORICAL_CROSSENTROPY.composition = composed_categorical_crossentropy
