"""Adagrad: per-weight step sizes that shrink with the sum of past squared gradients."""
import numpy as np

from microdense.optimizers.base import Optimizer, square_array


class Adagrad(Optimizer):
    """Adagrad: a <- a + g^2, w <- w - lr g / sqrt(a + epsilon), with a starting at
    initial_accumulator_value: weights with large past gradients take smaller steps."""

    slots = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _init_state(self, state):
        state["accumulator"][...] = self.initial_accumulator_value

    def update_step(self, weight, grad, state, learning_rate):
        a = state["accumulator"]
        scratch = square_array(grad)
        a += scratch                                       # a += g^2
        np.add(a, self.epsilon, out=scratch)
        np.sqrt(scratch, out=scratch)                      # sqrt(a + eps)
        step = grad * learning_rate
        step /= scratch
        weight -= step

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value":
                self.initial_accumulator_value, "epsilon": self.epsilon}
