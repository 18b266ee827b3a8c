"""The core layers: Dense, Activation, Dropout, Flatten, and Input (as in keras.layers).

Each `call` is a few tensor ops; the engine differentiates them, so no layer has a backward.
"""
import math
import warnings

import numpy as np

from microdense import activations, constraints, initializers, ops, regularizers
from microdense.layers.base import InputSpec, Layer, serialize
from microdense.layers.symbolic import KerasTensor, Node
from microdense.naming import activation_name
from microdense.random import SeedGenerator, get_rng


# ---- Input -------------------------------------------------------------------------------

class InputLayer(Layer):
    """Declares the shape of a model's input; passes the input through unchanged.

    InputLayer(shape=(3,)) accepts inputs of shape (batch, 3); batch_shape=(2, 3) fixes the
    batch size too. input_tensor=t (a KerasTensor) makes t the input, as Keras.
    sparse and ragged tensors do not exist here (numpy arrays are dense): True is refused.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:                   # the Keras 2 names, as Keras 3 takes them
            warnings.warn("Argument `input_shape` is deprecated. Use `shape` instead.",
                          stacklevel=2)
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if input_tensor is not None:
            batch_shape, dtype = self._check_input_tensor(input_tensor, shape, batch_size,
                                                          batch_shape, dtype, sparse)
        else:
            if shape is not None and batch_shape is not None:
                raise ValueError("You cannot pass both `shape` and `batch_shape` at the "
                                 "same time.")
            if batch_size is not None and batch_shape is not None:
                raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the "
                                 "same time.")
            if shape is None and batch_shape is None:
                raise ValueError("You must pass a `shape` argument.")
            if shape is not None:
                shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
                batch_shape = (batch_size,) + shape
        for flag, value in (("sparse", sparse), ("ragged", ragged)):
            if value:
                raise ValueError(f"`{flag}=True` is not supported with the microdense "
                                 f"backend")
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.batch_shape = tuple(None if n is None else int(n) for n in batch_shape)
        self.sparse, self.ragged, self.optional = False, False, bool(optional)
        self._input_shape_arg = self.batch_shape
        self.built = True
        # The node with no inputs where every symbolic path begins: Input() returns its output.
        node = Node(self, [], [self.batch_shape])
        if input_tensor is not None:                  # the given tensor is this input
            input_tensor.node, input_tensor.index = node, 0
            node.outputs = [input_tensor]
        self._inbound_nodes.append(node)

    @staticmethod
    def _check_input_tensor(tensor, shape, batch_size, batch_shape, dtype, sparse):
        """(batch_shape, dtype) of input_tensor=, after Keras's checks of the other
        arguments against it."""
        if not isinstance(tensor, KerasTensor):
            raise ValueError(f"Argument `input_tensor` must be a KerasTensor. Received "
                             f"invalid type: input_tensor={tensor} (of type {type(tensor)})")
        if batch_size is not None and (tensor.ndim < 1 or tensor.shape[0] != batch_size):
            raise ValueError("When providing the `input_tensor` argument, you cannot provide "
                             "an incompatible `batch_size` argument.")
        if shape is not None and tuple(shape) != tensor.shape[1:]:
            raise ValueError("When providing the `input_tensor` argument, you cannot provide "
                             "an incompatible `shape` argument.")
        if batch_shape is not None and tuple(batch_shape) != tensor.shape:
            raise ValueError("When providing the `input_tensor` argument, you cannot provide "
                             "an incompatible `batch_shape` argument.")
        if dtype is not None and str(np.dtype(dtype)) != tensor.dtype:
            raise ValueError("When providing the `input_tensor` argument, you cannot provide "
                             "an incompatible `dtype` argument.")
        if sparse is not None and bool(sparse) != tensor.sparse:
            raise ValueError("When providing the `input_tensor` argument, you cannot provide "
                             "an incompatible `sparse` argument.")
        return tensor.shape, tensor.dtype

    def call(self, x=None, training=False):
        return x

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": self.sparse, "ragged": self.ragged, "name": self.name,
                "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False, ragged=None):
    """A symbolic model input of `shape` (batch axis excluded), as keras.Input: the start of
    a functional model, `x = Input(shape=(3,)); model = Model(x, Dense(4)(x))`, or the first
    entry of a Sequential model, `Sequential([Input(shape=(3,)), Dense(4)])`.

    Returns a KerasTensor (layers/symbolic.py) whose `node.layer` is an InputLayer."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, input_tensor=tensor,
                       optional=optional, name=name)
    return layer.output


# ---- Identity ----------------------------------------------------------------------------

