"""The core layers: Dense, Activation, Dropout, Flatten, and Input (as in keras.layers).

Each `call` is a few tensor ops; the engine differentiates them, so no layer has a backward.
"""
import math

import numpy as np

from microdense import activations, constraints, initializers, ops, regularizers
from microdense.layers.base import InputSpec, Layer, serialize
from microdense.layers.symbolic import Node
from microdense.naming import activation_name
from microdense.utils import get_rng


# ---- Input -------------------------------------------------------------------------------

class InputLayer(Layer):
    """Declares the shape of a model's input; passes the input through unchanged.

    InputLayer(shape=(3,)) accepts inputs of shape (batch, 3).
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None,
                 **kwargs):
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(batch_shape)
        self._input_shape_arg = self.batch_shape
        self.built = True
        # The node with no inputs where every symbolic path begins: Input() returns its output.
        self._inbound_nodes.append(Node(self, [], [self.batch_shape]))

    def call(self, x, training=False):
        return x

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None):
    """A symbolic model input of `shape` (batch axis excluded), as keras.Input: the start of
    a functional model, `x = Input(shape=(3,)); model = Model(x, Dense(4)(x))`, or the first
    entry of a Sequential model, `Sequential([Input(shape=(3,)), Dense(4)])`.

    Returns a KerasTensor (layers/symbolic.py) whose `node.layer` is an InputLayer."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_shape=batch_shape, name=name)
    return layer.output


# ---- Dense -------------------------------------------------------------------------------

class Dense(Layer):
    """Fully connected layer: output = activation(x @ kernel + bias).

    kernel has shape (input width, units), bias (units,). Defaults as Keras: glorot_uniform
    kernel, zero bias, no activation (linear).
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        width = input_shape[-1]
        self.kernel = self.add_weight(shape=(width, self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: width})
        self.built = True

    def call(self, x, training=False):
        # The results are named ("dense/z", "dense/out") so that drawings and traces say
        # which is which: z = x @ kernel + bias before the activation, out after it.
        z = x @ self.kernel                            # (batch, units)
        if self.bias is not None:
            z = z + self.bias                          # bias broadcasts over the batch
        if self._is_linear():                          # linear adds no op to the graph
            z.name = f"{self.name}/out"
            return z
        z.name = f"{self.name}/z"
        out = activations.apply(self.activation, z)    # a user's function: in a box of its own
        if out is not z:
            out.name = f"{self.name}/out"
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def _is_linear(self):
        """No activation: linear, or None set after construction (`dense.activation = None`,
        which Keras's Dense.call also takes as "none")."""
        return self.activation is None or self.activation is activations.linear

    def describe(self):
        if self._is_linear():
            return f"Dense({self.units})"
        return f"Dense({self.units}, activation={activation_name(self.activation)})"

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation or activations.linear),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(initializers, self.kernel_initializer),
            "bias_initializer": serialize(initializers, self.bias_initializer),
            "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
            "bias_regularizer": serialize(regularizers, self.bias_regularizer),
            "kernel_constraint": serialize(constraints, self.kernel_constraint),
            "bias_constraint": serialize(constraints, self.bias_constraint),
        })
        return config


# ---- Activation --------------------------------------------------------------------------

class Activation(Layer):
    """Applies an activation function: output = activation(x)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self._build_at_init()

    def call(self, x, training=False):
        out = activations.apply(self.activation, x)
        if out is not x:
            out.name = f"{self.name}/out"
        return out

    def describe(self):
        return f"Activation({activation_name(self.activation)})"

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


# ---- Dropout -----------------------------------------------------------------------------

class Dropout(Layer):
    """Randomly zeroes inputs in training: output = x * mask / (1 - rate), mask ~ Bernoulli(1 -
    rate). The 1/(1 - rate) ("inverted dropout") keeps the expected output equal to x, so at
    inference the layer is the identity."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        # A seeded layer draws its own masks; otherwise the global generator (set_random_seed).
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._build_at_init()

    def call(self, x, training=False):
        if not training or self.rate == 0:
            return x
        shape = x.shape
        if self.noise_shape is not None:       # None entries take the input's size
            shape = tuple(x.shape[i] if n is None else n for i, n in enumerate(self.noise_shape))
        rng = self._rng if self._rng is not None else get_rng()
        keep = 1.0 - self.rate
        # The scaled mask is data, not a weight: the gradient flows to x only. The draw is an
        # op, so a compiled step draws a new mask at every step, as eager training does.
        mask = ops.random_uniform(shape, rng) < keep
        scale = 0.0 if keep == 0 else 1.0 / keep
        return x * (ops.astype(mask, x.dtype) * scale)

    def describe(self):
        return f"Dropout({self.rate})"

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


# ---- Flatten -----------------------------------------------------------------------------

class Flatten(Layer):
    """Flattens all axes but the batch axis: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...)."""

    def __init__(self, data_format=None, **kwargs):
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; "
                             f"received data_format={data_format!r}")
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, x, training=False):
        if self.data_format == "channels_first" and x.ndim > 2:
            # (batch, channels, ...) -> (batch, ..., channels): the order channels_last gives.
            x = ops.transpose(x, (0, *range(2, x.ndim), 1))
        return ops.reshape(x, (x.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        width = math.prod(rest) if all(n is not None for n in rest) else None
        return (input_shape[0], width)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
