"""Weight constraints, named and defined as in Keras 3 (keras.constraints).

A constraint maps a weight array to its projection onto an allowed set (norms at most 2,
non-negative values, ...). It is not part of the loss and has no gradient: the optimizer
applies it to the weight right after each update, as Keras's optimizer does:

    Dense(64, kernel_constraint=md.constraints.MaxNorm(2.0))   # keras.constraints.MaxNorm(2.0)
    # after every step: kernel <- kernel * clip(norm, 0, 2) / (epsilon + norm), per column

Norms are taken over `axis` (0 by default: for a Dense kernel of shape (inputs, units), the
weights coming into each unit). Any function array -> array works as a constraint too.
"""
import inspect

import numpy as np

from microdense import config, registry
from microdense.tensor import Tensor


def _column_norms(w, axis):
    """sqrt(sum(w^2)) over `axis`, kept for broadcasting back against w."""
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint(registry.Configurable):
    """Base class: `__call__(w) -> projected w` (an ndarray of w's shape), `get_config()`.
    The base constraint leaves w as it is."""

    def __call__(self, w):
        return w


class MaxNorm(Constraint):
    """Norms above max_value are scaled down to it: w * clip(norm, 0, max_value) /
    (epsilon + norm)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _column_norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Negative weights become 0: max(w, 0)."""

    def __call__(self, w):
        return np.maximum(w, 0)


class UnitNorm(Constraint):
    """Every norm becomes (almost) 1: w / (epsilon + norm)."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (config.epsilon() + _column_norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms are moved into [min_value, max_value]: w * desired / (epsilon + norm), with
    desired = rate * clip(norm, min_value, max_value) + (1 - rate) * norm (rate 1: at once;
    below 1: a step of that size towards the interval, each update)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _column_norms(w, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras's lower-case spellings of the classes.
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm


# ---- applying them (the optimizer calls this after each update) ----------------------------

def apply_constraints(weights):
    """w <- w.constraint(w), in place, for each weight that has a constraint (Keras's
    optimizer does this right after applying the gradients)."""
    for weight in weights:
        constraint = weight.constraint
        if constraint is None:
            continue
        projected = constraint(weight.data)
        projected = np.asarray(projected.data if isinstance(projected, Tensor) else projected)
        if projected.shape != weight.data.shape:
            raise ValueError(f"The constraint {constraint!r} of weight {weight.name} returned "
                             f"shape {projected.shape}; it must keep the weight's shape "
                             f"{weight.data.shape}.")
        # In place, so the layer, the optimizer's state and any graph keep the same array.
        np.copyto(weight.data, projected, casting="same_kind")


# ---- finding constraints by name -----------------------------------------------------------

_CLASSES = [Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm]
ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({"max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
                    "unit_norm": UnitNorm, "constraint": Constraint})


def serialize(constraint):
    """{"class_name": "MaxNorm", "config": {...}}, or a function's (registered) name."""
    return registry.serialize_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint `serialize` described."""
    return registry.deserialize_object(config, ALL_OBJECTS, "constraint", custom_objects)


def get(identifier):
    """A constraint from a name ("max_norm", "NonNeg"), a config dict, a class, an instance or
    any function array -> array. None gives None."""
    if identifier is None:
        return None
    if inspect.isclass(identifier) and not issubclass(identifier, Constraint):
        raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
    return registry.get_object(identifier, ALL_OBJECTS, "constraint",
                            "a name such as 'max_norm', a Constraint, a function w -> w, or a "
                            "config dict", deserialize=deserialize)
