"""The Metric, as keras.Metric: state Variables that update_state changes, result reads and
reset_state zeroes.

    class BinaryTruePositives(Metric):                 # keras.metrics.Metric's own example
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros",
                                                    name="true_positives")
        def update_state(self, y_true, y_pred, sample_weight=None):
            self.true_positives.assign_add(...)
        def result(self):
            return self.true_positives

A metric's state is a list of Variables (`metric.variables`, each named as given: "total",
"count", "true_positives"), the same Variable class a layer's weights are (variables.py), made
non-trainable. Keras's Metric.__setattr__ tracking: a Variable or a Metric assigned to an
attribute (alone, or in lists, tuples and dicts at any depth) becomes part of the metric, so a
metric made of metrics lists, resets and saves its parts' variables as its own.

The stateless_* methods are Keras's functional form (state in, state out): they run the
method on the given values and leave the metric's own variables as they were.
"""
import contextlib

import numpy as np

from microdense import config
from microdense.metrics.variable import Variable
from microdense.naming import to_snake_case
from microdense.tensor import Tensor


def _dtype_name(dtype):
    """"float32" from a dtype, its name, or a dtype policy (its compute dtype)."""
    dtype = getattr(dtype, "compute_dtype", dtype)
    return str(np.dtype(dtype or config.floatx()))


def _parts(value):
    """The Variables and Metrics in an attribute's value: itself, or inside lists, tuples
    and dicts (any depth), in order."""
    stack, found = [value], []
    while stack:
        item = stack.pop()
        if isinstance(item, (Variable, Metric)):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return found


class Metric:
    """Base class: update_state(...) accumulates, result() -> the value, reset_state() forgets.

    Metric(dtype=None, name=None): dtype is the state's dtype (floatx(), float32, by default);
    name defaults to the class name in snake_case.
    """

    def __init__(self, dtype=None, name=None):
        self.__dict__["_variables"] = []       # own state, in creation order
        self.__dict__["_metrics"] = []         # metrics assigned as attributes
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = _dtype_name(dtype)

    @property
    def dtype(self):
        """The dtype of the state and the result (read-only, as Keras's)."""
        return self._dtype

    # ---- tracking: Keras's Metric.__setattr__ -----------------------------------------------
    def __setattr__(self, name, value):
        """A Variable or Metric assigned to an attribute (also inside lists, tuples and
        dicts) joins this metric's state, each once."""
        if "_variables" in self.__dict__ and type(value) not in (int, float, str, bool):
            for part in _parts(value):
                store = self._variables if isinstance(part, Variable) else self._metrics
                if part is not self and not any(part is own for own in store):
                    store.append(part)
        super().__setattr__(name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call "
                               f"super().__init__(...) before add_variable or using the "
                               f"metric.")

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A non-trainable state Variable of `shape`, filled by `initializer` ("zeros", an
        initializer object, ...). `aggregation` is Keras's distribution setting, accepted."""
        self._check_super_called()
        variable = Variable(initializer, shape=() if shape is None else tuple(shape),
                            dtype=dtype or self._dtype, trainable=False,
                            aggregation=aggregation, name=name)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras's other spelling of add_variable (initializer defaults to zeros)."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self):
        """The state: own Variables, then those of the metrics assigned as attributes."""
        variables = list(self.__dict__.get("_variables", ()))
        for metric in self.__dict__.get("_metrics", ()):
            variables.extend(metric.variables)
        return variables

    # ---- what a metric does ----------------------------------------------------------------
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
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    # ---- Keras's stateless forms: state in, state out --------------------------------------
    @contextlib.contextmanager
    def _state_swapped(self, values):
        """The variables hold `values` (None: their own) inside the block; after it, their
        own values again."""
        variables = self.variables
        if values is not None and len(values) != len(variables):
            raise ValueError(f"Argument `metric_variables` must be a list of tensors "
                             f"corresponding 1:1 to {type(self).__name__}().variables. "
                             f"Received list with length {len(values)}, but expected "
                             f"{len(variables)} variables.")
        saved = [variable.numpy() for variable in variables]
        try:
            for variable, value in zip(variables, values or ()):
                variable.assign(value)
            yield variables
        finally:
            for variable, value in zip(variables, saved):
                variable.assign(value)

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """The variables' new values after update_state(*args) from `metric_variables`."""
        with self._state_swapped(metric_variables) as variables:
            self.update_state(*args, **kwargs)
            return [variable.numpy() for variable in variables]

    def stateless_result(self, metric_variables):
        """result() computed from `metric_variables`."""
        with self._state_swapped(metric_variables):
            result = self.result()
            return result.numpy() if isinstance(result, Tensor) else result

    def stateless_reset_state(self):
        """The variables' values after reset_state()."""
        with self._state_swapped(None) as variables:
            self.reset_state()
            return [variable.numpy() for variable in variables]

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
