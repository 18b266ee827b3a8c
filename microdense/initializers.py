"""Weight initializers, named and defined as in Keras 3 (keras.initializers).

An initializer is called as `init(shape, dtype=None) -> np.ndarray` (dtype None means floatx(),
float32 unless changed). Dense's kernel starts as GlorotUniform, its bias as Zeros, as in Keras.

    init = md.initializers.get("he_normal")    # Keras: keras.initializers.get("he_normal")
    kernel = init((784, 128))

seed=None draws from microdense's global generator (so `md.utils.set_random_seed` makes a model
reproducible); an integer seed gives the same values on every call, as Keras documents.
"""
import inspect
import math

import numpy as np

from microdense import config, random, registry
from microdense.random import SeedGenerator
from microdense.tensor import Tensor

# ---- the base class and the constants ----------------------------------------------------

class Initializer(registry.Configurable):
    """Base class: `__call__(shape, dtype=None)` returns a new ndarray of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(shape, dtype).")


def _shape(shape):
    """A shape as a tuple of non-negative ints (an int n means (n,))."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"An initializer's shape must be a tuple of ints; got {shape!r}.") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"An initializer's shape cannot have negative sizes; got {shape}.")
    return shape


def _dtype(dtype, need_float=False):
    dtype = np.dtype(config.floatx() if dtype is None else dtype)
    if need_float and dtype.kind != "f":
        raise ValueError(f"Random initializers make floating-point values; got dtype {dtype}.")
    return dtype


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), _dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), _dtype(dtype))


class Constant(Initializer):
    """Every value equal to `value`: a number, or an array broadcast to the shape (Keras
    computes cast(value) * ones(shape), so an array of the full shape is taken as it is)."""

    def __init__(self, value=0.0):
        if isinstance(value, Tensor):
            value = value.data
        if isinstance(value, (list, tuple, np.ndarray)):
            value = np.array(value)
            if value.dtype.kind not in "biuf":
                raise TypeError(f"Constant takes a number or an array of numbers; got "
                                f"{value.dtype} values.")
        elif not isinstance(value, (int, float, np.number)) or isinstance(value, bool):
            raise TypeError(f"Constant takes a number or an array of numbers; got {value!r}.")
        self.value = value.item() if isinstance(value, np.number) else value

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if isinstance(self.value, np.ndarray):
            try:
                return np.array(np.broadcast_to(self.value, shape), dtype=_dtype(dtype))
            except ValueError:
                raise ValueError(f"Constant: its value of shape {self.value.shape} does not "
                                 f"broadcast to the shape {shape}.") from None
        return np.full(shape, self.value, _dtype(dtype))

    def get_config(self):
        if isinstance(self.value, np.ndarray):       # as Keras serializes an array
            return {"value": {"class_name": "__numpy__",
                              "config": {"value": self.value.tolist(),
                                         "dtype": self.value.dtype.name}}}
        return {"value": self.value}

    @classmethod
    def from_config(cls, config):
        value = config["value"]
        if isinstance(value, dict) and value.get("class_name") == "__numpy__":
            value = np.array(value["config"]["value"], dtype=value["config"]["dtype"])
        return cls(value)


# ---- random initializers -------------------------------------------------------------------

class RandomInitializer(Initializer):
    """Base of the random initializers: owns the `seed` argument, as Keras's: None, an int
    (the same values on every call) or a random.SeedGenerator (new values on every call,
    reproducible from the generator's seed)."""

    def __init__(self, seed=None):
        if isinstance(seed, dict):                   # a saved SeedGenerator (get_config)
            seed = SeedGenerator(**seed.get("config", {}))
        if seed is not None and not isinstance(seed, SeedGenerator) and (
                isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"`seed` argument should be an instance of "
                             f"`keras.random.SeedGenerator()` or an integer. Received: "
                             f"seed={seed!r}")
        self.seed = seed if seed is None or isinstance(seed, SeedGenerator) else int(seed)

    def _rng(self):
        # A fresh generator per call for an int seed: the same values every call (Keras's rule).
        if isinstance(self.seed, SeedGenerator):
            return self.seed.generator
        return random.get_rng() if self.seed is None else np.random.default_rng(self.seed)

    def get_config(self):
        if isinstance(self.seed, SeedGenerator):
            return {"seed": {"class_name": "SeedGenerator", "config": self.seed.get_config()}}
        return {"seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    """N(mean, stddev^2) samples, redrawing any more than 2 stddev from the mean (as Keras)."""
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():                        # ~4.6% per round: a few rounds at most
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return mean + stddev * values


def _mean_and_stddev(mean, stddev):
    if not stddev >= 0:
        raise ValueError(f"stddev must be >= 0; got stddev={stddev}.")
    return float(mean), float(stddev)


class RandomNormal(RandomInitializer):
    """Samples from N(mean, stddev^2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = _mean_and_stddev(mean, stddev)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype, need_float=True)
        return self._rng().normal(self.mean, self.stddev, _shape(shape)).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomInitializer):
    """Samples from N(mean, stddev^2), redrawing any more than 2 stddev from the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = _mean_and_stddev(mean, stddev)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype, need_float=True)
        return _truncated_normal(self._rng(), _shape(shape), self.mean, self.stddev).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(RandomInitializer):
    """Samples from U[minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        if minval > maxval:
            raise ValueError(f"RandomUniform needs minval <= maxval; got {minval} > {maxval}.")
        self.minval, self.maxval = float(minval), float(maxval)
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        dtype = _dtype(dtype, need_float=True)
        return self._rng().uniform(self.minval, self.maxval, _shape(shape)).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


# ---- variance scaling: Glorot, He, LeCun -----------------------------------------------------

def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    With input_axes and output_axes: the products of those axes' sizes (an attention
    projection (512, 8, 64) with input_axes=[0], output_axes=[1, 2] has fans 512 and 512).
    Otherwise (n,) -> (n, n); (in, out) -> (in, out); a convolution kernel (..., in, out)
    multiplies both by the receptive field size (the product of the leading axes).
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(math.prod(shape[a] for a in input_axes)),
                int(math.prod(shape[a] for a in output_axes)))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


