"""Normalization layers: BatchNormalization and the Normalization preprocessing layer.

BatchNormalization, in training (fit, or training=True), normalizes each feature by the
statistics of the batch, so every layer after it sees inputs of mean 0 and variance 1
whatever the weights before it did; the gradient flows through the mean and the variance
too (they are ops of the batch), which is what keeps a deep network's gradients from
vanishing. At inference it uses running averages of those statistics instead.

Normalization standardizes inputs with a mean and variance computed once from data by
adapt(), as scikit-learn's StandardScaler does: preprocessing inside the model.
"""
import numpy as np

from microdense import config, initializers, ops, regularizers
from microdense.layers.base import Layer, serialize
from microdense.tensor import Tensor, assign, no_grad


def _axes(axis, ndim, name):
    """Axis arguments as a sorted tuple of non-negative axes, with Keras's error."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim or a % ndim == 0:
            raise ValueError(f"Invalid axis {axis} for layer '{name}' and inputs of {ndim} "
                             f"axes: the axis must be a feature axis (1 to {ndim - 1}, or "
                             f"negative), not the batch axis.")
    return tuple(sorted(a % ndim for a in axes))


class BatchNormalization(Layer):
    """y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, per feature (along `axis`).

    Training (training=True and the layer trainable): mean and variance are those of the
    batch (variance divided by n, not n - 1), and the moving statistics move towards them:
        moving_mean = momentum * moving_mean + (1 - momentum) * mean      (same for variance)
    Inference: mean and variance are moving_mean and moving_variance.
    gamma (scale=True) and beta (center=True) are learned; the moving statistics are
    weights that are not trained (get_weights order: gamma, beta, moving_mean,
    moving_variance, as Keras). A frozen layer (trainable=False) always runs in inference
    mode, as in Keras 3 (the fine-tuning convention).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise ValueError(f"BatchNormalization takes one integer `axis`; received "
                             f"axis={axis!r}.")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        (axis,) = _axes(self.axis, len(input_shape), self.name)
        size = input_shape[axis]
        if size is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of the input shape "
                             f"{tuple(input_shape)} must have a known size.")
        if self.scale:
            self.gamma = self.add_weight((size,), self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight((size,), self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer)
        self.moving_mean = self.add_weight((size,), self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight((size,), self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self.built = True

    def call(self, x, training=False):
        (axis,) = _axes(self.axis, x.ndim, self.name)
        reduce = tuple(a for a in range(x.ndim) if a != axis)    # every axis but the feature
        shape = [1] * x.ndim                                     # how (size,) broadcasts
        shape[axis] = x.shape[axis]

        def broadcast(weight):
            return weight if axis == x.ndim - 1 else ops.reshape(weight, tuple(shape))

        if training and self.trainable:
            mean = ops.mean(x, axis=reduce, keepdims=True)               # (1, features)
            centered = x - mean
            variance = ops.mean(centered * centered, axis=reduce, keepdims=True)
            self._update_moving_statistics(mean, variance)
        else:
            mean, variance = broadcast(self.moving_mean), broadcast(self.moving_variance)
        # Keras's arithmetic (keras.ops.batch_normalization), so the float32 results agree:
        # inv = gamma / sqrt(variance + epsilon);  y = x * inv + (beta - mean * inv).
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * broadcast(self.gamma)
        offset = -mean * inv
        if self.beta is not None:
            offset = offset + broadcast(self.beta)
        return x * inv + offset

    def _update_moving_statistics(self, mean, variance):
        """In place, with no gradient: these are statistics, not something to differentiate
        (ops under no_grad, then assign: a compiled step replays the update too)."""
        momentum = self.moving_mean.dtype.type(self.momentum)     # a float32 number
        with no_grad():
            for weight, batch_value in ((self.moving_mean, mean),
                                        (self.moving_variance, variance)):
                batch_value = ops.astype(ops.reshape(batch_value, weight.shape), weight.dtype)
                assign(weight, weight * momentum + batch_value * (1 - momentum))

    def describe(self):
        return f"BatchNormalization(momentum={self.momentum})"

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": serialize(initializers, self.beta_initializer),
            "gamma_initializer": serialize(initializers, self.gamma_initializer),
            "moving_mean_initializer": serialize(initializers, self.moving_mean_initializer),
            "moving_variance_initializer": serialize(initializers,
                                                     self.moving_variance_initializer),
            "beta_regularizer": serialize(regularizers, self.beta_regularizer),
            "gamma_regularizer": serialize(regularizers, self.gamma_regularizer),
        })
        return config


class Normalization(Layer):
    """Standardize inputs: y = (x - mean) / max(sqrt(variance), epsilon), per feature along
    `axis` (default the last); with invert=True, y = mean + x * max(sqrt(variance), epsilon).

    mean and variance are given, or computed from data by adapt(data) (over every axis not
    in `axis`; the variance divided by n). Adapted values are weights that are not trained
    (mean, variance, count, as Keras), so they are saved with the model.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.invert = bool(invert)
        self.input_mean = None if mean is None else np.asarray(mean, self.dtype)
        self.input_variance = None if variance is None else np.asarray(variance, self.dtype)
        self.mean = self.variance = None

    def build(self, input_shape):
        keep = _axes(self.axis, len(input_shape), self.name) if self.axis else ()
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(f"Layer '{self.name}': axis {a} of the input shape "
                                 f"{tuple(input_shape)} must have a known size.")
        self._keep = keep
        self._broadcast = tuple(input_shape[a] if a in keep else 1
                                for a in range(1, len(input_shape)))
        shape = tuple(input_shape[a] for a in keep)                 # e.g. (features,)
        if self.input_mean is not None:
            self.mean = Tensor(np.broadcast_to(self.input_mean, shape).astype(self.dtype))
            self.variance = Tensor(np.broadcast_to(self.input_variance,
                                                   shape).astype(self.dtype))
        else:
            self.mean = self.add_weight(shape, "zeros", name="mean", trainable=False)
            self.variance = self.add_weight(shape, "ones", name="variance", trainable=False)
            self.count = self.add_weight((), "zeros", dtype="int32", name="count",
                                         trainable=False)
        self.built = True

    def adapt(self, data):
        """Compute the mean and variance of `data` (an array of samples) over every axis but
        `axis`, and store them in the layer."""
        data = np.asarray(data.data if isinstance(data, Tensor) else data, dtype=np.float64)
        if data.ndim < 1 or len(data) == 0:
            raise ValueError(f"adapt() of layer '{self.name}' needs a non-empty array of "
                             f"samples; received shape {data.shape}.")
        if data.ndim == 1:
            data = data[:, None]                 # one feature per sample, as Keras
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given mean and variance: adapt() "
                             f"would overwrite them.")
        if not self.built:
            self._build(data.shape)
        reduce = tuple(a for a in range(data.ndim) if a not in self._keep)
        self.mean.data[...] = np.mean(data, axis=reduce).reshape(self.mean.shape)
        self.variance.data[...] = np.var(data, axis=reduce).reshape(self.variance.shape)

    def call(self, x):
        shape = (1,) + self._broadcast
        mean = ops.reshape(self.mean, shape)
        std = ops.maximum(ops.sqrt(ops.reshape(self.variance, shape)), config.epsilon())
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def get_config(self):
        config = super().get_config()
        axis = self.axis[0] if len(self.axis) == 1 else (list(self.axis) or None)
        config.update({
            "axis": axis, "invert": self.invert,
            "mean": None if self.input_mean is None else self.input_mean.tolist(),
            "variance": None if self.input_variance is None else self.input_variance.tolist(),
        })
        return config
