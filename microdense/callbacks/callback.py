"""The Callback base class, the CallbackList that fit() drives, History and LambdaCallback.

    fit:  on_train_begin
            on_epoch_begin(epoch)
              on_train_batch_begin(batch) ... on_train_batch_end(batch, logs)   per batch
              (validation: on_test_begin, on_test_batch_*, on_test_end)
            on_epoch_end(epoch, logs)       logs = {"loss", "accuracy", "val_loss", ...}
          on_train_end

A callback reads and steers training through `self.model`: `model.stop_training = True` ends
fit after the current batch or epoch; `model.optimizer.learning_rate` may be set between steps.
"""


_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
                "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                "on_predict_batch_end")


class Callback:
    """Base class: override the hooks you need; each does nothing by default.

    self.model is the model being trained; self.params holds {"epochs", "steps", "verbose"}.
    """

    def __init__(self):
        self.params = {}
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    def set_training_data(self, x, y):
        """microdense's own hook (Keras has none): fit hands every callback its training
        arrays (after validation_split, before shuffling) just before on_train_begin.
        GradientMonitor takes its default probe from them; the base class ignores them."""

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A legacy alias: called by on_train_batch_begin unless that is overridden."""

    def on_batch_end(self, batch, logs=None):
        """A legacy alias: called by on_train_batch_end unless that is overridden."""

    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...
    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...

    def uses_batch_hooks(self):
        """True if a subclass overrides a per-batch hook (fit skips building batch logs
        when no callback reads them)."""
        return any(getattr(type(self), hook) is not getattr(Callback, hook)
                   for hook in _BATCH_HOOKS)


class CallbackList(Callback):
    """Calls every callback's hook in order. fit() appends a History (and a progress bar)
    after the user's callbacks, as Keras does, so History sees what EarlyStopping saw."""

    def __init__(self, callbacks=None, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        self._model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_training_data(self, x, y):
        for callback in self.callbacks:
            callback.set_training_data(x, y)

    def uses_batch_hooks(self):
        return any(callback.uses_batch_hooks() for callback in self.callbacks)

    def _call(self, hook, *args):
        # Keras hands every hook a dict, never None (its CallbackList does `logs or {}`):
        # the callbacks guide's `keys = list(logs.keys())` in on_train_begin relies on it.
        *args, logs = args
        logs = {} if logs is None else logs
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs)
    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs)
    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)
    def on_train_batch_end(self, batch, logs=None): self._call("on_train_batch_end", batch, logs)
    def on_test_batch_begin(self, batch, logs=None): self._call("on_test_batch_begin", batch, logs)
    def on_test_batch_end(self, batch, logs=None): self._call("on_test_batch_end", batch, logs)
    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)
    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)
    def on_train_begin(self, logs=None): self._call("on_train_begin", logs)
    def on_train_end(self, logs=None): self._call("on_train_end", logs)
    def on_test_begin(self, logs=None): self._call("on_test_begin", logs)
    def on_test_end(self, logs=None): self._call("on_test_end", logs)
    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._call("on_predict_end", logs)


class History(Callback):
    """Records each epoch's logs: history.history == {"loss": [...], "val_loss": [...], ...}.
    fit() returns it; it is also model.history."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class LambdaCallback(Callback):
    """A callback from plain functions, e.g.
    LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)     # e.g. on_test_end=..., as Keras allows
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for hook, function in hooks.items():
            if function is not None:
                setattr(self, hook, function)

    def uses_batch_hooks(self):
        return any(hook in self.__dict__ for hook in _BATCH_HOOKS)