# The standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes the
# truncated samples' stddev the intended one (the constant Keras uses).
_TRUNCATED_STDDEV = 0.87962566103423978


class VarianceScaling(RandomInitializer):
    """Samples with variance scale / n, where n = fan_in, fan_out or their mean (`mode`).

    distribution "truncated_normal" (or "normal"): stddev sqrt(scale / n) after truncation;
    "untruncated_normal": stddev sqrt(scale / n); "uniform": U[-limit, limit] with
    limit = sqrt(3 scale / n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if not scale > 0:
            raise ValueError(f"Argument `scale` must be positive float. Received: "
                             f"scale={scale}")
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of "
                             f"{', '.join(modes)}.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = ("truncated_normal", "untruncated_normal", "uniform")
        if distribution not in distributions:
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Please use "
                             f"one of {', '.join(distributions)}.")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes   # see compute_fans
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _dtype(dtype, need_float=True)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STDDEV)
        return values.astype(dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "input_axes": self.input_axes, "output_axes": self.output_axes,
                **super().get_config()}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: its only argument is the seed."""
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None):
        super().__init__(self.SCALE, self.MODE, self.DISTRIBUTION, seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: U[-limit, limit], limit = sqrt(6 / (fan_in + fan_out))."""
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform: U[-limit, limit], limit = sqrt(6 / fan_in)."""
    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with stddev sqrt(2 / fan_in)."""
    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U[-limit, limit], limit = sqrt(3 / fan_in)."""
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "uniform"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with stddev sqrt(1 / fan_in)."""
    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"


# ---- matrices with structure ----------------------------------------------------------------

class Identity(Initializer):
    """gain * the identity matrix (ones on the diagonal; a 2-d shape, square or not)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class Orthogonal(RandomInitializer):
    """gain * a random orthogonal matrix: orthonormal rows or columns (whichever are fewer),
    from the QR factorisation of a normal matrix (Saxe et al., 2014). A shape of more than 2
    axes is treated as (product of the others, last) and reshaped back.

    As Keras: Q's columns have their signs fixed by R's diagonal (q * sign(diag(r))), which
    makes the draw uniform over orthogonal matrices.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape, dtype=None):
        shape, dtype = _shape(shape), _dtype(dtype, need_float=True)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, columns = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, columns), min(rows, columns)))
        q, r = np.linalg.qr(a)                          # q: orthonormal columns
        q *= np.sign(np.diag(r))
        if rows < columns:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


# ---- looking initializers up by name -------------------------------------------------------

_CLASSES = (Zeros, Ones, Constant, RandomNormal, TruncatedNormal, RandomUniform,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
            LecunNormal, Identity, Orthogonal)
# Keras accepts both spellings: "glorot_uniform" and "GlorotUniform"; plus a few aliases.
_SNAKE_NAMES = {"zeros": Zeros, "ones": Ones, "constant": Constant,
                "random_normal": RandomNormal, "truncated_normal": TruncatedNormal,
                "random_uniform": RandomUniform, "variance_scaling": VarianceScaling,
                "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
                "he_uniform": HeUniform, "he_normal": HeNormal,
                "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
                "uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
                "identity": Identity, "orthogonal": Orthogonal,
                "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal}
ALL_INITIALIZERS = {**{cls.__name__: cls for cls in _CLASSES}, **_SNAKE_NAMES}


def get(identifier):
    """An initializer instance from a name ('glorot_uniform'), a serialized dict, a class, or
    any callable (returned as is); an array or Tensor gives an initializer returning it (for
    that shape only). None gives None, as in Keras."""
    if identifier is None:
        return None
    if isinstance(identifier, (Tensor, np.ndarray, np.generic)):
        return _given_values(identifier)
    return registry.get_object(identifier, ALL_INITIALIZERS, "initializer",
                            "a name such as 'glorot_uniform', an initializer, or a function "
                            "(shape, dtype) -> array", known=_SNAKE_NAMES)


def _given_values(values):
    """An initializer returning `values` themselves (Keras's get(tensor)): the shape asked
    for must be theirs."""
    values = np.array(values.data if isinstance(values, Tensor) else values)

    def initialize_fn(shape, dtype=None):
        if _shape(shape) != values.shape:
            raise ValueError(f"Expected `shape` to be {values.shape} for direct tensor as "
                             f"initializer. Received shape={tuple(shape)}")
        return values.astype(_dtype(dtype))
    return initialize_fn


def serialize(initializer):
    """{"class_name": "GlorotUniform", "config": {"seed": None}}; a plain function's name."""
    return registry.serialize_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from `serialize`'s output (or a name)."""
    return registry.deserialize_object(config, ALL_INITIALIZERS, "initializer", custom_objects)