class Identity(Layer):
    """output = input: a placeholder where a layer is optional (keras.layers.Identity)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()

    def call(self, x):
        return x


# ---- Dense -------------------------------------------------------------------------------

class Dense(Layer):
    """Fully connected layer: output = activation(x @ kernel + bias).

    kernel has shape (input width, units), bias (units,). Defaults as Keras: glorot_uniform
    kernel, zero bias, no activation (linear).

    LoRA (low-rank adaptation, as Keras): after enable_lora(rank) (or lora_rank=rank), the
    kernel weight is frozen and two small trainable weights learn a correction,
        kernel = kernel_weight + (lora_alpha / rank) * lora_kernel_a @ lora_kernel_b,
    (input width, rank) @ (rank, units): fine-tuning trains rank * (width + units) numbers
    instead of width * units. lora_kernel_b starts at zero, so the layer starts unchanged.
    """

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, **kwargs):
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
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.input_spec = InputSpec(min_ndim=2)
        self._kernel = None
        self.bias = None

    def build(self, input_shape):
        width = input_shape[-1]
        self._kernel = self.add_weight(shape=(width, self.units), name="kernel",
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
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    @property
    def kernel(self):
        """The kernel weight; with LoRA enabled, the weight plus its low-rank correction (an
        expression of tensors, so the gradient reaches lora_kernel_a and lora_kernel_b)."""
        if not self.lora_enabled:
            return self._kernel
        scale = self.lora_alpha / self.lora_rank
        return self._kernel + scale * (self.lora_kernel_a @ self.lora_kernel_b)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and learn a rank-`rank` correction to it (see the class doc)."""
        if self.kernel_constraint:
            raise ValueError("Lora is incompatible with kernel constraints. In order to "
                             "enable lora on this layer, remove the `kernel_constraint` "
                             "argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        width = self._kernel.shape[0]
        # float32 whatever the layer's dtype, as Keras (small updates would underflow).
        self.lora_kernel_a = self.add_weight(shape=(width, rank), name="lora_kernel_a",
                                             initializer=initializers.get(a_initializer),
                                             dtype="float32",
                                             regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(shape=(rank, self.units), name="lora_kernel_b",
                                             initializer=initializers.get(b_initializer),
                                             dtype="float32",
                                             regularizer=self.kernel_regularizer)
        index = next(i for i, w in enumerate(self._weights) if w is self._kernel)
        self._weight_trainable[index] = False            # stays frozen if the layer thaws
        self._kernel.requires_grad = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

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
        if self.lora_rank:
            config.update({"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha})
        return config


# ---- Activation --------------------------------------------------------------------------

class Activation(Layer):
    """Applies an activation function: output = activation(x)."""

    supports_masking = True        # Keras's flag (see Layer)

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

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.noise_shape = noise_shape_argument(noise_shape)
        keep_seed(self, seed, draws=self.rate > 0)
        self._build_at_init()

    def call(self, x, training=False):
        if not training or self.rate == 0:
            return x
        shape = draw_shape(self.noise_shape, x.shape)
        rng = self.seed_generator.generator
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


def layer_seed_generator(seed):
    """The SeedGenerator a random layer owns, as Keras's do. Seeded, it draws its own numbers;
    unseeded, it draws from the global generator, so set_random_seed makes a run repeatable."""
    generator = SeedGenerator(seed)
    if seed is None:
        generator.generator = get_rng()
    return generator


def keep_seed(layer, seed, draws):
    """layer.seed, and the SeedGenerator its draws take (made only if it draws at all)."""
    layer.seed = seed
    if draws:
        layer.seed_generator = layer_seed_generator(seed)
        layer._seed_generators = [layer.seed_generator]


def draw_shape(noise_shape, shape):
    """The shape of a random draw: `noise_shape` with its None entries taken from `shape`."""
    if noise_shape is None:
        return shape
    return tuple(shape[i] if n is None else n for i, n in enumerate(noise_shape))


def noise_shape_argument(noise_shape):
    """Dropout's noise_shape as a tuple of positive sizes or None (Keras's checks)."""
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str):
        raise ValueError(f"Invalid value received for argument `noise_shape`. Expected a "
                         f"tuple or list of integers. Received: noise_shape={noise_shape}")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(f"Invalid value received for argument `noise_shape`. Expected an "
                         f"iterable of integers (e.g., a tuple or list). Received: "
                         f"noise_shape={noise_shape}") from None
    for size in noise_shape:
        if size is None:
            continue
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise ValueError(f"Invalid value received for argument `noise_shape`. Expected "
                             f"all elements to be integers or None. Received: "
                             f"noise_shape={noise_shape}")
        if size <= 0:
            raise ValueError(f"Invalid value received for argument `noise_shape`. Expected "
                             f"all dimensions to be positive integers or None. Received: "
                             f"noise_shape={noise_shape}")
    return noise_shape


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
