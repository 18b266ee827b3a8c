"""keras.src.optimizers.schedules -> microdense.optimizers.schedules."""
from keras.src.optimizers.schedules import learning_rate_schedule  # noqa: F401
from microdense.optimizers import schedules as _target


def __getattr__(name):
    return getattr(_target, name)
