"""compile() for a model with several outputs: a loss per output, weighted, and metrics per
output, named as Keras 3 names them.

    model = Model(inputs, [digit, parity])            # outputs named "digit", "parity"
    model.compile("adam", loss={"digit": "categorical_crossentropy", "parity": "mse"},
                  loss_weights={"digit": 1.0, "parity": 0.5}, metrics={"digit": ["accuracy"]})
    model.fit(x, {"digit": y_digit, "parity": y_parity})
    # logs: loss, digit_accuracy, digit_loss, parity_loss

    loss = sum over outputs i of  loss_weight_i * loss_i(y_true[i], y_pred[i])

`loss` may be one loss (used for every output), a list (one per output, in order) or a dict
keyed by output name (an output left out has no loss); `loss_weights` and `metrics` likewise
(metrics: a list of lists, a dict, or one flat list used for every output). Each output's
unweighted loss is logged as "<output>_loss" and each metric as "<output>_<metric>".
"""
from microdense import losses
from microdense import metrics as metrics_module
from microdense.tensor import constant, no_grad
from microdense.registry import unknown_name_error


def _per_output(value, names, what):
    """A list with one entry per output from one value, a list or a dict keyed by name."""
    if isinstance(value, dict):
        for key in value:
            if key not in names:
                raise unknown_name_error(f"output name in `{what}`", key, names)
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(f"`{what}` has {len(value)} entries but the model has "
                             f"{len(names)} outputs {names}: give one per output, or a dict "
                             f"keyed by output name.")
        return list(value)
    return [value] * len(names)


def _as_loss(identifier):
    loss = losses.get(identifier)
    if loss is not None and not isinstance(loss, losses.Loss):
        loss = losses.LossFunctionWrapper(loss)          # per-sample -> batch mean
    return loss


class OutputsLoss:
    """The total loss: sum_i weight_i * loss_i(y_true[i], y_pred[i]) (lists, output order)."""

    name = "loss"

    def __init__(self, output_losses, weights):
        self.losses = output_losses
        self.weights = weights

    def __call__(self, y_true, y_pred, sample_weight=None):
        total = None
        for loss, weight, target, prediction in zip(self.losses, self.weights, y_true, y_pred):
            if loss is None:
                continue
            term = loss(target, prediction, sample_weight)
            if weight != 1:
                term = term * float(weight)
            total = term if total is None else total + term
        return total


class OutputLossMetric(metrics_module.Metric):
    """"<output>_loss": the running mean (weighted by batch size) of one output's loss."""

    def __init__(self, index, loss, name):
        super().__init__(name=name)
        self.index, self.loss = index, loss
        self.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        with no_grad():
            value = self.loss(y_true[self.index], constant(y_pred[self.index]), sample_weight)
        size = len(y_pred[self.index])
        self.total += float(value.data) * size
        self.count += size

    def result(self):
        return self.total / self.count if self.count else 0.0

    def reset_state(self):
        self.total, self.count = 0.0, 0


class OutputMetric(metrics_module.Metric):
    """A metric of one output, named "<output>_<metric>"."""

    def __init__(self, index, metric, name):
        super().__init__(name=name)
        self.index, self.metric = index, metric

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.metric.update_state(y_true[self.index], y_pred[self.index], sample_weight)

    def result(self):
        return self.metric.result()

    def reset_state(self):
        self.metric.reset_state()


def compile_outputs(names, loss, loss_weights, metrics):
    """(the total loss, [per-output loss metrics, then per-output metrics]) for outputs
    `names`."""
    output_losses = [_as_loss(identifier) for identifier in _per_output(loss, names, "loss")]
    weights = _per_output(loss_weights if loss_weights is not None else 1.0, names,
                          "loss_weights")
    weights = [1.0 if w is None else float(w) for w in weights]
    tracked = [OutputLossMetric(i, output_loss, f"{name}_loss")
               for i, (name, output_loss) in enumerate(zip(names, output_losses))
               if output_loss is not None]
    if metrics is not None:
        flat = isinstance(metrics, (list, tuple)) and not any(
            isinstance(entry, (list, tuple)) for entry in metrics)
        per_output = [list(metrics)] * len(names) if flat else \
            _per_output(metrics, names, "metrics")
        for i, (name, entries) in enumerate(zip(names, per_output)):
            if entries is None:
                continue
            for entry in entries if isinstance(entries, (list, tuple)) else [entries]:
                metric = metrics_module.get(entry, loss=_per_output(loss, names, "loss")[i])
                tracked.append(OutputMetric(i, metric, f"{name}_{metric.name}"))
    return OutputsLoss(output_losses, weights), tracked
