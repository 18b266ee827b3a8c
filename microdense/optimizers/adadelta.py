"""Adadelta: steps scaled by the ratio of two running root-mean-squares, of past steps and of
past gradients, so each weight's step has the units of the weight."""
import numpy as np

from microdense.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as Keras writes it:

        a <- rho a + (1 - rho) g^2                          running mean of g^2
        delta = -sqrt(d + epsilon) g / sqrt(a + epsilon)    d: running mean of delta^2
        d <- rho d + (1 - rho) delta^2
        w <- w + lr delta
    """

    slots = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def update_step(self, weight, grad, state, learning_rate):
        rho, eps = self.rho, self.epsilon
        a, d = state["accumulated_grad"], state["accumulated_delta_var"]
        a *= rho
        a += (1 - rho) * np.square(grad)                   # a = rho a + (1 - rho) g^2
        delta = -(np.sqrt(d + eps) * grad) / np.sqrt(a + eps)
        d *= rho
        d += (1 - rho) * np.square(delta)                  # d = rho d + (1 - rho) delta^2
        weight += learning_rate * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
