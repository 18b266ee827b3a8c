"""Per-layer statistics from one forward and one backward pass: can this network learn?

For layer l of a Sequential model with kernel W, bias b and output a (rows = samples, columns =
units), on a batch x with targets y and loss L:

    grad_norm           ||dL/dW||  (Frobenius norm)       ~0 in early layers: vanishing gradients
    bias_grad_norm      ||dL/db||
    weight_norm         ||W||
    update_ratio        ||W_after - W|| / ||W_after||     the relative step the compiled optimizer
                                                          (SGD, Adam, ...) takes on this batch,
                                                          from its current state; ~1e-3 is
                                                          healthy (CS231n). Given a learning_rate
                                                          instead: lr ||dL/dW|| / ||W||, plain
                                                          SGD's step at that rate
    dead_fraction       fraction of ReLU units whose pre-activation z = x W + b is never positive
                        over the batch: their output and their gradient are 0 for every sample
    saturated_fraction  fraction of (sample, unit) entries with |tanh(z)| > 0.99, or sigmoid(z)
                        outside [0.01, 0.99]: where the local derivative is < 0.02 (tanh) or
                        < 0.0099 (sigmoid), so almost no gradient passes
    activation_mean, activation_std   of a over all samples and units

Statistics that do not apply to a layer (a weightless layer's grad_norm, a tanh layer's
dead_fraction) are None.
"""
from typing import NamedTuple

import numpy as np

from microdense import config, losses, optimizers
from microdense.naming import activation_name
from microdense.tensor import Tensor, no_grad

RELU_LIKE = ("relu", "relu6")            # output 0 exactly where z <= 0
SATURATING = ("sigmoid", "tanh")
TANH_SATURATION = 0.99                    # |tanh(z)| above this: d tanh/dz = 1 - t^2 < 0.02
SIGMOID_SATURATION = (0.01, 0.99)         # sigmoid(z) outside: d sigmoid/dz = s(1-s) < 0.0099


# ---- which nonlinearity a layer applies ---------------------------------------------------

def layer_activation(layer):
    """'relu', 'sigmoid', 'tanh', ... for a layer that applies a named activation, else None.

    Reads `layer.activation` (Dense, Activation: named by naming.activation_name, the name it
    is saved under), or the class of an activation layer (ReLU; a ReLU with a negative slope
    is leaky, not 'relu').
    """
    fn = getattr(layer, "activation", None)
    if fn is not None:
        return activation_name(fn)
    if type(layer).__name__ == "ReLU":
        return "relu" if not getattr(layer, "negative_slope", 0) else "leaky_relu"
    return None


def dead_fraction(outputs):
    """Fraction of units (last axis) whose output is 0 for every sample of the batch.

    For relu, output = max(z, 0) is 0 exactly when z <= 0, so this counts the units whose
    pre-activation is never positive.
    """
    units = outputs.reshape(-1, outputs.shape[-1])
    return float(np.mean(np.all(units <= 0, axis=0)))


def saturated_fraction(outputs, name):
    """Fraction of output entries in the flat tails of a sigmoid or tanh (see module doc)."""
    if name == "tanh":
        return float(np.mean(np.abs(outputs) > TANH_SATURATION))
    low, high = SIGMOID_SATURATION
    return float(np.mean((outputs < low) | (outputs > high)))


# ---- the probe pass -----------------------------------------------------------------------

class LayerTrace(NamedTuple):
    """What one layer saw and produced during a probe pass (arrays, no graph)."""
    layer: object
    inputs: np.ndarray
    outputs: np.ndarray
    kernel_grad: object            # ndarray, or None for a layer without a kernel
    bias_grad: object
    weight_grads: tuple = ()       # dL/dw for each of layer.weights (zeros where w had none)


def probe_pass(model, x, y, loss=None):
    """Run x through model.layers one at a time (a functional model: each layer call in
    the order it runs), then backward from the loss.

    Returns (loss value as a float, [LayerTrace per layer]). Training is left untouched:
    the weights' accumulated .grad values are set aside first and put back afterwards,
    and layers run with training=False (Dropout off).
    """
    loss_fn = _loss_function(model, loss)
    x = _model_input(model, x)
    weights = model.weights
    saved = [w.grad for w in weights]
    for w in weights:
        w.grad = None
    try:
        steps = []
        for layer, inputs, h in model._layer_calls(x, training=False):
            steps.append((layer, _values(inputs), h.data))
        total = loss_fn(y.data if isinstance(y, Tensor) else np.asarray(y), h)
        if total.ndim:                     # a per-sample loss function: average it, as fit does
            total = total.mean()
        for penalty in model.losses:      # regularization penalties of this call, as in fit
            total = total + penalty
        if total.requires_grad:
            total.backward()
        traces = [LayerTrace(layer, inputs, outputs,
                             _grad_copy(getattr(layer, "kernel", None)),
                             _grad_copy(getattr(layer, "bias", None)),
                             tuple(_grad_copy(w) for w in layer.weights))
                  for layer, inputs, outputs in steps]
        return float(total.data), traces
    finally:
        for w in model.weights:           # weights built during this pass had no gradient
            w.grad = None
        for w, grad in zip(weights, saved):
            w.grad = grad


