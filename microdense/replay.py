"""Trace and replay: record one step's graph once, then re-run it as a flat list of numpy calls.

Eager execution pays Python for every op of every step: a Tensor, a closure, the engine's
walk and its checks. When the steps of a loop all build the same graph (same ops, same
shapes), that work can be done once. `Replay(loss, inputs)` takes a graph just recorded (the
trace) and turns it into two flat lists:

    forward   for each op, in order: one numpy call writing its result into the array the
              trace left in `node.data` (reused every step: no new tensors, no new buffers)
    backward  for each op, in reverse: the op's own backward closure (the very code eager
              runs), then each input's gradient summed by the engine's rules (un-broadcast,
              cast), along a plan of positions made once at trace time

Each replay reads the leaves' arrays as they are now: weights updated in place by an
optimizer, inputs written with `feed`. The numbers are the eager numbers (tests/test_replay.py
checks it, step by step, against eager training).

What it cannot see, it refuses (ReplayError, saying why) instead of replaying wrongly:
- an op without a replay kernel below (only the common ones have one);
- a constant array in the graph that is not a declared input: a dropout mask or data made
  during the step would be frozen at its traced value;
- an input of another shape or dtype than traced: the graph changes shape, trace again.
Python control flow in the step is not re-run: a step whose graph depends on its data (an
`if` on a value) must not be replayed. `Sequential.compile(jit_compile=True)` uses this for
models whose graph it can replay, and trains eagerly (with a warning saying why) otherwise.

This is the fast path; `loss.backward()` (engine.py) is the one to read to learn backprop.
"""
import warnings

import numpy as np

from microdense import engine
from microdense.ops.reductions import _peak
from microdense.tensor import constant


class ReplayError(ValueError):
    """The recorded graph cannot be replayed (the message says which op or input, and why)."""


def _closure(node):
    """The values an op's backward closure captured, by name (its parameters: clip bounds...)."""
    fn = node._backward
    return dict(zip(fn.__code__.co_freevars, (cell.cell_contents for cell in fn.__closure__ or ())))


# ---- forward kernels: node -> a function that recomputes node.data in place ---------------
# Each writes exactly what the op's own forward computes (same numpy calls in the same order,
# so the same numbers), into the array the trace left. Reusing the arrays also keeps the
# backward closures right: they captured these very arrays (tanh's t is the node's data).

def _binary(ufunc):
    def kernel(node):
        a, b = node.parents[0].data, node.parents[1].data
        out = node.data
        return lambda: ufunc(a, b, out=out)
    return kernel


def _unary(ufunc):
    def kernel(node):
        x, out = node.parents[0].data, node.data
        return lambda: ufunc(x, out=out)
    return kernel


def _sigmoid(node):          # ops.elementwise.sigmoid: np.where(x >= 0, 1, e) / (1 + e)
    x, out = node.parents[0].data, node.data
    def forward():
        e = np.exp(-np.abs(x))
        np.divide(np.where(x >= 0, 1, e), 1 + e, out=out)
    return forward


def _relu(node):             # ops.elementwise.relu: np.maximum(x, 0)
    x, out = node.parents[0].data, node.data
    return lambda: np.maximum(x, 0, out=out)


def _sum(node):              # ops.reductions.sum, over the axes its backward spreads g along
    x, out = node.parents[0].data, node.data
    kept_shape = _closure(node)["kept_shape"]
    axes = tuple(i for i, n in enumerate(kept_shape) if n == 1 and x.shape[i] != 1)
    kept = out.reshape(kept_shape)                   # a view of out, with the axes kept
    return lambda: np.add.reduce(x, axis=axes, keepdims=True, out=kept)


