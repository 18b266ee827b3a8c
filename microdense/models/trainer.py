"""Training, evaluation and prediction, as in Keras 3's Trainer (keras/src/trainers/).

One training step (train_on_batch, and each batch of fit):

    y_pred = model(x, training=True)                  # Dropout active
    loss = model.compute_loss(x, y, y_pred)           # compiled loss + layer penalties
    loss.backward()                                   # w.grad for every trainable w
    optimizer.apply_gradients([(w.grad, w), ...])     # w.data updated in place
    w.grad = None                                     # for every w: no gradient left behind

The logged "loss" and metrics are running means over the batches of the epoch, weighted by
batch size, exactly what Keras logs (the last batch may be smaller). Logs are ordered as Keras
orders them: sorted names, then the sorted "val_" names.
"""
import itertools
import warnings

import numpy as np

from microdense import callbacks as callbacks_module
from microdense import losses, metrics as metrics_module, optimizers, replay
from microdense.models import data, outputs
from microdense.models.progbar import ProgbarLogger, resolve_verbose
from microdense.tensor import constant, no_grad


def _log_value(result):
    """A metric's result as logs hold it, as Keras's _pythonify_logs: a float, or an array
    for a metric with one value per class or threshold (F1Score(), Precision(thresholds=[..]))."""
    value = np.asarray(getattr(result, "data", result))
    return float(value.reshape(())) if value.size == 1 else value


