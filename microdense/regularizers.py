"""Weight penalties, named and defined as in Keras 3 (keras.regularizers).

A regularizer maps a weight tensor to a scalar Tensor that the layer adds to the loss. It is
made of ordinary ops, so its gradient (l1 * sign(w), 2 * l2 * w) comes from the engine:

    Dense(64, kernel_regularizer=md.regularizers.L2(1e-4))   # Keras: keras.regularizers.L2(1e-4)

Any function weight -> scalar Tensor works as a regularizer too.
"""
import inspect
import math

import numpy as np

from microdense import ops, registry
from microdense.tensor import Tensor, as_tensor, literal


def validate_float_arg(value, name):
    """A penalty factor as Keras checks it: a finite number >= 0, returned as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float; "
                         f"got {name}={value!r}.")
    return float(value)


def _factor(value, name):
    """A penalty factor; None means 0, as in Keras."""
    return 0.0 if value is None else validate_float_arg(value, name)


class Regularizer(registry.Configurable):
    """Base class: `__call__(weight) -> scalar Tensor`, `get_config()`, `from_config()`."""

    def __call__(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(x).")

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must define get_config().")


class L1(Regularizer):
    """L1 penalty: l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(as_tensor(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty: l2 * sum(x^2)."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = as_tensor(x)
        return self.l2 * ops.sum(x * x)

    def get_config(self):
        return {"l2": self.l2}


class L1L2(Regularizer):
    """L1 plus L2 penalty: l1 * sum(|x|) + l2 * sum(x^2). Both default to 0, as in Keras."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1")
        self.l2 = _factor(l2, "l2")

    def __call__(self, x):
        x = as_tensor(x)
        terms = []                       # only the nonzero penalties: no "+ 0" in drawings
        if self.l1:
            terms.append(self.l1 * ops.sum(ops.abs(x)))
        if self.l2:
            terms.append(self.l2 * ops.sum(x * x))
        if not terms:
            return Tensor(0.0, dtype=x.dtype)
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalty on rows (or columns) that are not orthogonal to each other:
    factor * 0.5 * mean over pairs i < j of |cos(angle(v_i, v_j))|, i.e.
    factor * 0.5 * sum(|V V^T| off the diagonal) / (n (n - 1) / 2) for the n unit-length
    rows of a 2-d weight (mode="rows"), or its columns (mode="columns")."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid value for argument `mode`. Expected one of "
                             f"{{\"rows\", \"columns\"}}. Received: mode={mode}")
        self.mode = mode

    def __call__(self, x):
        x = as_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={x.shape}")
        if self.mode == "columns":
            x = ops.transpose(x)
        v = ops.normalize(x, axis=1)                        # unit-length rows
        cosines = v @ ops.transpose(v)                      # (n, n), 1 on the diagonal
        n = x.shape[0]
        off_diagonal = literal((1.0 - np.eye(n)).astype(x.dtype))
        pairs = n * (n - 1.0) / 2.0
        return self.factor * 0.5 * ops.sum(ops.abs(cosines * off_diagonal)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras exports the classes under lower-case names too.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

# ---- looking regularizers up by name -------------------------------------------------------

ALL_REGULARIZERS = {"L1": L1, "L2": L2, "L1L2": L1L2, "l1": L1, "l2": L2, "l1l2": L1L2,
                    "l1_l2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer,
                    "orthogonal_regularizer": OrthogonalRegularizer}


def get(identifier):
    """A regularizer from a name ('l1', 'l2', 'l1_l2'), a serialized dict, a class, or any
    callable (returned as is). None gives None.

    'l1_l2' means L1L2(l1=0.01, l2=0.01), as the Keras docstring promises for the string
    (the class's own defaults are 0).
    """
    if identifier is None:
        return None
    if identifier == "l1_l2":
        return L1L2(l1=0.01, l2=0.01)
    return registry.get_object(identifier, ALL_REGULARIZERS, "regularizer",
                            "'l1', 'l2', 'l1_l2', a regularizer, or a function weight -> scalar",
                            known=("l1", "l2", "l1_l2", "orthogonal_regularizer"))


def serialize(regularizer):
    """{"class_name": "L2", "config": {"l2": 0.01}}; a plain function's name."""
    return registry.serialize_object(regularizer)


def deserialize(config, custom_objects=None):
    """Rebuild a regularizer from `serialize`'s output (or a name)."""
    return registry.deserialize_object(config, ALL_REGULARIZERS, "regularizer", custom_objects)