def _binary_crossentropy(node):   # ops.crossentropy.binary_crossentropy, its forward lines
    values = _closure(node)
    z, raw, lo, hi = values["z"], values["raw"], values["lo"], values["hi"]
    p, log_p, log_not_p, out = values["p"], values["log_p"], values["log_not_p"], node.data
    def forward():
        np.maximum(raw, lo, out=p)
        np.minimum(p, hi, out=p)                     # p = clip(output, eps, 1 - eps)
        np.log(p, out=log_p)
        np.log(1 - p, out=log_not_p)
        np.negative(z * log_p + (1 - z) * log_not_p, out=out)
    return forward


def _softmax(node):          # ops.reductions.softmax: exp(x - peak) / sum(exp(x - peak))
    x, out, axis = node.parents[0].data, node.data, _closure(node)["axis"]
    def forward():
        e = np.exp(x - _peak(x, axis))
        np.divide(e, e.sum(axis=axis, keepdims=True), out=out)
    return forward


def _categorical_crossentropy(node):   # ops.crossentropy.categorical_crossentropy's forward
    values = _closure(node)
    t, p, axis, lo, hi = values["t"], node.parents[1].data, values["axis"], values["lo"], values["hi"]
    total, normalized, q, log_q = (values["total"], values["normalized"], values["q"],
                                   values["log_q"])
    out = node.data
    def forward():
        np.add.reduce(p, axis=axis, keepdims=True, out=total)
        np.divide(p, total, out=normalized)
        np.maximum(normalized, lo, out=q)
        np.minimum(q, hi, out=q)                     # q = clip(p / sum(p), eps, 1 - eps)
        np.log(q, out=log_q)
        np.negative(np.add.reduce(t * log_q, axis=axis), out=out)
    return forward


FORWARD_KERNELS = {
    "add": _binary(np.add), "sub": _binary(np.subtract), "mul": _binary(np.multiply),
    "div": _binary(np.divide), "pow": _binary(np.power), "matmul": _binary(np.matmul),
    "neg": _unary(np.negative), "tanh": _unary(np.tanh), "exp": _unary(np.exp),
    "sigmoid": _sigmoid, "relu": _relu, "sum": _sum,
    "softmax": _softmax, "binary_crossentropy": _binary_crossentropy,
    "categorical_crossentropy": _categorical_crossentropy,
}


# What each op's backward closure may capture besides its inputs' arrays and its own: arrays
# its replay kernel rewrites in place, and values a replay leaves unused (div and pow keep
# their result for the second input's gradient, a numpy scalar when 0-d: unused when that
# input is a constant).
REWRITTEN = {"binary_crossentropy": {"p", "log_p", "log_not_p"},
             "categorical_crossentropy": {"total", "normalized", "q", "log_q"}}
UNUSED_WITHOUT_SECOND_GRADIENT = {"div": {"out"}, "pow": {"out"}}


# ---- the replay ---------------------------------------------------------------------------

