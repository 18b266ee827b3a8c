"""Metrics, as in Keras 3: running, weighted means over every batch seen since reset_state().

    acc = md.metrics.BinaryAccuracy()          # keras.metrics.BinaryAccuracy()
    acc.update_state(y_true, y_pred)           # batch 1
    acc.update_state(y_true2, y_pred2)         # batch 2
    acc.result()                               # fraction correct over both batches (a float)

A metric keeps two numbers, total and count, so after an epoch its result is the mean over all
samples, exactly what Keras logs (not the mean of batch means). Metrics work on plain ndarrays
and never record a graph. Totals are kept in float64 (Keras keeps float32; the results agree to
float32 rounding).

`get(identifier)` is what `compile(metrics=[...])` uses: the metric's `name` is the string you
passed ("accuracy", "acc", "mse"), as in Keras's logs, and "accuracy"/"acc" becomes binary,
categorical or sparse categorical accuracy from the shapes of the first batch, as Keras 3's
compile_utils.get_metric does.
"""
import inspect

import numpy as np

from microdense import config, losses, registry
from microdense.metrics.variable import Variable
from microdense.naming import to_snake_case
from microdense.tensor import Tensor, no_grad


def _array(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _same_rank(y_true, y_pred):
    """(n,) against (n, 1) becomes (n, 1) against (n, 1), as Keras's squeeze_or_expand."""
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        return (y_true[..., None], y_pred) if y_true.ndim == 1 else (y_true, y_pred[..., 0])
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return (y_true, y_pred[..., None]) if y_pred.ndim == 1 else (y_true[..., 0], y_pred)
    return y_true, y_pred


# ---- per-sample functions on ndarrays: 1.0 where right, 0.0 where wrong ------------------

def accuracy(y_true, y_pred):
    """y_true == y_pred, elementwise."""
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """y_true == (y_pred > threshold), elementwise."""
    y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
    return (y_true == (y_pred > threshold)).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred) over the last axis (one-hot labels)."""
    return (np.argmax(_array(y_true), -1) == np.argmax(_array(y_pred), -1)).astype(
        config.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """y_true == argmax(y_pred) over the last axis (integer labels, shape (n,) or (n, 1))."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true == np.argmax(y_pred, -1)).astype(config.floatx())


# ---- stateful metrics --------------------------------------------------------------------

class Metric:
    """Base class: update_state(...) accumulates, result() -> a number, reset_state() forgets.

    Your own metric, as in Keras: keep the state in variables made by add_variable (or
    add_weight), change them with assign / assign_add in update_state, and compute the value
    in result. The default reset_state sets every such variable back to zeros.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or config.floatx()
        self._variables = []

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A state Variable of `shape`, filled by `initializer` ("zeros", a class, ...)."""
        from microdense import initializers      # initializers import nothing from here
        if not hasattr(self, "_variables"):       # a subclass that skipped super().__init__
            raise RuntimeError(f"{type(self).__name__}.__init__ must call "
                               f"super().__init__(...) before add_variable.")
        dtype = dtype or self.dtype
        shape = () if shape is None else tuple(shape)
        value = np.asarray(initializers.get(initializer)(shape, dtype=dtype), dtype=dtype)
        name = name or f"variable_{len(self._variables)}"
        variable = Variable(value, dtype=value.dtype, trainable=False,
                            name=f"{self.name}/{name}")
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras's other spelling of add_variable (initializer defaults to zeros)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self):
        """The state Variables made by add_variable, in order."""
        return list(getattr(self, "_variables", []))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define update_state.")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must define result.")

    def reset_state(self):
        """Every state variable back to zeros (Keras's default)."""
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        result = np.asarray(getattr(self.result(), "data", self.result()))
        shown = f"{float(result):.4g}" if result.size == 1 else str(result)
        return f"<{type(self).__name__} name={self.name!r} result={shown}>"


