"""RMSprop: steps divided by a running root-mean-square of recent gradients."""
import numpy as np

from microdense.optimizers.base import Optimizer, square_array


class RMSprop(Optimizer):
    """RMSprop: v <- rho v + (1 - rho) g^2, step = lr g / sqrt(v + epsilon), w <- w - step.

    centered: also a <- rho a + (1 - rho) g and the denominator is sqrt(v - a^2 + epsilon).
    momentum > 0: m <- momentum m + step, w <- w - m.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self.slots = (("velocity",) + (("momentum",) if momentum > 0 else ())
                      + (("average_gradient",) if centered else ()))

    def slot_groups(self):
        return [(name,) for name in self.slots]       # all velocities, then all momentums

    def update_step(self, weight, grad, state, learning_rate):
        rho = self.rho
        v = state["velocity"]
        scratch = square_array(grad)
        scratch *= 1 - rho
        v *= rho
        v += scratch                                       # v = rho v + (1 - rho) g^2
        if self.centered:
            a = state["average_gradient"]
            np.multiply(grad, 1 - rho, out=scratch)
            a *= rho
            a += scratch                                   # a = rho a + (1 - rho) g
            np.square(a, out=scratch)
            np.subtract(v, scratch, out=scratch)
            scratch += self.epsilon                        # v - a^2 + eps
        else:
            np.add(v, self.epsilon, out=scratch)           # v + eps
        np.sqrt(scratch, out=scratch)
        step = grad * learning_rate
        step /= scratch                                    # lr g / sqrt(...)
        if self.momentum > 0:
            m = state["momentum"]
            m *= self.momentum
            m += step
            weight -= m
        else:
            weight -= step

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
