"""Callbacks: code that fit() runs at fixed points of training, as in keras.callbacks.

Behaviour (names, defaults, comparisons, messages) follows Keras 3 (keras/src/callbacks/).
Read callback.py (the hooks, in the order fit calls them), then stopping.py,
learning_rate.py and writers.py.
"""
from microdense.callbacks.callback import Callback, CallbackList, History, LambdaCallback
from microdense.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from microdense.callbacks.stopping import EarlyStopping, TerminateOnNaN
from microdense.callbacks.writers import CSVLogger, ModelCheckpoint

# microdense's own: per-layer gradient statistics during fit (lives with the diagnostics;
# imported last because it subclasses Callback).
from microdense.diagnostics.monitor import GradientMonitor  # noqa: E402

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "EarlyStopping",
           "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger",
           "ModelCheckpoint", "GradientMonitor"]
