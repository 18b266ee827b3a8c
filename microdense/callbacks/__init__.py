"""Callbacks: code that fit() runs at fixed points of training, as in keras.callbacks.

    fit:  on_train_begin
            on_epoch_begin(epoch)
              on_train_batch_begin(batch) ... on_train_batch_end(batch, logs)   per batch
              (validation: on_test_begin, on_test_batch_*, on_test_end)
            on_epoch_end(epoch, logs)       logs = {"loss", "accuracy", "val_loss", ...}
          on_train_end

A callback reads and steers training through `self.model`: `model.stop_training = True` ends
fit after the current batch or epoch; `model.optimizer.learning_rate` may be set between steps.
Behaviour (names, defaults, comparisons, messages) follows Keras 3 (keras/src/callbacks/).

Read callback.py (the hooks), then stopping.py, learning_rate.py and writers.py.
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
