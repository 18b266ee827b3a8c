"""Adafactor (Shazeer & Stern, 2018): Adam-like steps whose second moments of a matrix are
kept as one row and one column of averages, so a 4096x4096 weight costs 2x4096 numbers of
state, not 16 million."""
import numpy as np

from microdense.optimizers.base import Optimizer, _scalar
from microdense.variables import Variable


class Adafactor(Optimizer):
    """Adafactor, as Keras writes it, t = iterations + 1, in the weight's dtype:

        lr <- min(lr, 1 / sqrt(t)) if relative_step (and the rate is a number)
        alpha = max(epsilon_2, rms(w)) min(lr, 1 / sqrt(t))
        g2 = g^2 + epsilon_1,   beta = 1 - t^beta_2_decay
        2-d and more (the last two axes factored):
            r <- beta r + (1 - beta) mean(g2, axis=-1)       one per row
            c <- beta c + (1 - beta) mean(g2, axis=-2)       one per column
            v = (r / mean(r)) c                              their outer product
        else: v <- beta v + (1 - beta) g2
        u = g / sqrt(v),   w <- w - alpha u / max(1, rms(u) / clip_threshold)
    """

    slots = ("r", "c", "velocity")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def slot_shape(self, slot, weight_shape):
        """r: one number per row (the last axis averaged away), c: one per column (the
        second last); for a weight of fewer than 2 axes, 0-d placeholders, as Keras's."""
        weight_shape = tuple(weight_shape)
        if slot not in ("r", "c"):                  # velocity, and the base's own state
            return weight_shape
        if len(weight_shape) < 2:
            return ()
        return weight_shape[:-1] if slot == "r" else weight_shape[:-2] + weight_shape[-1:]

    def slot_name(self, slot, variable, prefix):
        """Keras names r and c by the weight's own name ("kernel"), velocity by its path."""
        if slot == "velocity":
            return f"{prefix}_velocity"
        return str(variable.name or "variable").rpartition("/")[2]

    def update_step(self, weight, grad, state, learning_rate):
        t = _scalar(self._steps_done + 1, weight)
        lr = _scalar(learning_rate, weight)
        inverse_sqrt_t = 1 / np.sqrt(t)
        if self.relative_step and isinstance(self._learning_rate, Variable):
            lr = min(lr, inverse_sqrt_t)
        rho = min(lr, inverse_sqrt_t)
        alpha = max(_scalar(self.epsilon_2, weight), _rms(weight)) * rho
        g2 = np.square(grad) + _scalar(self.epsilon_1, weight)
        beta = 1 - t ** _scalar(self.beta_2_decay, weight)
        v = state["velocity"]
        if weight.ndim >= 2:
            r, c = state["r"], state["c"]
            r[...] = beta * r + (1 - beta) * np.mean(g2, axis=-1)
            c[...] = beta * c + (1 - beta) * np.mean(g2, axis=-2)
            v[...] = np.expand_dims(r / np.mean(r, axis=-1, keepdims=True), -1) * \
                np.expand_dims(c, -2)
        else:
            v[...] = beta * v + (1 - beta) * g2
        u = grad / np.sqrt(v)
        u_hat = u / max(_scalar(1.0, weight), _rms(u) / _scalar(self.clip_threshold, weight))
        weight -= alpha * u_hat

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}


def _rms(x):
    """The root mean square of all of x's entries."""
    return np.sqrt(np.mean(np.square(x)))