class Trainer:
    """compile / fit / evaluate / predict / *_on_batch for a model with `_forward(x, training)`,
    `trainable_weights`, `losses` and `_prepare_input(x)` (models/model.py's Model)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None                 # as given to compile: a name, a Loss or a function
        self.stop_training = False       # a callback sets it to end fit
        self.history = None              # the History of the last fit
        self._loss_fn = None             # the compiled loss, always a Loss (batch mean)
        self._metrics = []
        self._metrics_names = ["loss"]
        self._log_order = ["loss"]
        self._compile_args = {"loss": None, "metrics": []}
        self._loss_total = 0.0           # the running mean of the loss: total / count
        self._loss_count = 0
        self.jit_compile = "auto"        # as compiled (Keras's attribute)
        self.run_eagerly = False
        self._compiled_step = None       # a replay.CompiledStep, unless training eagerly

    # ---- compile ---------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto"):
        """Choose the optimizer, the loss and the metrics to log, by name or object.

        As Keras: `metrics` ignore sample_weight and class_weight; `weighted_metrics` are
        weighted by them (logged as "weighted_<name>" when a metric has the same name).

        loss_weights and steps_per_execution are accepted so Keras code runs unchanged; with
        one output they change nothing. jit_compile="auto" (Keras's default) records a
        training step once per kind of batch, proves its replay against eager on the first
        steps, and then replays it (microdense/replay.py), training eagerly where it cannot;
        jit_compile=True does the same and warns when it cannot; False or run_eagerly=True
        always train eagerly.
        """
        if metrics is not None and not isinstance(metrics, (list, tuple, dict)):
            raise ValueError(f"Expected `metrics` argument to be a list or tuple, e.g. "
                             f"metrics=[{metrics!r}]. Received instead: metrics={metrics!r} of "
                             f"type {type(metrics)}")
        # Resolve everything first: a bad name leaves an earlier compile untouched.
        optimizer_object = optimizers.get(optimizer)
        if len(self.output_names) > 1:        # a loss and metrics per output: outputs.py
            loss_fn, compiled_metrics = outputs.compile_outputs(
                self.output_names, loss, loss_weights, metrics)
        else:
            loss_fn = losses.get(loss)
            if loss_fn is not None and not isinstance(loss_fn, losses.Loss):
                loss_fn = losses.LossFunctionWrapper(loss_fn)   # per-sample -> batch mean
            compiled_metrics = [metrics_module.get(m, loss=loss) for m in metrics or ()]
        weighted = _weighted_metrics(weighted_metrics, compiled_metrics, loss,
                                     len(self.output_names))
        compiled_metrics = compiled_metrics + weighted
        self._weighted_metric_ids = {id(metric) for metric in weighted}
        self.optimizer = optimizer_object
        self.loss = loss
        self._loss_fn = loss_fn
        self._metrics = compiled_metrics
        self._metrics_names = ["loss"] + [m.name for m in compiled_metrics]
        self._log_order = sorted(self._metrics_names)       # Keras logs names sorted
        self._compile_args = {"loss": loss, "loss_weights": loss_weights,
                              "metrics": metrics if isinstance(metrics, dict) else
                              list(metrics or ()),
                              "weighted_metrics": list(weighted_metrics or ())}
        self.reset_metrics()
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"jit_compile must be True, False or 'auto'; received "
                             f"jit_compile={jit_compile!r}.")
        self.jit_compile, self.run_eagerly = jit_compile, bool(run_eagerly)
        replays = jit_compile is not False and not run_eagerly
        self._compiled_step = replay.CompiledStep(warn=jit_compile is True) if replays else None
        self.compiled = True

    @property
    def metrics(self):
        """The compiled metric objects (the loss is tracked separately, as "loss")."""
        return list(self._metrics)

    @property
    def metrics_names(self):
        return list(self._metrics_names)

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method}()`.")
        # (No loss compiled is allowed: add_loss's losses are then the loss, as Keras;
        # compute_loss says so if there are none.)

    def reset_metrics(self):
        self._loss_total = 0.0
        self._loss_count = 0
        for metric in self._metrics:
            metric.reset_state()

    def _logs(self):
        """{"loss": running mean, "<metric>": result} in Keras's (sorted) order."""
        values = {"loss": self._loss_total / self._loss_count if self._loss_count else 0.0}
        for metric in self._metrics:
            values[metric.name] = _log_value(metric.result())
        return {name: values[name] for name in self._log_order}

    def _results(self, return_dict):
        """Keras's return value: the loss alone, or [loss, metric, ...] in compile order, or
        the logs dict."""
        if return_dict:
            return self._logs()
        loss = self._loss_total / self._loss_count if self._loss_count else 0.0
        if not self._metrics:
            return loss
        return [loss] + [_log_value(metric.result()) for metric in self._metrics]

    # ---- one step --------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The number training minimises: the compiled loss(y, y_pred, sample_weight) plus
        every layer's penalty (self.losses: regularizers), as Keras 3's Trainer.compute_loss.

        The extension point for a loss of your own: override it in a subclass (x and
        training are passed for such overrides; this one does not use them).
        """
        penalties = self.losses
        if self._loss_fn is None:              # compile() without a loss: add_loss's only
            if not penalties:
                raise ValueError("No loss to compute. Provide a `loss` argument in "
                                 "`compile()`, add losses with self.add_loss() in call(), "
                                 "or override `compute_loss`.")
            loss, penalties = penalties[0], penalties[1:]
        else:
            loss = self._loss_fn(y, y_pred, sample_weight)
        for penalty in penalties:
            loss = loss + penalty
        return loss

    def _train_step(self, x, y, sample_weight, weights):
        if self._compiled_step is not None and self._compiled_step(self, x, y, sample_weight,
                                                                   weights):
            return                      # recorded, proven or replayed (replay.py)
        loss, y_pred = self._step_loss(_constants(x), _constants(y), _constants(sample_weight))
        self._gradients(loss, weights)
        self._finish_step(loss, y_pred, x, y, sample_weight, weights)

    def _step_loss(self, x, y, sample_weight):
        """The forward pass and the loss of a training step, on tensors: what a compiled
        step records and replays (everything else of a step happens outside it)."""
        y_pred = self._forward(x, training=True)
        return self.compute_loss(x, y, y_pred, sample_weight, training=True), y_pred

    @staticmethod
    def _gradients(loss, weights):
        """w.grad = dL/dw for every trainable w, and nothing else kept."""
        for weight in weights:          # leaves accumulate: a backward() run before fit must
            weight.grad = None          # not add to this step's gradient
        if weights:
            loss.backward(retain_grads=False)      # only the weights' gradients are used

    def _finish_step(self, loss, y_pred, x, y, sample_weight, weights):
        """Apply the gradients the weights hold, leave none behind, log loss and metrics."""
        if weights:
            self.optimizer.apply_gradients([(w.grad, w) for w in weights])
            # Leave no gradient behind, as torch's zero_grad(set_to_none=True): a backward()
            # after fit (to draw a graph) then gives that graph's gradient, not a sum with ours.
            for weight in weights:
                weight.grad = None
        else:                           # every layer frozen: nothing to learn (as Keras)
            warnings.warn("The model does not have any trainable weights.", stacklevel=4)
        self._track(float(loss.data), data.num_samples(x), y, _values(y_pred), sample_weight)

    def _test_step(self, x, y, sample_weight):
        inputs, targets, weights = _constants(x), _constants(y), _constants(sample_weight)
        y_pred = self._forward(inputs, training=False)
        loss = self.compute_loss(inputs, targets, y_pred, weights, training=False)
        self._track(float(loss.data), data.num_samples(x), y, _values(y_pred), sample_weight)

    def _track(self, loss, batch_size, y, y_pred, sample_weight):
        self._loss_total += loss * batch_size
        self._loss_count += batch_size
        weighted = getattr(self, "_weighted_metric_ids", ())
        for metric in self._metrics:      # as Keras: only weighted_metrics see the weights
            metric.update_state(y, y_pred, sample_weight if id(metric) in weighted else None)

    # ---- fit -------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` passes over (x, y) in shuffled batches; returns a History.

        validation_split takes the LAST fraction of x and y before shuffling (as Keras);
        validation_data=(x_val, y_val) is used instead when given. x may also be a generator
        (or any iterable) of (x, y) or (x, y, sample_weight) batches; steps_per_epoch then
        says how many batches make an epoch (see data.EpochBatches), and validation_data
        may be one too, with validation_steps.
        """
        self._assert_compiled("fit")
        batch_size = data.check_batch_size(batch_size)
        verbose = resolve_verbose(verbose)
        if data.is_batch_stream(x):
            self._check_stream_arguments("fit", y, sample_weight, validation_split)
            if not self.built and iter(x) is x:     # a generator: built as predict builds
                x = self._build_for_stream(x)
            stream = data.EpochBatches(x, steps_per_epoch=steps_per_epoch)
        else:
            x, y, sample_weight = self._prepare_data(x, y, sample_weight, class_weight)
            if validation_data is None and validation_split:
                (x, y, sample_weight), (val_x, val_y, val_weight) = data.split_validation(
                    (x, y, sample_weight), validation_split)
                validation_data = (val_x, val_y, val_weight)
            stream = data.EpochBatches((x, y, sample_weight), batch_size, shuffle,
                                       steps_per_epoch)
        validation = None
        if validation_data is not None:
            validation = self._evaluation_batches(validation_data, validation_batch_size or
                                                  batch_size, validation_steps)

        callback_list = self._callback_list(callbacks, verbose, epochs, stream.steps,
                                            history=True)
        weights = self.trainable_weights
        batch_hooks = callback_list.uses_batch_hooks()
        self.stop_training = False
        if not stream.is_stream:
            callback_list.set_training_data(x, y)
        # Callbacks of the user's own may change the model between epochs (a layer frozen, a
        # rate changed): a compiled step is then proven again at each epoch.
        own_callbacks = any(not isinstance(c, (callbacks_module.History, ProgbarLogger))
                            for c in callback_list.callbacks)
        callback_list.on_train_begin()
        epoch_logs = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch)
            if self._compiled_step is not None and (epoch == initial_epoch or own_callbacks):
                self._compiled_step.recheck()        # the model may have changed since
            for step, batch in stream.epoch():
                if batch_hooks:
                    callback_list.on_train_batch_begin(step)
                self._train_step(*self._batch_arrays(stream, batch), weights)
                if batch_hooks:
                    callback_list.on_train_batch_end(step, self._logs())
                if self.stop_training:
                    break
            if stream.ran_out and stream.steps_taken == 0:
                break                                # nothing left to train on
            epoch_logs = self._logs()
            if validation is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_batches(validation, callback_list)
                epoch_logs.update((f"val_{name}", value) for name, value in val_logs.items())
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training or stream.ran_out:  # a generator that ended ends training
                break
        if epochs > initial_epoch:                   # use_ema: the weights take their averages
            self.optimizer.finalize_variable_values(weights)
        callback_list.on_train_end(epoch_logs)
        return self.history

    # ---- evaluate and predict --------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss (with regularization) and metrics over (x, y): `loss` alone, or
        [loss, metric, ...], or a dict with return_dict=True. x may be a generator of
        (x, y) batches, with `steps` batches taken from it (all of them if None)."""
        self._assert_compiled("evaluate")
        batch_size = data.check_batch_size(batch_size)
        if data.is_batch_stream(x):
            self._check_stream_arguments("evaluate", y, sample_weight)
            batches = data.EpochBatches(x, steps_per_epoch=steps)
        else:
            batches = self._evaluation_batches((x, y, sample_weight), batch_size, steps)
        callback_list = self._callback_list(callbacks, resolve_verbose(verbose), 1,
                                            batches.steps)
        logs = self._evaluate_batches(batches, callback_list)
        return logs if return_dict else self._results(return_dict=False)

    def _evaluation_batches(self, data_or_stream, batch_size, steps):
        """validation_data / evaluate's data as EpochBatches: a stream, or arrays (x, y[, w])."""
        if data.is_batch_stream(data_or_stream):
            return data.EpochBatches(data_or_stream, steps_per_epoch=steps)
        x, y, sample_weight = data.unpack_validation_data(data_or_stream)
        x, y, sample_weight = self._prepare_data(x, y, sample_weight)
        return data.EpochBatches((x, y, sample_weight), batch_size, False, steps)

    def _evaluate_batches(self, batches, callback_list):
        batch_hooks = callback_list.uses_batch_hooks()
        self.reset_metrics()
        with no_grad():
            callback_list.on_test_begin()
            for step, batch in batches.epoch():
                if batch_hooks:
                    callback_list.on_test_batch_begin(step)
                self._test_step(*self._batch_arrays(batches, batch))
                if batch_hooks:
                    callback_list.on_test_batch_end(step, self._logs())
            logs = self._logs()
            callback_list.on_test_end(logs)
        return logs

    def _batch_arrays(self, batches, batch):
        """(x, y, sample_weight) of one batch: arrays prepared once already, or a stream's
        item converted now."""
        if not batches.is_stream:
            return batch
        return self._prepare_data(*data.unpack_batch(batch), check_targets=False)

    @staticmethod
    def _check_stream_arguments(method, y, sample_weight, validation_split=0.0):
        """Keras's errors for arguments a generator of batches already carries."""
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(f"`{name}` argument is not supported when using a generator "
                                 f"(or another iterable of batches) as x in {method}(): its "
                                 f"batches are (x, y) or (x, y, sample_weight) tuples.")
        if validation_split:
            raise ValueError("`validation_split` is only supported for arrays, not for a "
                             "generator of batches: pass validation_data= instead.")

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for x (training=False, no graph), computed in batches.

        x is arrays (cut into batches of `batch_size`), or a stream of batches (a generator,
        an iterator, a PyDataset; an item may be (x, y) or (x, y, weights): only x is used),
        each run as it comes, so batches may differ in size, and in any other axis the model
        leaves open. `steps` stops after that many batches."""
        batch_size = data.check_batch_size(batch_size)
        if steps is not None and (isinstance(steps, bool) or not isinstance(
                steps, (int, np.integer)) or steps <= 0):
            raise ValueError(f"`steps` must be a positive integer or None; received "
                             f"steps={steps!r}")
        if data.is_batch_stream(x):             # a PyDataset or a generator of batches
            total = len(x) if hasattr(x, "__len__") else None
            items = iter(x)
            if not self.built:
                items = self._build_for_stream(items)
            batch_inputs = (self._predict_input(item[0] if isinstance(item, tuple) else item)
                            for item in items)
        else:
            x = self._predict_input(x)
            if data.num_samples(x) == 0:
                raise ValueError("predict received empty input data (0 samples).")
            total = data.num_batches(data.num_samples(x), batch_size)
            batch_inputs = (batch_x for _, (batch_x,) in data.batches((x,), batch_size))
        if steps is not None:
            batch_inputs = itertools.islice(batch_inputs, steps)
            total = steps if total is None else min(total, steps)
        callback_list = self._callback_list(callbacks, resolve_verbose(verbose), 1, total)
        batch_hooks = callback_list.uses_batch_hooks()
        outputs = []
        with no_grad():
            callback_list.on_predict_begin()
            for step, batch_x in enumerate(batch_inputs):
                if batch_hooks:
                    callback_list.on_predict_batch_begin(step)
                outputs.append(_values(self._forward(_constants(batch_x), training=False)))
                if batch_hooks:
                    callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
            callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict received a stream of batches that gave no batch.")
        if isinstance(outputs[0], list):           # several outputs: one array each
            return self._pack_predictions([data.join_batches([batch[i] for batch in outputs])
                                           for i in range(len(outputs[0]))])
        return data.join_batches(outputs)

    def _build_for_stream(self, items):
        """An unbuilt model fed a stream: Keras builds it from the spec of the stream's first
        batches. Here a model builds on its first batch (a Sequential model does better: see
        its own). Returns the items, none consumed."""
        return items

    def _predict_input(self, x):
        """One array (or list of arrays) of inputs, converted and checked against the model."""
        return self._prepare_input(data.as_inputs(self._standardize(x, "input"), self.dtype))

    # ---- single batches --------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on exactly this batch; returns its loss (and metrics), measured
        before the update, as Keras 3 does."""
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = self._prepare_data(x, y, sample_weight, class_weight,
                                                 check_targets=False)
        self.reset_metrics()
        self._train_step(x, y, sample_weight, self.trainable_weights)
        return self._results(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on this batch, without training."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = self._prepare_data(x, y, sample_weight, check_targets=False)
        self.reset_metrics()
        with no_grad():
            self._test_step(x, y, sample_weight)
        return self._results(return_dict)

    def predict_on_batch(self, x):
        """The model's outputs for this batch, as a numpy array."""
        x = self._prepare_input(data.as_inputs(self._standardize(x, "input"), self.dtype))
        with no_grad():
            result = _values(self._forward(_constants(x), training=False))
        return self._pack_predictions(result) if isinstance(result, list) else result

    # ---- helpers ---------------------------------------------------------------------
    def _prepare_data(self, x, y, sample_weight=None, class_weight=None, check_targets=True):
        """Arrays converted once, lengths checked, the model built and the input checked."""
        if x is None or y is None:
            raise ValueError(f"Training and evaluation need both x and y; received "
                             f"{'x=None' if x is None else 'y=None'}.")
        x, y = self._standardize(x, "input"), self._standardize(y, "output")
        x, y, sample_weight = data.prepare(x, y, sample_weight, self.dtype)
        if data.num_samples(x) == 0:
            raise ValueError("Received empty data (0 samples) for x and y.")
        if class_weight is not None:
            if isinstance(y, list):
                raise ValueError("`class_weight` is only supported for Models with a single "
                                 "output; weight the samples of each output with "
                                 "sample_weight instead.")
            if sample_weight is not None:
                raise ValueError("You cannot pass both `class_weight` and `sample_weight` at "
                                 "the same time.")
            sample_weight = data.class_weight_to_sample_weights(y, class_weight)
        x = self._prepare_input(x)
        if check_targets:
            self._check_targets(y)
        return x, y, sample_weight

    def _check_targets(self, y):
        """Try the loss on y's first rows against an output-shaped probe, so a y that does
        not fit the loss fails before training starts (the loss's own message says how to
        fix it)."""
        shape = self.output_shape
        if isinstance(shape, list):        # several outputs: each loss checks its own
            return
        if self._loss_fn is None or any(n is None for n in shape[1:]) or len(y) == 0:
            return
        # One row: a target that broadcasts against one output row passes, as in Keras
        # (EarlyStopping's docstring fits y of shape (5,) to a (None, 10) output with
        # batch_size=1); a batch where it does not broadcast fails in the loss itself.
        rows = 1
        probe = constant(np.full((rows,) + tuple(shape[1:]), 0.5, dtype=self.dtype))
        try:
            with no_grad():
                self._loss_fn(y[:rows], probe)
        except ValueError as error:
            raise ValueError(f"The targets y (shape {y.shape}) do not fit the loss "
                             f"'{self._loss_fn.name}' for this model's output shape {shape}: "
                             f"{error}") from None

    def _callback_list(self, callbacks, verbose, epochs, steps, history=False):
        """The user's callbacks, then a History (fit) and a progress bar (verbose), as Keras."""
        if isinstance(callbacks, callbacks_module.CallbackList):
            return callbacks
        callback_list = callbacks_module.CallbackList(callbacks)
        if history:
            existing = [c for c in callback_list.callbacks
                        if isinstance(c, callbacks_module.History)]
            self.history = existing[0] if existing else callbacks_module.History()
            if not existing:
                callback_list.append(self.history)
        if verbose and not any(isinstance(c, ProgbarLogger) for c in callback_list.callbacks):
            callback_list.append(ProgbarLogger())
        callback_list.set_model(self)
        callback_list.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
        return callback_list


def _weighted_metrics(identifiers, metrics, loss, outputs):
    """compile(weighted_metrics=...) as metric objects; one whose name a plain metric already
    has is named "weighted_<name>", as Keras logs it."""
    if not identifiers:
        return []
    if outputs > 1 or not isinstance(identifiers, (list, tuple)):
        raise ValueError(f"weighted_metrics must be a list of metrics for a model with one "
                         f"output (microdense does not weight per-output metrics yet); "
                         f"received {identifiers!r}.")
    taken = {metric.name for metric in metrics}
    weighted = []
    for identifier in identifiers:
        metric = metrics_module.get(identifier, loss=loss)
        if metric.name in taken:
            metric.name = f"weighted_{metric.name}"
        taken.add(metric.name)
        weighted.append(metric)
    return weighted


def _constants(x):
    """Data as Tensors that record nothing: one array, or a list for several inputs (None
    stays None: no sample weights)."""
    if x is None:
        return None
    return [constant(value) for value in x] if isinstance(x, list) else constant(x)


def _values(y_pred):
    """The numbers of a model's output(s): an array, or a list of arrays."""
    return [tensor.data for tensor in y_pred] if isinstance(y_pred, list) else y_pred.data
