"""BatchNormalization: each feature normalized by the statistics of the batch in training,
by running averages of them at inference (as keras.layers.BatchNormalization).

In training (fit, or training=True), every layer after it sees inputs of mean 0 and variance
1 whatever the weights before it did; the gradient flows through the mean and the variance
too (they are ops of the batch), which is what keeps a deep network's gradients from
vanishing. At inference it uses running averages of those statistics instead.
"""
import math

import numpy as np

from microdense import initializers, ops
from microdense.layers.base import InputSpec, Layer, serialize
from microdense.layers.scale_offset import ScaleOffset, scale_and_offset
from microdense.tensor import assign, no_grad


def _axes(axis, ndim, name):
    """Axis arguments as a sorted tuple of non-negative axes, with Keras's error."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim or a % ndim == 0:
            raise ValueError(f"Invalid axis {axis} for layer '{name}' and inputs of {ndim} "
                             f"axes: the axis must be a feature axis (1 to {ndim - 1}, or "
                             f"negative), not the batch axis.")
    return tuple(sorted(a % ndim for a in axes))


class BatchNormalization(ScaleOffset, Layer):
    """y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, per feature (along `axis`).

    Training (training=True and the layer trainable): mean and variance are those of the
    batch (variance divided by n, not n - 1), and the moving statistics move towards them:
        moving_mean = momentum * moving_mean + (1 - momentum) * mean      (same for variance)
    Inference: mean and variance are moving_mean and moving_variance.
    gamma (scale=True) and beta (center=True) are learned; the moving statistics are
    weights that are not trained (get_weights order: gamma, beta, moving_mean,
    moving_variance, as Keras). A frozen layer (trainable=False) always runs in inference
    mode, as in Keras 3 (the fine-tuning convention).

    renorm=True is batch renormalization (Ioffe 2017, as Keras 3): in training the batch's
    normalized x is corrected towards what the moving statistics would give,
        y = gamma * (x_hat * r + d) + beta,   r = stddev_B / renorm_stddev,
                                              d = (mean_B - renorm_mean) / renorm_stddev,
    with r and d constants for the gradient (stop_gradient), clipped by renorm_clipping
    {"rmin", "rmax", "dmax"}; renorm_mean and renorm_stddev move with renorm_momentum, and
    moving_variance is derived from a moving standard deviation (weights moving_stddev,
    renorm_mean, renorm_stddev after the usual four).
    """

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"BatchNormalization takes one integer `axis`; received "
                             f"axis={axis!r}.")
        if synchronized:
            raise ValueError("Argument synchronized=True is only supported with the "
                             "TensorFlow backend.")
        self.axis = int(axis)
        self.synchronized = False
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self._keep_scale_offset(bool(center), bool(scale), beta_initializer, gamma_initializer,
                                beta_regularizer, gamma_regularizer, beta_constraint,
                                gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.renorm = bool(renorm)
        if self.renorm:
            renorm_clipping = _check_renorm_clipping(renorm_clipping or {})
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = float(renorm_momentum)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        (axis,) = _axes(self.axis, len(input_shape), self.name)
        size = input_shape[axis]
        if size is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of the input shape "
                             f"{tuple(input_shape)} must have a known size.")
        self._add_scale_offset((size,), scale=self.scale, center=self.center)
        self.moving_mean = self.add_weight((size,), self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight((size,), self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        if self.renorm:
            # A standard deviation is tracked instead of a variance, as in the paper; it
            # starts at the square root of the variance initializer's values.
            stddev = np.sqrt(self.moving_variance.data)
            self.moving_stddev = self.add_weight((size,), stddev, name="moving_stddev",
                                                 trainable=False)
            self.renorm_mean = self.add_weight((size,), self.moving_mean_initializer,
                                               name="renorm_mean", trainable=False)
            self.renorm_stddev = self.add_weight((size,), stddev, name="renorm_stddev",
                                                 trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: size})
        self.built = True

    def call(self, x, training=False):
        (axis,) = _axes(self.axis, x.ndim, self.name)
        reduce = tuple(a for a in range(x.ndim) if a != axis)    # every axis but the feature
        shape = [1] * x.ndim                                     # how (size,) broadcasts
        shape[axis] = x.shape[axis]

        def broadcast(weight):
            return weight if axis == x.ndim - 1 else ops.reshape(weight, tuple(shape))

        gamma = None if self.gamma is None else broadcast(self.gamma)
        beta = None if self.beta is None else broadcast(self.beta)
        if training and self.trainable:
            mean = ops.mean(x, axis=reduce, keepdims=True)               # (1, features)
            centered = x - mean
            variance = ops.mean(centered * centered, axis=reduce, keepdims=True)
            if self.renorm:
                r, d = self._renorm_correction(mean, variance, broadcast)
                # (x_hat * r + d) * gamma + beta = x_hat * (r * gamma) + (d * gamma + beta)
                gamma, beta = (r, d) if gamma is None else (r * gamma, d * gamma)
                if self.beta is not None:
                    beta = beta + broadcast(self.beta)
                self._update_renorm_statistics(mean, variance)
            else:
                self._update_moving_statistics(mean, variance)
        else:
            mean, variance = broadcast(self.moving_mean), broadcast(self.moving_variance)
        return scale_and_offset(x, mean, 1.0 / ops.sqrt(variance + self.epsilon), gamma, beta)

    def _renorm_correction(self, mean, variance, broadcast):
        """r = stddev / renorm_stddev and d = (mean - renorm_mean) / renorm_stddev, clipped,
        as constants: the gradient sees the batch normalization alone (Keras's
        stop_gradient)."""
        stddev = ops.sqrt(variance + self.epsilon)
        # renorm_stddev at least sqrt(epsilon): no division by zero early in training.
        renorm_stddev = ops.maximum(broadcast(self.renorm_stddev), math.sqrt(self.epsilon))
        r = ops.stop_gradient(stddev / renorm_stddev)
        d = ops.stop_gradient((mean - broadcast(self.renorm_mean)) / renorm_stddev)
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = ops.maximum(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = ops.minimum(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = ops.clip(d, -clipping["dmax"], clipping["dmax"])
        return r, d

    def _update_moving_statistics(self, mean, variance):
        """In place, with no gradient: these are statistics, not something to differentiate
        (ops under no_grad, then assign: a compiled step replays the update too)."""
        self._move({self.moving_mean: mean, self.moving_variance: variance}, self.momentum)

    def _update_renorm_statistics(self, mean, variance):
        """Renorm's statistics (renorm_momentum), then the moving mean and standard deviation
        (momentum), and moving_variance = relu(moving_stddev^2 - epsilon), as Keras."""
        with no_grad():
            stddev = ops.sqrt(variance + self.epsilon)
        self._move({self.renorm_mean: mean, self.renorm_stddev: stddev},
                   self.renorm_momentum)
        _, moving_stddev = self._move({self.moving_mean: mean, self.moving_stddev: stddev},
                                      self.momentum)
        with no_grad():      # relu: float rounding must not make the variance negative
            assign(self.moving_variance,
                   ops.relu(moving_stddev * moving_stddev - self.epsilon))

    @staticmethod
    def _move(targets, momentum):
        """weight = momentum * weight + (1 - momentum) * batch_value, for each pair; returns
        the new values."""
        moved = []
        with no_grad():
            for weight, batch_value in targets.items():
                factor = weight.dtype.type(momentum)                # a float32 number
                batch_value = ops.astype(ops.reshape(batch_value, weight.shape), weight.dtype)
                moved.append(weight * factor + batch_value * (1 - factor))
                assign(weight, moved[-1])
        return moved

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def describe(self):
        return f"BatchNormalization(momentum={self.momentum})"

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            **self._scale_offset_config(),
            "moving_mean_initializer": serialize(initializers, self.moving_mean_initializer),
            "moving_variance_initializer": serialize(initializers,
                                                     self.moving_variance_initializer),
            "synchronized": self.synchronized, "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum,
        })
        return config


def _check_renorm_clipping(clipping):
    """renorm_clipping: a dict with some of rmin, rmax, dmax; rmin <= rmax, dmax >= 0."""
    keys = ["rmax", "rmin", "dmax"]
    if set(clipping) - set(keys):
        raise ValueError(f"Received invalid keys for `renorm_clipping` argument: {clipping}. "
                         f"Supported values: {keys}.")
    rmax, rmin, dmax = clipping.get("rmax"), clipping.get("rmin"), clipping.get("dmax")
    if rmax is not None and rmin is not None and rmax < rmin:
        raise ValueError(f"rmax should be greater than rmin in the `renorm_clipping` "
                         f"argument. Received: rmax={rmax}, rmin={rmin}.")
    if dmax is not None and dmax < 0:
        raise ValueError(f"dmax should be non-negative in the `renorm_clipping` argument. "
                         f"Received: dmax={dmax}.")
    return dict(clipping)
