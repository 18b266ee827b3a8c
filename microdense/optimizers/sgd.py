"""SGD: plain gradient descent, with optional momentum and Nesterov momentum."""
from microdense.optimizers.base import Optimizer, subtract_scaled


class SGD(Optimizer):
    """Gradient descent: w <- w - lr g.

    With momentum: m <- momentum m - lr g, then w <- w + m;
    nesterov: w <- w + momentum m - lr g (using the new m).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.slots = ("momentum",) if self.momentum else ()

    def update_step(self, weight, grad, state, learning_rate):
        if not self.momentum:
            subtract_scaled(weight, grad, learning_rate)   # w -= lr g
            return
        m = state["momentum"]
        m *= self.momentum
        if self.nesterov:
            step = grad * learning_rate                    # lr g
            m -= step                                      # m = momentum m - lr g
            lookahead = m * self.momentum
            lookahead -= step
            weight += lookahead                            # w += momentum m - lr g
        else:
            subtract_scaled(m, grad, learning_rate)        # m = momentum m - lr g
            weight += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
