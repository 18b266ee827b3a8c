"""keras.src.optimizers.schedules.learning_rate_schedule -> microdense.optimizers.schedules."""
from microdense.optimizers import schedules as _target


def __getattr__(name):
    return getattr(_target, name)
