"""The checks of an optimizer's arguments: clear errors for values Keras would reject (or,
for a clipping value <= 0, silently ignore)."""
import math

import numpy as np

from microdense.tensor import Tensor


def learning_rate_number(value):
    """A learning rate given as a number (or a 0-d array or Tensor): a finite float >= 0."""
    try:
        value = float(value.data if isinstance(value, Tensor) else value)
    except (TypeError, ValueError):
        raise TypeError(f"learning_rate must be a number, a LearningRateSchedule or a "
                        f"function of the step; got {value!r}.") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"learning_rate must be a finite number >= 0; got {value}.")
    return value


def check_clip(argument, value):
    """clipnorm, clipvalue and global_clipnorm are None (no clipping) or a number > 0. (Keras
    silently skips a value <= 0; here it is an error, so a typo cannot turn clipping off.)"""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{argument} must be a number > 0 or None; got {value!r}.")
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{argument} must be a finite number > 0 (or None for no clipping); "
                         f"got {argument}={value}. To clip gradients to the range [-c, c] or "
                         f"the norm c, give c > 0.")


def check_ema(use_ema, ema_momentum, ema_overwrite_frequency):
    """Keras's checks of the moving-average arguments (made only when use_ema is on)."""
    if not use_ema:
        return
    if ema_momentum > 1 or ema_momentum < 0:
        raise ValueError(f"`ema_momentum` must be in the range [0, 1]. "
                         f"Received: ema_momentum={ema_momentum}")
    if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                    or ema_overwrite_frequency < 1):
        raise ValueError(f"`ema_overwrite_frequency` must be an integer >= 1 or None. "
                         f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
