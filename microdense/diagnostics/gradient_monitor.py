"""GradientMonitor: per-layer statistics recorded during fit, into history.history.

    monitor = md.diagnostics.GradientMonitor()     # probes fit's first 256 training rows
    history = model.fit(x_train, y_train, epochs=20, callbacks=[monitor])
    history.history["dense/grad_norm"]          # one value per epoch, beside "loss"

The keys are "<layer name>/<statistic>" for the statistics of diagnostics.statistics that apply
to the layer: grad_norm, bias_grad_norm, update_ratio (kernel layers), dead_fraction (relu),
saturated_fraction (sigmoid, tanh), activation_mean, activation_std (every monitored layer).
"""
import numpy as np

from microdense.callbacks.callback import Callback
from microdense.diagnostics.statistics import (RELU_LIKE, SATURATING, layer_activation,
                                               probe_pass, trace_statistics)

PROBE_ROWS = 256            # the default probe: this many first rows of fit's training data
STATISTICS = ("grad_norm", "bias_grad_norm", "update_ratio", "dead_fraction",
              "saturated_fraction", "activation_mean", "activation_std")


class GradientMonitor(Callback):
    """Record per-layer gradient and activation statistics while a model trains.

    GradientMonitor(probe=None, every_n_batches=None, layers=None)

    probe            (x, y): a fixed batch to measure on. None (the default): the first 256
                     rows of fit's own training data (after validation_split). At each
                     record the monitor runs one forward and backward pass over it with the
                     current weights, the same numbers layer_report prints. The pass leaves
                     training untouched: layers run with training=False, the weights' .grad
                     values are put back, no random numbers are drawn.
    every_n_batches  None: record at each epoch end. N: also record after every N training
                     batches (into monitor.history only; epoch logs still get the epoch-end
                     values).
    layers           names of the layers to monitor; default: every layer with a kernel or
                     with a relu, sigmoid or tanh activation.

    update_ratio is the step the optimizer actually took on the last training batch before
    the record, ||W_after - W_before|| / ||W_after|| (for plain SGD, lr*||grad||/||W||).

    Epoch-end values are added to the epoch logs, so they land in history.history and in
    CSVLogger's file (list CSVLogger after the monitor in callbacks=[...]). Every record is
    also kept here: monitor.history[key] is a list of values, monitor.steps[i] the number of
    training batches done at record i, monitor.epochs[i] its epoch (0-based).
    """

    def __init__(self, probe=None, every_n_batches=None, layers=None):
        super().__init__()
        if probe is not None and not (isinstance(probe, (tuple, list)) and len(probe) == 2):
            raise ValueError("GradientMonitor's probe is (x, y), a batch to measure on, e.g. "
                             "GradientMonitor(probe=(x_train[:256], y_train[:256])), or "
                             "None for the first 256 rows of fit's training data.")
        if every_n_batches is not None and int(every_n_batches) < 1:
            raise ValueError(f"every_n_batches must be a positive integer or None; got "
                             f"{every_n_batches}.")
        self.probe = probe
        self._fit_probe = None      # the default probe, taken from fit's training data
        self.every_n_batches = None if every_n_batches is None else int(every_n_batches)
        self.layer_names = None if layers is None else list(layers)
        self.history, self.steps, self.epochs = {}, [], []
        self._step = 0
        self._epoch = 0
        self._before = {}           # layer name -> kernel values before the current batch
        self._update_ratio = {}     # layer name -> the last batch's actual relative step

    # -- which layers --
    def monitored_layers(self):
        """The layers this monitor reports on, in model order."""
        layers = self.model.layers
        if self.layer_names is not None:
            by_name = {layer.name: layer for layer in layers}
            missing = [name for name in self.layer_names if name not in by_name]
            if missing:
                raise ValueError(f"GradientMonitor: no layer named {', '.join(missing)} in "
                                 f"the model; its layers are "
                                 f"{', '.join(layer.name for layer in layers)}.")
            return [by_name[name] for name in self.layer_names]
        return [layer for layer in layers if getattr(layer, "kernel", None) is not None
                or layer_activation(layer) in RELU_LIKE + SATURATING]

    # -- fit's hooks --
    def set_training_data(self, x, y):
        """The default probe: copies of the first PROBE_ROWS rows (fixed for the whole fit)."""
        self._fit_probe = (np.array(x[:PROBE_ROWS]), np.array(y[:PROBE_ROWS]))

    def on_train_begin(self, logs=None):
        self.history, self.steps, self.epochs = {}, [], []
        self._step = 0
        self._update_ratio = {}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        # Copying the kernels every batch costs far less than the batch's matmuls, and spares
        # us from guessing which batch will be the last of the epoch.
        self._before = {layer.name: np.array(layer.kernel.data)
                        for layer in self.monitored_layers()
                        if getattr(layer, "kernel", None) is not None}

    def on_train_batch_end(self, batch, logs=None):
        for layer in self.monitored_layers():
            before = self._before.get(layer.name)
            if before is not None:
                after = layer.kernel.data
                size = np.linalg.norm(after.astype(np.float64))
                step = np.linalg.norm(after.astype(np.float64) - before)
                self._update_ratio[layer.name] = float(step / size) if size > 0 else 0.0
        self._step += 1
        if self.every_n_batches and self._step % self.every_n_batches == 0:
            values = self._record()
            if logs is not None:
                logs.update(values)

    def on_epoch_end(self, epoch, logs=None):
        values = self._record()
        if logs is not None:
            logs.update(values)

    # -- measuring --
    def _record(self):
        """Probe once (unless this step was already recorded) and append to self.history."""
        if self.steps and self.steps[-1] == self._step:
            return {key: series[-1] for key, series in self.history.items()}
        probe = self.probe if self.probe is not None else self._fit_probe
        if probe is None:
            raise ValueError("GradientMonitor has no data to probe: outside fit, pass "
                             "probe=(x, y), e.g. GradientMonitor(probe=(x[:256], y[:256])).")
        _, traces = probe_pass(self.model, *probe)
        wanted = {layer.name for layer in self.monitored_layers()}
        values = {}
        for trace in traces:
            name = trace.layer.name
            if name not in wanted:
                continue
            row = trace_statistics(trace)
            row["update_ratio"] = self._update_ratio.get(name)
            for statistic in STATISTICS:
                if row[statistic] is not None:
                    values[f"{name}/{statistic}"] = row[statistic]
        for key, value in values.items():
            self.history.setdefault(key, []).append(value)
        self.steps.append(self._step)
        self.epochs.append(self._epoch)
        return values
