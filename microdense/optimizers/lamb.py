"""Lamb: Adam's step rescaled per weight to the size of the weight (You et al., 2019), for
large batches."""
import numpy as np

from microdense.optimizers.base import Optimizer, _scalar


class Lamb(Optimizer):
    """Lamb, as Keras writes it, t = iterations + 1:

        m <- m + (g - m)(1 - beta_1)          v <- v + (g^2 - v)(1 - beta_2)
        update = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)
        w <- w - lr (|w| / |update|) update   (the ratio is 1 if either norm is 0)
    """

    slots = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def update_step(self, weight, grad, state, learning_rate):
        t = _scalar(self._steps_done + 1, weight)
        beta_1_power = _scalar(self.beta_1, weight) ** t
        beta_2_power = _scalar(self.beta_2, weight) ** t
        m, v = state["momentum"], state["velocity"]
        m += (grad - m) * (1 - self.beta_1)
        v += (np.square(grad) - v) * (1 - self.beta_2)
        update = (m / (1.0 - beta_1_power)) / (np.sqrt(v / (1.0 - beta_2_power)) + self.epsilon)
        weight_norm = np.sqrt(np.sum(np.square(weight)))
        update_norm = np.sqrt(np.sum(np.square(update)))
        ratio = weight_norm / update_norm if weight_norm > 0 and update_norm > 0 else 1.0
        weight -= ratio * learning_rate * update

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
