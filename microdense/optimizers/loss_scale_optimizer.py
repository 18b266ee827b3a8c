"""LossScaleOptimizer: Keras's wrapper for mixed precision, here a pass-through.

In Keras, with float16 computations, it multiplies the loss by a large scale (so that small
gradients do not round to 0 in float16), divides the gradients by it again, and skips steps
whose gradients overflowed. microdense computes in float32 or float64 and has no mixed
precision, so there is nothing to rescue: this wrapper scales nothing and hands every call to
its inner optimizer. It exists so that Keras code and configs that use it run unchanged.
"""
from microdense.optimizers.base import Optimizer


class LossScaleOptimizer(Optimizer):
    """inner_optimizer, unchanged: scale_loss(loss) is loss, and apply_gradients is the inner
    optimizer's. initial_scale and dynamic_growth_steps are kept for the config only."""

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(f"LossScaleOptimizer needs an Optimizer instance as its "
                             f"inner_optimizer; got {inner_optimizer!r}.")
        kwargs.pop("learning_rate", None)          # the inner optimizer's, as in Keras
        super().__init__(inner_optimizer.learning_rate, name=name, **kwargs)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps

    # -- everything the training loop and callbacks use is the inner optimizer's --
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if "inner_optimizer" in self.__dict__:     # (the base __init__ sets it first)
            self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations if "inner_optimizer" in self.__dict__ else 0

    @iterations.setter
    def iterations(self, value):
        if "inner_optimizer" in self.__dict__:
            self.inner_optimizer.iterations = value

    @property
    def variables(self):
        return self.inner_optimizer.variables

    @property
    def slots(self):
        """The inner optimizer's per-weight state names (read when a saved model is loaded)."""
        return self.inner_optimizer.slots

    def scale_loss(self, loss):
        """The loss unchanged: without float16 there is nothing to scale."""
        return loss

    def build(self, variables):
        self.inner_optimizer.build(variables)

    def apply_gradients(self, grads_and_vars):
        return self.inner_optimizer.apply_gradients(grads_and_vars)

    def get_state(self):
        return self.inner_optimizer.get_state()

    def set_state(self, state):
        self.inner_optimizer.set_state(state)

    def get_config(self):
        from microdense.optimizers import serialize      # the package imports this module
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from microdense.optimizers import deserialize
        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return f"LossScaleOptimizer({self.inner_optimizer!r})"
