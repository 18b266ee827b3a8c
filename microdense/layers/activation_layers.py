"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (as in keras.layers).

All are compositions of engine ops. PReLU is the one with a weight: its slope alpha is
learned, and its gradient comes for free from relu(x) - alpha * relu(-x).
"""
import numpy as np

from microdense import activations, constraints, initializers, ops, regularizers
from microdense.tensor import Tensor
from microdense.layers.base import InputSpec, Layer, serialize


class ReLU(Layer):
    """Rectified linear unit: x if x >= threshold (capped at max_value),
    else negative_slope * (x - threshold). Defaults give max(x, 0)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be None or a negative "
                             f"value. Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be None or a negative "
                             f"value. Received: threshold={threshold}")
        super().__init__(**kwargs)
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self._build_at_init()

    def call(self, x, training=False):
        return activations.relu(x, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class LeakyReLU(Layer):
    """Leaky ReLU: x if x >= 0 else negative_slope * x (Keras 3's default slope: 0.3)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:                   # the Keras 2 name of the argument
            negative_slope = kwargs.pop("alpha")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"The negative_slope value of a Leaky ReLU layer cannot be None "
                             f"or negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        super().__init__(**kwargs)
        self.negative_slope = negative_slope
        self._build_at_init()

    def call(self, x, training=False):
        return activations.leaky_relu(x, negative_slope=self.negative_slope)

    def describe(self):
        return f"LeakyReLU(negative_slope={float(self.negative_slope)})"

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """Parametric ReLU: relu(x) - alpha * relu(-x), i.e. x if x >= 0 else alpha * x, with a
    learned alpha per input value (shape input_shape[1:], size 1 along `shared_axes`)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)    # applied after each update
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.alpha = None

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            param_shape[axis - 1] = 1
        self.alpha = self.add_weight(shape=param_shape, name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        shared = set(self.shared_axes or ())
        self.input_spec = InputSpec(ndim=len(input_shape), axes={
            axis: input_shape[axis] for axis in range(1, len(input_shape)) if axis not in shared})
        self.built = True

    def call(self, x, training=False):
        # Composition, so alpha's gradient is -relu(-x) * g with no code of ours (as Keras).
        return activations.relu(x) - self.alpha * activations.relu(-x)

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": serialize(initializers, self.alpha_initializer),
            "alpha_regularizer": serialize(regularizers, self.alpha_regularizer),
            "alpha_constraint": serialize(constraints, self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config


class ELU(Layer):
    """Exponential linear unit: x if x > 0 else alpha * (exp(x) - 1)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self._build_at_init()

    def call(self, x, training=False):
        return activations.elu(x, alpha=self.alpha)

    def describe(self):
        return f"ELU(alpha={float(self.alpha)})"

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(Layer):
    """Softmax along `axis` (an int, or a tuple of axes): exp(x) / sum(exp(x)), each slice
    summing to 1."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self._build_at_init()

    def call(self, x, mask=None):
        """mask (optional, broadcastable to x): entries where it is False (or <= 0.5) get
        probability 0, the others share 1 among themselves, as Keras's Softmax(x, mask)."""
        if mask is not None:
            keep = self._keep(x, mask)
            x = ops.where(keep, x, -1e9)      # exp(-1e9 - max) is 0: out of the softmax
        # A tuple of axes (Keras's Softmax(axis=(-2, -1))) normalizes over all of them at once.
        out = activations.softmax(x, axis=self.axis)
        if mask is not None:                  # a slice masked entirely gives 0, not uniform
            out = ops.where(keep, out, 0.0)
        return out

    def _keep(self, x, mask):
        """The mask as booleans, after Keras's checks that it broadcasts to x."""
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if mask.ndim > x.ndim:
            raise ValueError(f"The `mask` must be broadcastable to `inputs` and must not have "
                             f"more dimensions. Received: inputs.shape={x.shape}, "
                             f"mask.shape={mask.shape}")
        for m, n in zip(mask.shape[::-1], x.shape[::-1]):
            if m != 1 and m != n:
                raise ValueError(f"The `mask` must be broadcastable to `inputs`. Each mask "
                                 f"dimension must be 1 or match the corresponding input "
                                 f"dimension. Received: inputs.shape={x.shape}, "
                                 f"mask.shape={mask.shape}")
        return mask if mask.dtype == bool else mask > 0.5

    def describe(self):
        return f"Softmax(axis={self.axis})"

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
