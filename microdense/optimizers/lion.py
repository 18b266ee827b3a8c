"""Lion: the sign of a momentum-blended gradient (Chen et al., 2023, found by program search)."""
import numpy as np

from microdense.optimizers.base import Optimizer


class Lion(Optimizer):
    """Lion, as Keras writes it: every entry moves by exactly lr, in the direction of

        w <- w - lr sign(beta_1 m + (1 - beta_1) g)
        m <- beta_2 m + (1 - beta_2) g             (the momentum is updated after the step)
    """

    slots = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def update_step(self, weight, grad, state, learning_rate):
        m = state["momentum"]
        weight -= learning_rate * np.sign(m * self.beta_1 + grad * (1.0 - self.beta_1))
        m *= self.beta_2
        m += grad * (1.0 - self.beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