class Mean(Metric):
    """Weighted mean of everything seen: sum(w * value) / sum(w) (w = 1 without weights).

    A value per sample counts once; values with more axes (batch, d) are first averaged over
    the extra axes, as Keras's reduce_to_samplewise_values does.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = _array(values).astype(np.float64)
        if sample_weight is not None:
            weights = _array(sample_weight).astype(np.float64)
            values, weights = _same_rank(values, weights)
            if values.ndim > weights.ndim:       # one weight per sample: average the rest
                values = values.mean(axis=tuple(range(weights.ndim, values.ndim)))
            weights = np.broadcast_to(weights, values.shape)
            values = values * weights
            if weights.ndim > 1:
                weights = weights.mean(axis=tuple(range(1, weights.ndim)))
        if values.ndim > 1:
            values = values.mean(axis=tuple(range(1, values.ndim)))
        self.total += float(np.sum(values))
        if sample_weight is not None:
            self.count += float(np.sum(weights))
        else:
            self.count += values.shape[0] if values.ndim else 1

    def result(self):
        return self.total / self.count if self.count else 0.0       # Keras's divide_no_nan

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0


class MeanMetricWrapper(Mean):
    """The running mean of fn(y_true, y_pred, **kwargs), a per-sample function (any loss
    function works: its Tensor result is read without recording a graph)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        with no_grad():
            values = self._fn(_array(y_true), _array(y_pred), **self._fn_kwargs)
        super().update_state(_array(values), sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:          # subclasses know their own function
            config["fn"] = serialize_function(self._fn)
        return {**config, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            config = {**config, "fn": deserialize_function(config["fn"])}
        return cls(**config)


class Accuracy(MeanMetricWrapper):
    """Fraction of entries where y_pred == y_true exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """Fraction of entries where (y_pred > threshold) == y_true (0/1 labels)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples where argmax(y_pred) == argmax(y_true) (one-hot labels)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples where argmax(y_pred) == y_true (integer labels)."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of mean((y_true - y_pred)^2) per sample."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of mean(|y_true - y_pred|) per sample."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name, dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of 100 * mean(|y_true - y_pred| / max(|y_true|, epsilon)) per sample."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(losses.mean_absolute_percentage_error, name, dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the running mean of (y_pred - y_true)^2 over every value seen (Keras: the
    square root is taken of the epoch's mean, not averaged over batches)."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _same_rank(_array(y_true), _array(y_pred))
        super().update_state(np.square(y_pred.astype(np.float64) - y_true), sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of losses.binary_crossentropy per sample."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of losses.categorical_crossentropy per sample."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of losses.sparse_categorical_crossentropy per sample."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype,
                         from_logits=from_logits, axis=axis)


class ShapeChosenAccuracy(MeanMetricWrapper):
    """compile's "accuracy": on the first batch, Keras 3's rule picks the kind —
    y_pred's last axis is 1: binary; y_true has fewer axes than y_pred, or a last axis of 1
    against y_pred's > 1: sparse categorical; otherwise categorical."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(None, name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._fn is None:
            self._fn = accuracy_function_for(np.shape(y_true), np.shape(y_pred))
        super().update_state(y_true, y_pred, sample_weight)


def accuracy_function_for(y_true_shape, y_pred_shape):
    """The accuracy Keras 3's compile would pick for targets and predictions of these shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


# ---- finding metrics by name ---------------------------------------------------------------

# The confusion and top-k metrics subclass Metric and MeanMetricWrapper, defined above:
# imported here, not at the top.
from microdense.metrics.confusion import (  # noqa: E402
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives)
from microdense.metrics.top_k import (  # noqa: E402
    SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy)

_CLASSES = [Mean, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
            RootMeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, Precision, Recall, AUC,
            MeanAbsolutePercentageError, TruePositives, FalsePositives, TrueNegatives,
            FalseNegatives]
_FUNCTIONS = [accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy]

# Keras's table (keras/src/metrics/__init__.py): class names, their snake_case, short aliases.
ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS.update({"mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
                    "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
                    "MAPE": MeanAbsolutePercentageError, "bce": BinaryCrossentropy,
                    "BCE": BinaryCrossentropy})


def get(identifier, loss=None):
    """The metric compile(metrics=[identifier]) uses, named as Keras logs it.

    A string keeps its spelling as the name ("acc" logs as "acc"); "accuracy"/"acc" gives a
    ShapeChosenAccuracy (the kind is fixed from the first batch's shapes, as in Keras 3, whose
    rule ignores the loss: `loss` is accepted for callers but does not change the choice).
    Other names: metric classes and aliases ("mse", "mae", "binary_accuracy"), then loss
    functions ("hinge", "kld") as running means, then registered custom functions.
    A Metric instance is returned as is; a class is instantiated; a function is wrapped.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return ShapeChosenAccuracy(name=identifier)
        loss_function = losses.ALL_OBJECTS.get(identifier)
        if not inspect.isfunction(loss_function):
            loss_function = None                 # a Loss class is not a per-sample function
        found = (ALL_OBJECTS.get(identifier) or loss_function
                 or registry.get_registered_object(identifier))
        if found is None:
            known = list(ALL_OBJECTS) + ["accuracy", "acc"] + [
                name for name, obj in losses.ALL_OBJECTS.items() if inspect.isfunction(obj)]
            raise registry.unknown_name_error("metric", identifier, known)
        metric = get(found)
        metric.name = identifier
        return metric
    if isinstance(identifier, Metric):
        return identifier
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "name", None) or to_snake_case(
            getattr(identifier, "__name__", type(identifier).__name__))
        return MeanMetricWrapper(identifier, name=name)
    raise ValueError(f"Could not interpret metric identifier {identifier!r}: expected a name, a "
                     f"Metric, a Metric class or a function (y_true, y_pred) -> values.")


def serialize(metric):
    """{"class_name": ..., "config": ...} for a Metric."""
    return registry.serialize_object(metric)


def deserialize(config, custom_objects=None):
    """The metric `serialize` described."""
    classes = {**ALL_OBJECTS, "MeanMetricWrapper": MeanMetricWrapper,
               "ShapeChosenAccuracy": ShapeChosenAccuracy}
    return registry.deserialize_object(config, classes, "metric", custom_objects)


def serialize_function(fn):
    """A metric function's name: built-in ("binary_accuracy", "mean_squared_error") or the
    name a user's function was registered under ("Custom>my_error")."""
    return registry.serialize_object(fn)


def deserialize_function(name, custom_objects=None):
    """The function `serialize_function` named: ours, a loss function, or a user's."""
    table = {fn.__name__: fn for fn in _FUNCTIONS}
    table.update({key: obj for key, obj in losses.ALL_OBJECTS.items() if inspect.isfunction(obj)})
    return registry.deserialize_object(name, table, "metric function", custom_objects)
