"""Regularization layers beyond Dropout (core.py): noise and penalties that act only in
training, as in keras.layers. At inference each is the identity.

    GaussianNoise(0.1)        x + noise, noise ~ N(0, 0.1^2)
    GaussianDropout(0.2)      x * noise, noise ~ N(1, rate / (1 - rate))
    AlphaDropout(0.1)         dropout that keeps a SELU network's mean and variance
    ActivityRegularization    adds l1 * sum|x| + l2 * sum x^2 (per sample) to the loss

The noise is data drawn by a random-draw op (ops/random_draws.py): the gradient flows to x
only, and a compiled step draws anew at each replay.
"""
import math

from microdense import ops, regularizers
from microdense.layers.base import Layer
from microdense.layers.core import draw_shape, keep_seed, noise_shape_argument
from microdense.ops.activations import SELU_ALPHA, SELU_SCALE


def _check_rate(value, name):
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"Invalid value received for argument `{name}`. Expected a float "
                         f"value between 0 and 1. Received: {name}={value}")
    return value


class ActivityRegularization(Layer):
    """output = input; in training adds l1 * sum(|x|) + l2 * sum(x^2), divided by the batch
    size, to the loss (the activity_regularizer L1L2(l1, l2) of Keras)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self._build_at_init()

    def call(self, x):
        return x

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)     # it is l1 and l2
        config.update({"l1": self.l1, "l2": self.l2})
        return config


class GaussianNoise(Layer):
    """In training, output = x + noise with noise ~ N(0, stddev^2), drawn anew each step (a
    way to augment data); at inference, output = x."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _check_rate(stddev, "stddev")
        keep_seed(self, seed, draws=stddev > 0)
        self._build_at_init()

    def call(self, x, training=False):
        if not training or self.stddev == 0:
            return x
        return x + ops.random_normal(x.shape, self.seed_generator.generator, 0.0,
                                     self.stddev, x.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(Layer):
    """In training, output = x * noise with noise ~ N(1, rate / (1 - rate)): multiplicative
    noise of the variance dropout at `rate` has, with mean 1; at inference, output = x."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate, "rate")
        keep_seed(self, seed, draws=rate > 0)
        self._build_at_init()

    def call(self, x, training=False):
        if not training or self.rate == 0:
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return x * ops.random_normal(x.shape, self.seed_generator.generator, 1.0, stddev,
                                     x.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(Layer):
    """Dropout for SELU networks (Klambauer et al. 2017): dropped inputs are set to SELU's
    negative saturation alpha' = -scale * alpha instead of 0, then y = a * x + b with a, b
    chosen so that the mean and variance stay those of the input (0 and 1):
        a = ((1 - rate) * (1 + rate * alpha'^2))^-1/2,   b = -a * alpha' * rate."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate, "rate")
        self.noise_shape = noise_shape_argument(noise_shape)
        keep_seed(self, seed, draws=rate > 0)
        self._build_at_init()

    def call(self, x, training=False):
        if not training or self.rate == 0:
            return x
        shape = draw_shape(self.noise_shape, x.shape)
        alpha_p = -SELU_SCALE * SELU_ALPHA
        draw = ops.random_uniform(shape, self.seed_generator.generator, x.dtype)
        kept = ops.astype(draw >= self.rate, x.dtype)                 # 1 kept, 0 dropped
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return (x * kept + alpha_p * (1 - kept)) * a + b

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
