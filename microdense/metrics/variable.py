"""A metric's state variable: a Tensor whose value is replaced in place (Keras's Variable).

    self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")
    self.true_positives.assign_add(ops.sum(values))        # in update_state
    return self.true_positives                             # in result: float() reads it
"""
import numpy as np

from microdense.tensor import Tensor


def _array(value):
    return np.asarray(value.data if isinstance(value, Tensor) else value)


class Variable(Tensor):
    """A Tensor with assign / assign_add / assign_sub, which overwrite its array in place (so
    whoever holds it sees the new value). It takes part in arithmetic as a constant: a metric's
    state is bookkeeping, never differentiated."""

    __slots__ = ()

    def assign(self, value):
        """variable <- value (broadcast to the variable's shape, cast to its dtype)."""
        np.copyto(self.data, _array(value), casting="unsafe")
        return self

    def assign_add(self, value):
        """variable <- variable + value."""
        return self.assign(self.data + _array(value))

    def assign_sub(self, value):
        """variable <- variable - value."""
        return self.assign(self.data - _array(value))

    @property
    def value(self):
        """The current value, as a Tensor that later assigns do not change."""
        return Tensor(self.data.copy())

    def __repr__(self):
        return f"<Variable {self.name} shape={self.shape} dtype={self.dtype} value={self.data}>"
