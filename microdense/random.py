"""keras.random: random tensors under Keras 3's names and signatures.

    from microdense import random            # Keras: from keras import random
    noise = random.normal((32, 8), stddev=0.1, seed=1)

Every function returns a constant Tensor (data: randomness is not differentiated). The `seed`
argument works as in Keras:
    seed=None           draw from microdense's global generator (md.utils.set_random_seed)
    seed=an int         the same numbers on every call with that seed
    seed=SeedGenerator  the generator's next numbers: different on each call, reproducible
                        from the generator's own seed
The numbers are numpy's (np.random.Generator, PCG64), not JAX's or TensorFlow's: the same
seed gives different values than Keras, with the same distribution.
"""
import random as python_random

import numpy as np

from microdense import config
from microdense.tensor import Tensor, constant


# ---- randomness ----------------------------------------------------------------------------

# One generator for the whole library: initializers, Dropout and fit's shuffling draw from it.
_rng = np.random.default_rng()


def set_random_seed(seed):
    """Seed microdense's global generator, and numpy's and Python's global ones, like Keras."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"set_random_seed expects an integer seed; got {seed!r} "
                         f"({type(seed).__name__}).")
    seed = int(seed)
    # Reseed in place, so code that kept a reference from get_rng() sees the new seed too.
    _rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    np.random.seed(seed % 2**32)           # the legacy global generator takes 32 bits only
    python_random.seed(seed)


def get_rng():
    """The global np.random.Generator (reseeded in place by `set_random_seed`)."""
    return _rng


class SeedGenerator:
    """A seeded source of random numbers that advances on every draw (keras.random.
    SeedGenerator): pass it as `seed=` to get new, reproducible numbers each call."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"SeedGenerator expects an integer seed or None; got {seed!r}.")
        self.seed = None if seed is None else int(seed)
        self.name = name or "seed_generator"
        self.generator = np.random.default_rng(self.seed)

    def get_config(self):
        return {"seed": self.seed}

    def __repr__(self):
        return f"SeedGenerator(seed={self.seed})"


def _generator(seed):
    """The np.random.Generator a draw with this `seed` argument uses (see the module doc)."""
    if seed is None:
        return get_rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be None, an integer or a keras.random.SeedGenerator; got "
                         f"{seed!r} ({type(seed).__name__}).")
    return np.random.default_rng(int(seed))


def _float_dtype(dtype):
    dtype = np.dtype(dtype or config.floatx())
    if dtype.kind != "f":
        raise ValueError(f"This random function draws floats; got dtype {dtype}. Use randint "
                         f"for integers.")
    return dtype


def _shape(shape):
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from the normal distribution N(mean, stddev^2)."""
    values = _generator(seed).normal(mean, stddev, _shape(shape))
    return constant(values.astype(_float_dtype(dtype)))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values from the uniform distribution on [minval, maxval)."""
    values = _generator(seed).uniform(minval, maxval, _shape(shape))
    return constant(values.astype(_float_dtype(dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values redrawn until they lie within two standard deviations of the mean."""
    rng = _generator(seed)
    shape = _shape(shape)
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2.0
    return constant((mean + stddev * values).astype(_float_dtype(dtype)))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval)."""
    values = _generator(seed).integers(minval, maxval, _shape(shape))
    return constant(values.astype(dtype))


def shuffle(x, axis=0, seed=None):
    """x with its entries along `axis` in a random order (data: no gradient)."""
    data = np.asarray(x.data if isinstance(x, Tensor) else x)
    order = _generator(seed).permutation(data.shape[axis])
    return constant(np.take(data, order, axis=axis))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """For each row of logits (batch, classes), num_samples class indices drawn with
    probabilities softmax(logits)."""
    logits = np.asarray(logits.data if isinstance(logits, Tensor) else logits, np.float64)
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    rng = _generator(seed)
    draws = [rng.choice(p.shape[-1], size=num_samples, p=row) for row in p]
    return constant(np.array(draws).astype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """inputs * mask / (1 - rate), mask ~ Bernoulli(1 - rate): differentiable in `inputs`."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must be in [0, 1); got {rate}.")
    inputs = inputs if isinstance(inputs, Tensor) else Tensor(inputs)
    shape = inputs.shape if noise_shape is None else tuple(
        n if n is not None else inputs.shape[i] for i, n in enumerate(noise_shape))
    keep = _generator(seed).random(shape) < 1.0 - rate
    return inputs * (keep / (1.0 - rate)).astype(inputs.dtype)
