"""Per-sample normalization layers (keras.layers): each sample is normalized by statistics of
its own values, so they behave the same in training and at inference and need no moving
averages (BatchNormalization, in batch_normalization.py, uses the batch's).

    LayerNormalization   y = gamma * (x - mean) / sqrt(variance + epsilon) + beta
    GroupNormalization   the same, the statistics over each group of channels
    RMSNormalization     y = scale * x / sqrt(mean(x^2) + epsilon)
    UnitNormalization    y = x / ||x||_2

the statistics taken over `axis` (default the last) of each sample. All are compositions of
ops, so the gradient flows through the statistics too, with no backward of their own.
"""
import warnings

from microdense import ops
from microdense.layers.base import InputSpec, Layer
from microdense.layers.scale_offset import ScaleOffset, scale_and_offset


def _canonical_axes(axis, ndim):
    """`axis` (an int or a list) as sorted non-negative axes, with Keras's errors."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"Axis {axis} is out of bounds for an input of {ndim} axes.")
    axes = [a % ndim for a in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"Duplicate axes are not allowed. Received: axis={axis}")
    return sorted(axes)


def _axis_argument(axis, words):
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    raise TypeError(words % (axis,))


def _broadcast(weight, axes, ndim, shape):
    """A weight over `axes` shaped to broadcast against an input of `shape`."""
    if weight is None or axes == [ndim - 1]:
        return weight
    return ops.reshape(weight, tuple(shape[a] if a in axes else 1 for a in range(ndim)))


class LayerNormalization(ScaleOffset, Layer):
    """y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, the mean and variance taken
    over `axis` of each sample (the variance divided by n); gamma (scale=True) and beta
    (center=True) are learned, one value per position of `axis`."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                          "incorrectly scales the input by the variance, not the root mean "
                          "square. To correctly use RMS Normalization, please use "
                          "`keras.layers.RMSNormalization` instead.", stacklevel=2)
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis, "Expected an int or a list/tuple of ints for the "
                                         "argument 'axis', but received: %r")
        self.epsilon = epsilon
        self.rms_scaling = rms_scaling
        self._keep_scale_offset(center, scale, beta_initializer, gamma_initializer,
                                beta_regularizer, gamma_regularizer, beta_constraint,
                                gamma_constraint)

    def build(self, input_shape):
        self.axis = _canonical_axes(self.axis, len(input_shape))
        shape = tuple(input_shape[a] for a in self.axis)
        self._add_scale_offset(shape, scale=self.scale or self.rms_scaling,
                               center=self.center and not self.rms_scaling)
        self.built = True

    def call(self, x):
        gamma = _broadcast(self.gamma, self.axis, x.ndim, x.shape)
        beta = _broadcast(self.beta, self.axis, x.ndim, x.shape)
        mean = ops.mean(x, axis=self.axis, keepdims=True)
        centered = x - mean
        variance = ops.mean(centered * centered, axis=self.axis, keepdims=True)
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        if self.rms_scaling:           # Keras's deprecated option: x / sqrt(variance)
            return x * inv * gamma if gamma is not None else x * inv
        return scale_and_offset(x, mean, inv, gamma, beta)

    def compute_output_shape(self, input_shape):
        _canonical_axes(self.axis, len(input_shape))
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "rms_scaling": self.rms_scaling,
            **self._scale_offset_config(),
        })
        return config


class GroupNormalization(ScaleOffset, Layer):
    """The channels (`axis`, default the last) split into `groups` groups of equal size; each
    sample is normalized by the mean and variance of each group (over the group's channels
    and every other axis but the batch), then y = gamma * x_hat + beta per channel (Wu and
    He 2018). groups=1 is LayerNormalization over all axes; groups=-1 (one channel each) is
    instance normalization."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, int) or \
                (groups <= 0 and groups != -1):
            raise ValueError(f"Received an invalid value for argument `groups`, expected a "
                             f"positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}")
        super().__init__(**kwargs)
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self._keep_scale_offset(center, scale, beta_initializer, gamma_initializer,
                                beta_regularizer, gamma_regularizer, beta_constraint,
                                gamma_constraint)

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             f"dimension but the layer received an input with shape "
                             f"{tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the "
                             f"number of channels ({channels}).")
        if channels % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({channels}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self._add_scale_offset((channels,), scale=self.scale, center=self.center)
        self.built = True

    def call(self, x):
        axis = self.axis % x.ndim
        # (batch, ..., channels, ...) -> (batch, ..., groups, channels per group, ...)
        grouped_shape = list(x.shape)
        grouped_shape[axis:axis + 1] = [self.groups, x.shape[axis] // self.groups]
        grouped = ops.reshape(x, tuple(grouped_shape))
        reduce = [a for a in range(1, grouped.ndim) if a != axis]   # all but batch and group
        mean = ops.mean(grouped, axis=reduce, keepdims=True)
        centered = grouped - mean
        variance = ops.mean(centered * centered, axis=reduce, keepdims=True)
        per_channel = [1] * grouped.ndim                              # how (channels,) spreads
        per_channel[axis:axis + 2] = grouped_shape[axis:axis + 2]
        gamma, beta = (None if w is None else ops.reshape(w, tuple(per_channel))
                       for w in (self.gamma, self.beta))
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        return ops.reshape(scale_and_offset(grouped, mean, inv, gamma, beta), x.shape)

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{input_shape}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
            **self._scale_offset_config(),
        })
        return config


class RMSNormalization(Layer):
    """y = scale * x / sqrt(mean(x^2) + epsilon) over `axis` of each sample: LayerNormalization
    without centering (Zhang and Sennrich 2019); `scale` is learned."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(shape, "ones", name="scale")
        self.built = True

    def call(self, x):
        axes = [a % x.ndim for a in self.axis]
        inverse_rms = 1.0 / ops.sqrt(ops.mean(x * x, axis=axes, keepdims=True) + self.epsilon)
        return x * inverse_rms * _broadcast(self.scale, axes, x.ndim, x.shape)

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for axis in axes:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(f"Axis {axis} is out of bounds for input shape "
                                 f"{input_shape}. Received: axis={self.axis}")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config


class UnitNormalization(Layer):
    """y = x / ||x||_2 over `axis` of each sample (each sample's vector scaled to length 1;
    an all-zero vector stays 0)."""

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis, "Invalid value for `axis` argument: expected an int "
                                         "or a list/tuple of ints. Received: axis=%s")
        self._build_at_init()

    def call(self, x):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.normalize(x, axis=axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for axis in axes:
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                                 f"{input_shape}.")
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