def _model_input(model, x):
    """x as a Tensor, with the model built for it (the model itself, not just its layers)."""
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=config.floatx()))
    if not model.built:
        model.build((None,) + x.shape[1:])
    return x


def _loss_function(model, loss):
    loss = loss if loss is not None else model.loss
    if loss is None:
        raise ValueError("These diagnostics need a loss: compile the model first "
                         "(model.compile(loss=...)) or pass loss=... explicitly.")
    return losses.get(loss)


def _grad_copy(weight):
    if weight is None:
        return None
    if weight.grad is None:                # a weight the loss does not depend on
        return np.zeros_like(weight.data)
    return np.array(weight.grad)


# ---- the statistics -----------------------------------------------------------------------

def _norm(array):
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64)))


def trace_statistics(trace, learning_rate=None):
    """The statistics of one LayerTrace as a dict of plain Python floats (None: not defined)."""
    layer, outputs = trace.layer, trace.outputs
    kernel = getattr(layer, "kernel", None)
    name = layer_activation(layer)
    row = {"layer": layer.name, "type": type(layer).__name__, "activation": name,
           "grad_norm": None, "bias_grad_norm": None, "weight_norm": None,
           "update_ratio": None, "dead_fraction": None, "saturated_fraction": None}
    if kernel is not None:
        row["grad_norm"] = _norm(trace.kernel_grad)
        row["weight_norm"] = _norm(kernel.data)
        if trace.bias_grad is not None:
            row["bias_grad_norm"] = _norm(trace.bias_grad)
        if learning_rate is not None and row["weight_norm"] > 0:
            row["update_ratio"] = learning_rate * row["grad_norm"] / row["weight_norm"]
    if name in RELU_LIKE:
        row["dead_fraction"] = dead_fraction(outputs)
    if name in SATURATING:
        row["saturated_fraction"] = saturated_fraction(outputs, name)
    row["activation_mean"] = float(np.mean(outputs, dtype=np.float64))
    row["activation_std"] = float(np.std(outputs, dtype=np.float64))
    return row


def optimizer_update_ratios(model, traces):
    """{layer name: ||W_after - W|| / ||W_after||} for each kernel, W_after being what the
    compiled optimizer makes of the traces' gradients: its real step (Adam's, with its
    momentum and step count), not SGD's formula. A copy of the optimizer (same config, same
    state) updates copies of the weights; the model and its optimizer are left untouched.
    {} without a compiled optimizer, or for one that cannot be rebuilt from its config."""
    optimizer = model.optimizer
    if optimizer is None:
        return {}
    try:
        twin = optimizers.deserialize(optimizers.serialize(optimizer))
    except (ValueError, TypeError):       # a user's optimizer class that is not registered
        return {}
    twin.set_state(optimizer.get_state())
    pairs, kernels = [], {}
    for trace in traces:                  # model order: the order the optimizer saw them in
        for weight, grad in zip(trace.layer.weights, trace.weight_grads):
            if weight.requires_grad:
                copy = Tensor(weight.data.copy(), requires_grad=True, name=weight.name)
                pairs.append((grad, copy))
                if weight is getattr(trace.layer, "kernel", None):
                    kernels[trace.layer.name] = (weight, copy)
    twin.apply_gradients(pairs)
    ratios = {}
    for name, (weight, moved) in kernels.items():
        size = _norm(moved.data)
        ratios[name] = _norm(moved.data.astype(np.float64) - weight.data) / size if size else 0.0
    return ratios


def layer_statistics(model, x, y, loss=None, learning_rate=None):
    """One forward+backward pass over (x, y): a list with one dict of statistics per layer.

    `loss` defaults to the compiled loss. update_ratio is the compiled optimizer's real step
    on this batch (optimizer_update_ratios), or with `learning_rate` given, plain SGD's step
    at that rate. The model's weights, gradients and optimizer state are left as they were.
    """
    _, traces = probe_pass(model, x, y, loss)
    rows = [trace_statistics(trace, learning_rate) for trace in traces]
    if learning_rate is None:
        ratios = optimizer_update_ratios(model, traces)
        for row in rows:
            row["update_ratio"] = ratios.get(row["layer"])
    return rows


def layer_outputs(model, x):
    """[(layer, output ndarray)] for each layer of the model on x, without recording a graph."""
    with no_grad():
        return [(layer, h.data) for layer, _, h in
                model._layer_calls(_model_input(model, x), training=False)]


def _values(inputs):
    """A layer's input array, or the list of them for a layer with several (merges)."""
    return [t.data for t in inputs] if isinstance(inputs, list) else inputs.data
