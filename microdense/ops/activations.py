"""Activation functions, named and defined as in Keras 3 (keras.activations looks them up by
name: microdense/activations.py).

Each one is a composition of the engine's primitives, so none needs a backward of its own:
the gradient of `x * sigmoid(x)` follows from the gradients of `*` and `sigmoid`. Your own
activation gets gradients the same way:

    def my_swish(x):                            # Keras: def my_swish(x): return x * ops.sigmoid(x)
        return x * md.sigmoid(x)
    Dense(4, activation=my_swish)

Primitives are used only where numerics demand it: sigmoid, tanh, softmax and log_softmax
are engine ops because their naive compositions overflow (exp(-x) at x = -100, ...).

Each composed activation runs in a scope named after it (`@scope`), so a drawing shows its
ops in a box of their own inside the layer's box: mish's box holds softplus's. Your own
activation, given to a layer, gets the same box (see `apply`); elsewhere, decorate it with
`@md.scope` for the same picture.
"""
import math

from microdense import ops
from microdense.recording import scope
from microdense.tensor import as_tensor

# ---- the engine's primitives, re-exported under their Keras names --------------------------

def sigmoid(x):
    """Sigmoid: 1 / (1 + exp(-x)). An engine primitive, stable for any x."""
    return ops.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent: (exp(x) - exp(-x)) / (exp(x) + exp(-x)). An engine primitive."""
    return ops.tanh(x)


def softmax(x, axis=-1):
    """Softmax: exp(x) / sum(exp(x)) along `axis` (an int, or a tuple of axes taken together,
    as Keras). An engine primitive (shifts by the max); its forward and backward are numpy
    reductions, which take a tuple of axes as they take one."""
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """Log-softmax: x - log(sum(exp(x))) along `axis` (an int or a tuple of axes, as Keras).
    An engine primitive (shifts by the max)."""
    return ops.log_softmax(x, axis=axis)


def exponential(x):
    """Exponential: exp(x)."""
    return ops.exp(x)


def linear(x):
    """Linear (identity): x, returned unchanged."""
    return x


# ---- the ReLU family -----------------------------------------------------------------------

def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: max(x, 0); with the Keras options,
    x if threshold < x (capped at max_value), else negative_slope * (x - threshold).

    Built as Keras builds it: relu(x) (or x masked above the threshold), clipped, minus
    negative_slope * relu(threshold - x).
    """
    x = as_tensor(x)
    if max_value is not None and max_value < 0:
        raise ValueError(f"relu: max_value must be >= 0 (or None); got max_value={max_value}.")
    if threshold != 0:
        out = ops.where(x > threshold, x, 0.0)       # x above the threshold, else 0
    else:
        out = ops.relu(x)
    if max_value is not None:
        out = ops.clip(out, 0.0, float(max_value))
    if negative_slope != 0:
        out = out - negative_slope * ops.relu(threshold - x)
    return out


