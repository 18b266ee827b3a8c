"""MonitorCallback: the base of callbacks that watch one logged number and act when it stops
improving (Keras 3's keras/src/callbacks/monitor_callback.py): EarlyStopping and
ReduceLROnPlateau build on it.

    improved = monitor_op(current - min_delta, best)    # min_delta negative for ops.less

so one comparison serves both directions: in "min" mode an epoch improves when
current < best - |min_delta|, in "max" mode when current > best + |min_delta|.
"""
import warnings

import numpy as np

from microdense import ops
from microdense.callbacks.callback import Callback
from microdense.callbacks.improvement import improvement_op


class MonitorCallback(Callback):
    """Watches `monitor` (a key of the epoch's logs) in `mode` "min", "max" or "auto" (the
    direction read from the name: a loss goes down, a compiled metric knows its own).
    `baseline` is the first best value (None: the first monitored value); a change smaller
    than `min_delta` is no improvement."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          f"mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """ops.less or ops.greater, chosen once the model's metrics exist (fit has begun)."""
        going_up = improvement_op(self, self.monitor, self.mode) is np.greater
        self.monitor_op = ops.greater if going_up else ops.less
        if self.monitor_op is ops.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        """Whether monitor_value beats reference_value (anything beats None)."""
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
