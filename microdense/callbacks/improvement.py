"""Which way a monitored quantity improves (shared by EarlyStopping and ModelCheckpoint)."""
import warnings

import numpy as np


_GOING_UP = ("acc", "auc", "precision", "recall")
_GOING_DOWN = ("error", "loss", "crossentropy", "hinge", "divergence", "mse", "mae", "poisson")


def improvement_op(callback, monitor, mode):
    """np.less or np.greater: which way `monitor` improves. 'auto' decides from the name:
    loss goes down; a compiled metric says its own direction; else Keras's error."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{type(callback).__name__} mode '{mode}' is unknown, fallback to auto "
                      f"mode.", stacklevel=3)
        mode = "auto"
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    name = monitor.removeprefix("val_")
    if name == "loss":
        return np.less
    for metric in getattr(callback.model, "metrics", None) or ():
        if getattr(metric, "name", None) == name:
            direction = getattr(metric, "direction", getattr(metric, "_direction", None))
            if direction in ("up", "down"):
                return np.greater if direction == "up" else np.less
            # Keras's metrics carry their direction; ours are told apart by what they count.
            metric_kind = f"{type(metric).__name__} {name}".lower()
            if any(word in metric_kind for word in _GOING_UP):
                return np.greater
            if any(word in metric_kind for word in _GOING_DOWN):
                return np.less
    raise ValueError(f"{type(callback).__name__} callback received monitor={monitor}, but "
                     f"microdense isn't able to automatically determine whether that metric "
                     f"should be maximized or minimized. Pass `mode='max'` in order to monitor "
                     f"based on the highest metric value, or pass `mode='min'` in order to use "
                     f"the lowest value.")
