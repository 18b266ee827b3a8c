"""Adamax: Adam with the infinity norm in place of the root-mean-square of gradients."""
import numpy as np

from microdense.optimizers.base import Optimizer, _scalar


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7.1), as Keras writes it, t = iterations + 1:

        m <- m + (g - m)(1 - beta_1)          u <- max(beta_2 u, |g|)
        w <- w - lr m / ((1 - beta_1^t)(u + epsilon))
    """

    slots = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def update_step(self, weight, grad, state, learning_rate):
        beta_1_power = _scalar(self.beta_1, weight) ** _scalar(self._steps_done + 1, weight)
        m, u = state["momentum"], state["norm"]
        m += (grad - m) * (1 - self.beta_1)
        np.maximum(self.beta_2 * u, np.abs(grad), out=u)
        weight -= (learning_rate * m) / ((1 - beta_1_power) * (u + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
