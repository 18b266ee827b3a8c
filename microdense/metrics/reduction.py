"""Sum, Mean and MeanMetricWrapper, as Keras 3's keras/src/metrics/reduction_metrics.py.

    Sum:  total += sum(w * value)                   result = total
    Mean: total += sum(w * value), count += sum(w)  result = total / count (0 if count is 0)

A value per sample counts once: values with more axes than the weights, (batch, d) against
(batch,), are first averaged (Sum: summed) over the extra axes, as Keras's
reduce_to_samplewise_values does. So after an epoch a Mean holds the mean over every sample,
exactly what Keras logs, not a mean of batch means. The state is two Variables, "total" and
"count", of the metric's dtype (float32); a batch's numbers are computed in float64 on plain
ndarrays, never recording a graph.
"""
import numpy as np

from microdense import losses, registry
from microdense.metrics.metric import Metric
from microdense.tensor import Tensor, no_grad


def as_array(x):
    """The ndarray of a Tensor, array, list or number."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def same_rank(x1, x2, expand_rank_1=True):
    """Keras's squeeze_or_expand_to_same_rank on ndarrays: when the ranks differ by one and
    the longer has a last axis of 1, (n,) and (n, 1) become (n, 1) and (n, 1) (or both (n,)
    with expand_rank_1=False; ranks above 1 lose the axis of 1)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, x2[..., None]) if x2.ndim == 1 and expand_rank_1 else (x1[..., 0], x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (x1[..., None], x2) if x1.ndim == 1 and expand_rank_1 else (x1, x2[..., 0])
    return x1, x2


def reduce_to_samplewise_values(values, sample_weight, reduce_fn):
    """(one value per sample, the weights reduced alike), as Keras: values are reduced over
    the axes the weights lack, multiplied by the weights, then reduced to one per sample;
    weights with extra axes are averaged over them."""
    values = as_array(values).astype(np.float64)
    if sample_weight is not None:
        sample_weight = as_array(sample_weight).astype(np.float64)
        values, sample_weight = same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = np.mean(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The weighted sum of every value seen: total += sum(w * value)."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, np.sum)
        self.total.assign_add(values.sum())

    def result(self):
        return float(self.total.data)


class Mean(Metric):
    """The weighted mean of every value seen: sum(w * value) / sum(w) (w = 1 without weights).
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, np.mean)
        self.total.assign_add(values.sum())       # (the method: half np.sum's call overhead)
        if sample_weight is not None:
            self.count.assign_add(sample_weight.sum())
        else:
            self.count.assign_add(values.shape[0] if values.ndim else 1)

    def result(self):
        count = float(self.count.data)
        return float(self.total.data) / count if count else 0.0     # Keras's divide_no_nan


class MeanMetricWrapper(Mean):
    """The running mean of fn(y_true, y_pred, **kwargs), a per-sample function (any loss
    function works: its Tensor result is read without recording a graph)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if fn in losses.ALL_OBJECTS.values():     # a loss: smaller is better, as Keras says
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        with no_grad():
            values = self._fn(as_array(y_true), as_array(y_pred), **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self):
        config = {**super().get_config(), "fn": registry.serialize_object(self._fn)}
        return {**config, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            functions = registry.builtin_objects("metric functions")   # metrics/__init__.py's
            config = {**config, "fn": registry.deserialize_object(config["fn"], functions,
                                                                  "metric function")}
        return cls(**config)
