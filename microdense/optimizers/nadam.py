"""Nadam: Adam with Nesterov momentum (Dozat, 2016), as Keras writes it."""
import numpy as np

from microdense.config import floatx
from microdense.optimizers.base import Optimizer, _scalar
from microdense.variables import Variable


class Nadam(Optimizer):
    """Nadam, t = iterations + 1, with the momentum schedule u_t = beta_1 (1 - 0.96^t / 2) and
    its running product P_t = u_1 u_2 ... u_t:

        m <- m + (g - m)(1 - beta_1)          v <- v + (g^2 - v)(1 - beta_2)
        m_hat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t)
        v_hat = v / (1 - beta_2^t)
        w <- w - lr m_hat / (sqrt(v_hat) + epsilon)
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
        self._products = {}        # dtype -> (t, P_t): the running product, one step at a time

    def _u(self, t, like):
        """u_t = beta_1 (1 - 0.96^t / 2), in the weight's dtype."""
        return _scalar(self.beta_1, like) * (1.0 - 0.5 * _scalar(0.96, like) ** _scalar(t, like))

    def _product(self, t, like):
        """P_t = u_1 ... u_t, multiplied in the same order as Keras's running variable. Kept
        from step to step; recomputed from P_0 = 1 when iterations went back (set_state)."""
        done, product = self._products.get(like.dtype, (0, _scalar(1.0, like)))
        if done > t:
            done, product = 0, _scalar(1.0, like)
        for step in range(done + 1, t + 1):
            product = product * self._u(step, like)
        self._products[like.dtype] = (t, product)
        return product

    @property
    def _u_product(self):
        """Keras's running-product Variable: P_t in the first weight's dtype (a copy; the
        product itself is kept per dtype in _products)."""
        dtype = self._trainable_variables[0].data.dtype if self._trainable_variables \
            else np.dtype(floatx())
        _, product = self._products.get(dtype, (0, 1.0))
        return Variable(product, dtype=dtype, trainable=False, name="u_product")

    def update_step(self, weight, grad, state, learning_rate):
        t = self._steps_done + 1
        u_t, u_next = self._u(t, weight), self._u(t + 1, weight)
        product = self._product(t, weight)
        beta_2_power = _scalar(self.beta_2, weight) ** _scalar(t, weight)
        m, v = state["momentum"], state["velocity"]
        m += (grad - m) * (1 - self.beta_1)
        v += (np.square(grad) - v) * (1 - self.beta_2)
        m_hat = (u_next * m) / (1 - product * u_next) + ((1 - u_t) * grad) / (1 - product)
        v_hat = v / (1 - beta_2_power)
        weight -= (m_hat * learning_rate) / (np.sqrt(v_hat) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
