"""LossScaleOptimizer: Keras's wrapper for mixed precision, here a pass-through.

In Keras, with float16 computations, it multiplies the loss by a large scale (so that small
gradients do not round to 0 in float16), divides the gradients by it again, and skips steps
whose gradients overflowed. microdense computes in float32 or float64 and has no mixed
precision, so there is nothing to rescue: this wrapper scales nothing and hands every call to
its inner optimizer. It exists so that Keras code and configs that use it run unchanged.
"""
from microdense.optimizers.base import Optimizer, deserialize, serialize

# The base optimizer's arguments: set them on the inner optimizer (as Keras says). Their
# defaults are accepted, as Keras accepts them, so that configs of older Keras versions load.
_INNER_ONLY = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
               "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
               "ema_overwrite_frequency": None, "loss_scale_factor": None,
               "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """inner_optimizer, unchanged: scale_loss(loss) is loss, and apply_gradients is the inner
    optimizer's. initial_scale and dynamic_growth_steps are kept for the config only."""

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(f"LossScaleOptimizer needs an Optimizer instance as its "
                             f"inner_optimizer; got {inner_optimizer!r}.")
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        kwargs.pop("learning_rate", None)          # the inner optimizer's, as in Keras
        for argument, default in _INNER_ONLY.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{argument}`. Instead, "
                                 f"set `{argument}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        super().__init__(0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps

    # -- everything the training loop and callbacks use is the inner optimizer's --
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if "inner_optimizer" in self.__dict__:
            self.inner_optimizer.learning_rate = value
        else:                                      # the base __init__ sets its own first
            Optimizer.learning_rate.fset(self, value)

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    @property
    def variables(self):
        return self.inner_optimizer.variables

    @property
    def built(self):
        return self.__dict__.get("inner_optimizer") is not None and self.inner_optimizer.built

    @built.setter
    def built(self, value):
        pass                                        # the inner optimizer's

    @property
    def slots(self):
        """The inner optimizer's per-weight state names (read when a saved model is loaded)."""
        return self.inner_optimizer.slots

    def state_names(self):
        return self.inner_optimizer.state_names()

    def slot_shape(self, slot, weight_shape):
        return self.inner_optimizer.slot_shape(slot, weight_shape)

    def scale_loss(self, loss):
        """The loss unchanged: without float16 there is nothing to scale."""
        return loss

    def build(self, var_list):
        self.inner_optimizer.build(var_list)

    def apply_gradients(self, grads_and_vars):
        return self.inner_optimizer.apply_gradients(grads_and_vars)

    def apply(self, grads, trainable_variables=None):
        return self.inner_optimizer.apply(grads, trainable_variables)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    def set_weights(self, weights):
        self.inner_optimizer.set_weights(weights)

    def get_weights(self):
        return self.inner_optimizer.get_weights()

    def get_state(self):
        return self.inner_optimizer.get_state()

    def set_state(self, state):
        self.inner_optimizer.set_state(state)

    def get_config(self):
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return f"LossScaleOptimizer({self.inner_optimizer!r})"
