"""A metric's state variable: the same Variable add_weight returns (microdense/variables.py).

    self.true_positives = self.add_variable(shape=(), initializer="zeros", name="tp")
    self.true_positives.assign_add(ops.sum(values))        # in update_state
    return self.true_positives                             # in result: float() reads it

A metric's state is bookkeeping, never differentiated: its variables do not require grad.
"""
from microdense.variables import Variable  # noqa: F401