class Replay:
    """A recorded graph, replayed: `run()` recomputes `loss` and every weight's `.grad` from
    the leaves' current data. `inputs` are the constant leaves fed anew each step (`feed`).

    The weights' gradient arrays are reused from step to step (the replay owns them: copy
    `w.grad` to keep one past the next step)."""

    def __init__(self, loss, inputs=()):
        if loss.data.size != 1 or not loss.requires_grad:
            raise ReplayError("Replay needs a recorded scalar loss (one that requires grad).")
        self.loss = loss
        self.inputs = list(inputs)
        order = engine.toposort(loss)                # parents before children
        position = {id(t): i for i, t in enumerate(order)}
        inputs_ids = {id(t) for t in self.inputs}
        for node in order:
            if node.parents:
                _check_node(node, inputs_ids)
        self._forward = [FORWARD_KERNELS[t.op](t) for t in order if t.parents]
        self._leaves = [(i, t) for i, t in enumerate(order) if not t.parents]
        self._leaf_arrays = [(t, t.data) for _, t in self._leaves]   # read by reference
        self._buffers = {}                           # weight position -> its reused grad array
        uses = {}                                    # how many ops read each tensor
        for node in order:
            for parent in node.parents:
                uses[id(parent)] = uses.get(id(parent), 0) + 1
        # backward plan: (position, node, [(input index, input position, is leaf)], direct)
        self._backward = []
        for node in reversed(order):
            if node.parents:
                edges = [(i, position[id(parent)], not parent.parents)
                         for i, parent in enumerate(node.parents) if parent.requires_grad]
                weight = node.parents[-1]
                direct = (node.op == "matmul" and node.parents[0].data.ndim == 2
                          and weight.data.ndim == 2 and weight.requires_grad
                          and not weight.parents and uses[id(weight)] == 1)
                self._backward.append((position[id(node)], node, edges, direct))
        self._size = len(order)
        self._root = position[id(loss)]

    def feed(self, tensor, array):
        """Write a new batch into an input leaf (same shape and dtype as traced)."""
        target = tensor.data
        if array.shape != target.shape or array.dtype != target.dtype:
            raise ReplayError(f"the replay was traced for an input of shape {target.shape} "
                              f"({target.dtype}); got {array.shape} ({array.dtype}). The graph "
                              f"changes shape: trace again (or train eagerly).")
        np.copyto(target, array)

    def _buffer(self, position, like):
        """The gradient array of the weight at `position`, made once and reused every step."""
        buffer = self._buffers.get(position)
        if buffer is None:
            buffer = self._buffers[position] = np.empty_like(like)
        return buffer

    def run(self):
        """One step: every op's forward, then the backward; returns the loss as a float."""
        for leaf, array in self._leaf_arrays:
            if leaf.data is not array:
                raise ReplayError(f"tensor {leaf.name or leaf.op or 'leaf'} was given a new "
                                  f"array (`.data = ...`) since the trace, which reads the old "
                                  f"one: trace again (write into it in place to keep a trace).")
        for forward in self._forward:
            forward()
        grads = [None] * self._size
        grads[self._root] = np.ones_like(self.loss.data)
        for position, node, edges, direct in self._backward:
            upstream = grads[position]
            if upstream is None:
                continue
            parents = node.parents
            if direct:
                # x @ W with W a weight read once: dL/dW = x^T @ g written straight into W's
                # gradient array of the last step, so no weight-sized array is allocated (a
                # fresh 64 MB one costs page faults), and dL/dx = g @ W^T as matmul's backward.
                x, weight = parents[0].data, parents[1].data
                buffer = self._buffer(edges[-1][1], weight)
                np.matmul(x.T, upstream, out=buffer)
                grads[edges[-1][1]] = buffer
                parent_grads = (upstream @ weight.T if parents[0].requires_grad else None, None)
            else:
                parent_grads = node._backward(upstream)
            for i, parent_position, is_leaf in edges:
                grad = parent_grads[i]
                if grad is None:
                    continue
                target = parents[i].data
                if grad.shape != target.shape:       # the engine's rules 1 and 2
                    grad = engine.unbroadcast(grad, target.shape, node.op)
                if grad.dtype != target.dtype:
                    grad = grad.astype(target.dtype)
                held = grads[parent_position]
                if not is_leaf:                      # an intermediate: as the engine does
                    grads[parent_position] = grad if held is None else held + grad
                elif held is None:                   # a leaf: into its own reused array
                    buffer = self._buffer(parent_position, target)
                    np.copyto(buffer, grad)
                    grads[parent_position] = buffer
                else:
                    held += grad
        for position, leaf in self._leaves:
            if leaf.requires_grad:
                leaf.grad = grads[position]
        return float(self.loss.data)


