"""FTRL-proximal (McMahan et al., 2013): per-weight learning rates, as Adagrad's, with L1 and
L2 penalties solved in closed form, so an L1 penalty sets weights exactly to 0."""
import numpy as np

from microdense.optimizers.base import Optimizer


class Ftrl(Optimizer):
    """FTRL, as Keras writes it, with p = -learning_rate_power (1/2 by default):

        n_new = n + g^2                                      n starts at initial_accumulator_value
        z <- z + g + 2 l2_shrinkage w - (n_new^p - n^p) / lr * w
        w <- (clip(z, -l1, l1) - z) / (n_new^p / lr + 2 (l2 + beta / (2 lr)))
        n <- n_new
    """

    slots = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        for argument, value in (("initial_accumulator_value", initial_accumulator_value),
                                ("l1_regularization_strength", l1_regularization_strength),
                                ("l2_regularization_strength", l2_regularization_strength),
                                ("l2_shrinkage_regularization_strength",
                                 l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{argument}` needs to be positive or zero. Received: "
                                 f"{argument}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(f"`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _init_state(self, state):
        state["accumulator"][...] = self.initial_accumulator_value

    def update_step(self, weight, grad, state, learning_rate):
        n, z = state["accumulator"], state["linear"]
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        grad_to_use = grad + 2 * self.l2_shrinkage_regularization_strength * weight
        new_n = n + np.square(grad)
        z += grad_to_use - (np.power(new_n, power) - np.power(n, power)) / learning_rate * weight
        quadratic = np.power(new_n, power) / learning_rate + 2 * l2
        weight[...] = (np.clip(z, -l1, l1) - z) / quadratic
        n[...] = new_n

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
