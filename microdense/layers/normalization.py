"""Normalization: the preprocessing layer that standardizes inputs with a mean and variance
computed once from data by adapt(), as scikit-learn's StandardScaler does: preprocessing
inside the model (keras.layers.Normalization). BatchNormalization is in
batch_normalization.py.
"""
import itertools
import math

import numpy as np

from microdense import config, ops
from microdense.layers.base import Layer
from microdense.tensor import Tensor


class Normalization(Layer):
    """Standardize inputs: y = (x - mean) / max(sqrt(variance), epsilon), per position of the
    kept axes `axis` (default the last); with invert=True, y = mean + x * max(sqrt(variance),
    epsilon).

    mean and variance are given, or computed from data by adapt(data) (over every axis not
    in `axis`; the variance divided by n). Adapted values are weights that are not trained
    (`adapt_mean`, `adapt_variance`, `count`, saved as "mean", "variance", "count", as Keras);
    `layer.mean` and `layer.variance` are them shaped to broadcast against an input, e.g.
    (1, features), as Keras's.
    """

    supports_masking = True        # Keras's flag (see Layer)

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.invert = bool(invert)
        if (mean is None) != (variance is None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"When setting values directly, `mean` and `variance` must "
                                 f"have the same shape. Received: mean shape "
                                 f"{np.shape(mean)} and variance shape {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the "
                                 f"number of axes ({len(self.axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {self.axis}")
        self.input_mean = None if mean is None else np.asarray(mean, self.dtype)
        self.input_variance = None if variance is None else np.asarray(variance, self.dtype)
        self._fixed = None                 # (mean, variance) given, shaped to broadcast

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for a in self._keep_axis:
            if input_shape[a] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={tuple(input_shape)}, "
                                 f"with unknown axis at index {a}")
        self._reduce_axis = tuple(a for a in range(ndim) if a not in self._keep_axis)
        self._adapt_shape = tuple(input_shape[:])       # the shape adapt() must agree with
        self._broadcast_shape = tuple(input_shape[a] if a in self._keep_axis else 1
                                      for a in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[a] for a in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(self._mean_and_var_shape, "zeros", name="mean",
                                              trainable=False)
            self.adapt_variance = self.add_weight(self._mean_and_var_shape, "ones",
                                                  name="variance", trainable=False)
            self.count = self.add_weight((), "zeros", dtype="int32", name="count",
                                         trainable=False)
        else:
            self._fixed = tuple(Tensor(self._broadcast_given(value))
                                for value in (self.input_mean, self.input_variance))
        self.built = True

    def _broadcast_given(self, value):
        """A given mean (or variance) shaped to broadcast against the input: a scalar
        everywhere; otherwise its axes matched to the kept axes from the right, as Keras."""
        shape = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            shape[self._keep_axis[-i]] = value.shape[-i]
        value = value.reshape(shape) if value.ndim else value
        return np.broadcast_to(value, self._broadcast_shape).astype(self.dtype)

    @property
    def mean(self):
        """The mean shaped to broadcast against an input (None before build)."""
        return self._statistic(0)

    @property
    def variance(self):
        """The variance shaped to broadcast against an input (None before build)."""
        return self._statistic(1)

    def _statistic(self, which):
        if not self.built:
            return None
        if self._fixed is not None:
            return self._fixed[which]
        weight = self.adapt_mean if which == 0 else self.adapt_variance
        return ops.reshape(weight, self._broadcast_shape)

    # ---- adapt --------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Compute the mean and variance of `data` over every axis but `axis`, and store them
        in the layer. `data` is an array of samples, or batches of them: a list of arrays, a
        generator or iterator, or a PyDataset (an item may be (x, y) or (x, y, weights):
        only x counts). Batches are combined as they come, so the data need not fit in
        memory; `steps` stops after that many batches (for an endless generator)."""
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given mean and variance: adapt() "
                             f"would overwrite them.")
        if isinstance(data, (np.ndarray, Tensor)):
            batches = iter([data.data if isinstance(data, Tensor) else data])
        else:
            batches = _batches_of(data, self.name)
        if steps is not None:
            batches = itertools.islice(batches, int(steps))
        first = next(batches, None)
        if first is None:
            raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                             "least one batch. Pass a non-empty iterable of arrays, e.g. "
                             "layer.adapt([x]) or layer.adapt(list_of_batches).")
        first = _as_batch(first)
        if not self.built:                  # for the data's own shape, batch axis too, as
            self.build(tuple(first.shape))  # Keras (1-D data: one statistic per position)
            self._build_input_shape = (None,) + tuple(first.shape[1:])
        total = _RunningMoments()
        for batch in itertools.chain([first], batches):
            batch = _as_batch(batch)
            self._check_adapt_shape(batch.shape)
            total.add(batch, self._reduce_axis)
        self.adapt_mean.data[...] = total.mean.reshape(self.adapt_mean.shape)
        self.adapt_variance.data[...] = total.variance.reshape(self.adapt_variance.shape)

    def _check_adapt_shape(self, shape):
        if len(shape) != len(self._broadcast_shape) or any(
                shape[a] != self._broadcast_shape[a] for a in self._keep_axis):
            raise ValueError(f"The layer was built with input_shape={self._adapt_shape}, but "
                             f"adapt() is being called with data with an incompatible "
                             f"shape, data.shape={tuple(shape)}")

    def call(self, x):
        std = ops.maximum(ops.sqrt(self.variance), config.epsilon())
        if self.invert:
            return self.mean + x * std
        return (x - self.mean) / std

    def get_config(self):
        config = super().get_config()
        axis = self.axis[0] if len(self.axis) == 1 else (list(self.axis) or None)
        config.update({
            "axis": axis, "invert": self.invert,
            "mean": None if self.input_mean is None else self.input_mean.tolist(),
            "variance": None if self.input_variance is None else self.input_variance.tolist(),
        })
        return config


# ---- adapt's data: batches, and moments combined batch by batch ------------------------------

def _batches_of(data, name):
    """An iterator over the batches in `data`: a PyDataset (or any object with __len__ and
    __getitem__ that is not a list) by index, anything else iterable in its own order."""
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and \
            not isinstance(data, (list, tuple, dict, str)):
        return (data[index] for index in range(len(data)))
    if hasattr(data, "__iter__") or hasattr(data, "__next__"):
        return iter(data)
    raise TypeError(f"Unsupported data type: {type(data)}. adapt() of layer '{name}' takes "
                    f"an array, or batches of arrays: a list, a generator, an iterator or a "
                    f"PyDataset.")


def _as_batch(item):
    """The x of one batch, as a float64 array; (x, y) and (x, y, weights) give x."""
    if isinstance(item, tuple):
        item = item[0]
    if isinstance(item, Tensor):
        item = item.data
    if not hasattr(item, "shape"):
        raise TypeError(f"adapt() expects an iterable that yields arrays or tensors with a "
                        f"`.shape` attribute (e.g. numpy arrays). Got an element of type "
                        f"{type(item).__name__}. A list passed to adapt() is a list of "
                        f"batches: for one array of samples pass np.array(data).")
    return np.asarray(item, dtype=np.float64)


class _RunningMoments:
    """Mean and variance (divided by n) of everything seen so far, updated one batch at a
    time (the lack-of-fit sum of squares, as Keras): with w = n_batch / n_total,
        mean' = (1 - w) mean + w mean_b
        var'  = (1 - w) (var + (mean - mean')^2) + w (var_b + (mean_b - mean')^2)."""

    def __init__(self):
        self.count, self.mean, self.variance = 0, 0.0, 0.0

    def add(self, batch, reduce_axes):
        batch_mean = np.mean(batch, axis=reduce_axes)
        batch_variance = np.var(batch, axis=reduce_axes)
        batch_count = math.prod(batch.shape[a] for a in reduce_axes)
        if batch_count == 0:
            return
        self.count += batch_count
        weight = batch_count / self.count
        mean = (1 - weight) * self.mean + weight * batch_mean
        self.variance = ((1 - weight) * (self.variance + (self.mean - mean) ** 2)
                         + weight * (batch_variance + (batch_mean - mean) ** 2))
        self.mean = mean
