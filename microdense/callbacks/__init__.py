"""Callbacks: code that fit() runs at fixed points of training, as in keras.callbacks.

Behaviour (names, defaults, comparisons, messages) follows Keras 3 (keras/src/callbacks/).
Read callback.py (the hooks, in the order fit calls them), then monitor_callback.py (the base
of callbacks that watch a logged number; improvement.py: which way it improves),
stopping.py, learning_rate.py and writers.py.

microdense's own GradientMonitor is md.diagnostics.GradientMonitor: the diagnostics build on
callbacks, never the other way round.
"""
from microdense.callbacks.callback import Callback, CallbackList, History, LambdaCallback
from microdense.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from microdense.callbacks.monitor_callback import MonitorCallback
from microdense.callbacks.stopping import EarlyStopping, TerminateOnNaN
from microdense.callbacks.writers import CSVLogger, ModelCheckpoint

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "MonitorCallback",
           "EarlyStopping", "TerminateOnNaN", "LearningRateScheduler", "ReduceLROnPlateau",
           "CSVLogger", "ModelCheckpoint"]