def _check_node(node, inputs_ids):
    """Refuse what a replay would get wrong, naming the op and the reason."""
    if node.op not in FORWARD_KERNELS:
        raise ReplayError(f"op '{node.op}' has no replay kernel (known: "
                          f"{', '.join(sorted(FORWARD_KERNELS))}).")
    for parent in node.parents:
        if not parent.requires_grad and parent.data.size > 1 and id(parent) not in inputs_ids:
            raise ReplayError(f"op '{node.op}' reads a constant array of shape "
                              f"{parent.data.shape} that is not a declared input: a replay "
                              f"would reuse its traced value (a dropout mask, or data computed "
                              f"during the step?); a replay's inputs are declared in `inputs`.")
    own = {id(node.data)} | {id(parent.data) for parent in node.parents}
    allowed = set(REWRITTEN.get(node.op, ()))
    if len(node.parents) == 2 and not node.parents[1].requires_grad:
        allowed |= UNUSED_WITHOUT_SECOND_GRADIENT.get(node.op, set())
    for name, value in _closure(node).items():
        if name in allowed or not isinstance(value, (np.ndarray, np.generic)):
            continue                         # a parameter, a shape, a tensor (read anew)
        if isinstance(value, np.ndarray) and id(value) in own:
            continue                         # an array the forward kernels keep up to date
        raise ReplayError(f"the backward of op '{node.op}' keeps a value ({name!r}) that "
                          f"a replay would not update.")


# ---- compile(jit_compile=True) -------------------------------------------------------------

class TrainStep:
    """The training step of a model compiled with jit_compile=True: the first step for each
    input shape runs eagerly and is kept as the trace; later steps of that shape replay it.
    A graph that cannot be replayed is trained eagerly, with one warning saying why."""

    MAX_TRACES = 4                   # input shapes kept traced (a trace holds a step's arrays)

    def __init__(self):
        self.replays = {}            # (shapes, dtypes, weights) -> (Replay, x leaf, y leaf, y_pred)
        self.refused = None          # why this model is trained eagerly, once a trace was refused

    def __call__(self, model, x, y, sample_weight, weights):
        """Run one step; returns False (having done nothing) if it must run eagerly."""
        if (self.refused is not None or sample_weight is not None or not weights
                or type(x) is not np.ndarray or type(y) is not np.ndarray):
            return False                 # (several inputs or outputs: eager, for now)
        key = (x.shape, x.dtype, y.shape, y.dtype, tuple(map(id, weights)))
        entry = self.replays.get(key)
        if entry is not None:
            replay, x_leaf, y_leaf, y_pred = entry
            replay.feed(x_leaf, x)
            replay.feed(y_leaf, y)
            try:
                loss = replay.run()
            except ReplayError:          # a weight got a new array: this trace is stale
                del self.replays[key]
                entry = None
        if entry is None:
            entry = self._trace(model, x, y, weights)
            if entry is not None:
                if len(self.replays) >= self.MAX_TRACES:      # the oldest shape goes
                    del self.replays[next(iter(self.replays))]
                self.replays[key] = entry
            return True
        model.optimizer.apply_gradients([(w.grad, w) for w in weights])
        for weight in weights:           # as the eager step: no gradient left behind (the
            weight.grad = None           # replay keeps the arrays for the next step)
        model._track(loss, len(x), y, y_pred.data, None)
        return True

    def _trace(self, model, x, y, weights):
        """One eager step on inputs of its own (later batches are copied into them)."""
        for weight in weights:
            weight.grad = None
        x_leaf, y_leaf = constant(np.array(x)), constant(np.array(y))
        y_pred = model._forward(x_leaf, training=True)
        loss = model.compute_loss(x_leaf.data, y_leaf, y_pred, None, training=True)
        try:
            entry = (Replay(loss, inputs=[x_leaf, y_leaf]), x_leaf, y_leaf, y_pred)
        except ReplayError as error:
            self.refused = str(error)
            warnings.warn(f"compile(jit_compile=True): {error} This model trains eagerly.",
                          stacklevel=4)
            entry = None
        loss.backward(retain_grads=False)
        model.optimizer.apply_gradients([(w.grad, w) for w in weights])
        for weight in weights:
            weight.grad = None
        model._track(float(loss.data), len(x), y, y_pred.data, None)
        return entry