@scope
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: x if x > 0 else negative_slope * x (Keras 3's default slope is 0.2)."""
    x = as_tensor(x)
    return ops.where(x >= 0, x, negative_slope * x)     # slope 1 at 0, as Keras (jax.nn)


@scope
def relu6(x):
    """ReLU6: min(max(x, 0), 6)."""
    return relu(x, max_value=6.0)


@scope
def elu(x, alpha=1.0):
    """Exponential linear unit: x if x > 0 else alpha * (exp(x) - 1)."""
    x = as_tensor(x)
    # where() evaluates both branches, so exp must not see large x: exp(inf) would make the
    # discarded branch's gradient 0 * inf = NaN. -relu(-x) is min(x, 0).
    negative = alpha * (ops.exp(-ops.relu(-x)) - 1.0)
    return ops.where(x >= 0, x, negative)          # x >= 0 as Keras: slope 1 at 0


# Klambauer et al.'s constants: they keep a SELU network's activations at mean 0, variance 1
# (AlphaDropout, layers/regularization.py, drops to SELU's saturation -SELU_SCALE * SELU_ALPHA).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@scope
def selu(x):
    """Scaled ELU: SELU_SCALE * elu(x, SELU_ALPHA)."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


# ---- smooth activations ---------------------------------------------------------------------

@scope
def softplus(x):
    """Softplus: log(1 + exp(x)) = relu(x) + log(1 + exp(-|x|)); the second form never overflows.

    Without a log1p op, values below x ~ -37 are exact to ~1e-16 absolutely, not relatively.
    """
    x = as_tensor(x)
    # |x| written as where(x > 0, x, -x): at x = 0 its slope (-1) is the one that goes with
    # relu's slope there (0), so d softplus/dx = 1/2 at 0 (abs's slope 0 would give 0).
    magnitude = ops.where(x > 0, x, -x)
    return ops.relu(x) + ops.log(1.0 + ops.exp(-magnitude))


@scope
def softsign(x):
    """Softsign: x / (1 + |x|)."""
    x = as_tensor(x)
    return x / (1.0 + ops.abs(x))


@scope
def silu(x):
    """SiLU (swish): x * sigmoid(x)."""
    x = as_tensor(x)
    return x * ops.sigmoid(x)


@scope
def mish(x):
    """Mish: x * tanh(softplus(x))."""
    x = as_tensor(x)
    return x * ops.tanh(softplus(x))


def _erfc(u):
    """Complementary error function 1 - erf(u), composed from ops (the engine has no erf).

    Chebyshev fit of Press et al., Numerical Recipes (2nd ed., 6.2, erfcc): relative error
    below 1.2e-7 for every u, tails included. We measured gelu built on it against math.erfc:
    max absolute error 1.4e-8 over [-30, 30], 9e-8 in its slope (erfc's own slope is off by
    at most 7e-6, at u = 0, where gelu multiplies it by x = 0). Abramowitz-Stegun 7.1.26 gives
    2e-7 in gelu but 13% relative error in its left tail.
    """
    # |u| with slope +1 at 0 (abs's slope there is 0, which would break erfc's slope at 0).
    z = ops.where(u >= 0, u, -u)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = 0.17087277
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418,
              0.37409196, 1.00002368):
        poly = c + t * poly                          # Horner's rule, innermost first
    tail = t * ops.exp(-z * z - 1.26551223 + t * poly)   # erfc(z) for z >= 0
    return ops.where(u >= 0, tail, 2.0 - tail)       # erfc(-z) = 2 - erfc(z)


@scope
def gelu(x, approximate=False):
    """Gaussian error linear unit: x * P(X <= x) for X ~ N(0, 1) = 0.5 x (1 + erf(x / sqrt(2))).

    approximate=True uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as Keras does.
    """
    x = as_tensor(x)
    if approximate:
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + ops.tanh(inner))
    # 1 + erf(v) = erfc(-v): accurate in the left tail, where 1 + erf would cancel to 0.
    return 0.5 * x * _erfc(-x * (1.0 / math.sqrt(2.0)))


@scope
def hard_sigmoid(x):
    """Hard sigmoid: relu6(x + 3) / 6 = 0 if x <= -3, 1 if x >= 3, else x / 6 + 0.5."""
    return relu6(as_tensor(x) + 3.0) / 6.0


@scope
def hard_silu(x):
    """Hard SiLU (hard swish): x * hard_sigmoid(x) = x * relu6(x + 3) / 6."""
    x = as_tensor(x)
    return x * hard_sigmoid(x)


# ---- shrinking, clipping and thresholding: piecewise, chosen by ops.where --------------------
# Each piece is an op on x and the choice between pieces is a comparison op (x > t on tensors),
# never a Python `if` on values: a compiled step replays the same choice for each new batch.
# where() sends the gradient to the piece it chose, so each piece's slope is the slope there.

@scope
def hard_tanh(x):
    """Hard tanh: clip(x, -1, 1) = -1 if x < -1, x if -1 <= x <= 1, 1 if x > 1."""
    return ops.clip(as_tensor(x), -1.0, 1.0)


@scope
def hard_shrink(x, threshold=0.5):
    """Hard shrink: x if |x| > threshold, else 0."""
    x = as_tensor(x)
    return ops.where(ops.abs(x) > threshold, x, 0.0)


@scope
def soft_shrink(x, threshold=0.5):
    """Soft shrink: x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    x = as_tensor(x)
    return ops.where(x > threshold, x - threshold,
                     ops.where(x < -threshold, x + threshold, 0.0))


@scope
def tanh_shrink(x):
    """Tanh shrink: x - tanh(x)."""
    x = as_tensor(x)
    return x - ops.tanh(x)


@scope
def threshold(x, threshold, default_value):
    """Threshold: x if x > threshold, else default_value (both arguments required, as Keras)."""
    x = as_tensor(x)
    return ops.where(x > threshold, x, default_value)


@scope
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 if x <= -1, (x + 1) / 2 if -1 < x < 1, 1 if x >= 1."""
    x = as_tensor(x)
    return ops.where(x <= -1.0, 0.0, ops.where(x >= 1.0, 1.0, 0.5 * (x + 1.0)))


@scope
def sparse_plus(x):
    """Sparse plus: 0 if x <= -1, (x + 1)^2 / 4 if -1 < x < 1, x if x >= 1 (a smooth relu)."""
    x = as_tensor(x)
    return ops.where(x <= -1.0, 0.0, ops.where(x < 1.0, 0.25 * (x + 1.0) ** 2, x))


# ---- more smooth activations ----------------------------------------------------------------

@scope
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1).

    Written as Keras's backends write it. exp sees min(x, 0) only, so it never overflows; at
    x = 0 maximum and minimum each take half the slope (as JAX's do), which adds up to 1.
    """
    x = as_tensor(x)
    return ops.maximum(x, 0.0) + alpha * (ops.exp(ops.minimum(x, 0.0) / alpha) - 1.0)


@scope
def squareplus(x, b=4):
    """Squareplus: (x + sqrt(x^2 + b)) / 2, a softplus made of a square root (b > 0 smooths)."""
    x = as_tensor(x)
    return (x + ops.sqrt(x * x + b)) / 2.0


@scope
def log_sigmoid(x):
    """Log-sigmoid: log(1 / (1 + exp(-x))) = -softplus(-x), which never takes the log of 0."""
    return -softplus(-as_tensor(x))


@scope
def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of x along `axis`."""
    x = as_tensor(x)
    if x.shape[axis] % 2:
        raise ValueError(f"glu splits axis {axis} into two halves, so its size must be even; "
                         f"got x of shape {x.shape}.")
    half = x.shape[axis] // 2
    before = (slice(None),) * (axis % x.ndim)
    a = x[before + (slice(None, half),)]
    b = x[before + (slice(half, None),)]
    return a * ops.sigmoid(b)


@scope
def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo, 2016): max(x - tau, 0), with tau such that the outputs
    sum to 1 along `axis`: a softmax whose small entries are exactly 0.

    Entry i is in the support when 1 + k_i x_i > s_i, where k_i counts the entries >= x_i and
    s_i is their sum (the sorted-order test of the paper, written with pairwise comparisons
    instead of a sort). tau = (sum of the support - 1) / (size of the support). The gradient
    reaches x through x - tau and through tau's sum; the support itself is a comparison.
    The comparisons take n^2 values for n entries along `axis`: fine for class scores.
    """
    x = as_tensor(x)
    axis = axis % x.ndim
    x_i = ops.expand_dims(x, axis + 1)                     # x_i along axis, x_j along axis + 1
    x_j = ops.expand_dims(x, axis)
    at_least = ops.astype(x_j >= x_i, x.dtype)             # 1 where x_j >= x_i
    k = ops.sum(at_least, axis=axis + 1)                   # how many entries are >= x_i
    s = ops.sum(at_least * x_j, axis=axis + 1)             # and their sum
    support = ops.astype(1.0 + k * x > s, x.dtype)
    size = ops.sum(support, axis=axis, keepdims=True)
    tau = (ops.sum(support * x, axis=axis, keepdims=True) - 1.0) / size
    return ops.relu(x - tau)


swish = silu                 # Keras's aliases: the same functions under a second name
hard_swish = hard_silu
