"""keras.src.optimizers.loss_scale_optimizer -> microdense.optimizers.loss_scale_optimizer."""
from microdense.optimizers import loss_scale_optimizer as _target


def __getattr__(name):
    return getattr(_target, name)
