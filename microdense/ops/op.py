"""The op record: one primitive, defined once, as data.

    def _tanh(x):
        t = np.tanh(x)
        return t, t                          # the output, and what the backward needs

    def _tanh_backward(t, g, needs):
        return (g * (1 - t * t),)            # g = dL/d(out); chain rule: g * d tanh(x)/dx

    TANH = Op("tanh", _tanh, _tanh_backward, rule="d tanh(x)/dx = 1 - tanh(x)^2")

forward(*arrays, **attrs) -> (out, saved)
    computes the op on plain ndarrays. `attrs` are its settings (an axis, a shape, clip
    bounds): Python values fixed when the op is called. `saved` is whatever the backward
    will need (inputs, the output, an intermediate): the forward decides, nothing else.
backward(saved, g, needs) -> one gradient per input
    g is d(loss)/d(out), shaped like out. `needs[i]` says whether input i wants a gradient
    (a backward may return None there to skip the work, e.g. the data of `x @ W`). The engine
    sums each gradient back to its input's shape (un-broadcasting) and accumulates it.

A record also writes its gradient in the math's own form (`math`: `dL/dW = x^T @ dL/dz`) and
says whether it is elementwise. Everything reads the same record: eager execution (`TANH(x)`
runs forward and records a node holding the record and `saved`), the backward pass (engine.py
calls `backward`), the trace's text and the drawings (`name`, `rule`, `math`), and the
compiled step (replay.py calls `forward` and `backward` again, on each new batch). Nothing
is written twice.

A fused op is a record whose forward and backward do the work of several primitives at once
(crossentropy.py's: softmax and log-loss, whose gradient is simply p - y); its `composition`
is the same math written with primitives.

An op without a backward (`backward=None`) is data, not math: a comparison, a random draw,
a cast to integers. It records no gradient, but a recorded step still replays it.
"""
import numpy as np

from microdense.tensor import node


class Op:
    """A primitive: its name, its forward, its backward and its derivative rule in words."""

    __slots__ = ("name", "forward", "backward", "rule", "math", "elementwise", "composition")

    def __init__(self, name, forward, backward, rule="", math=None, elementwise=False,
                 composition=None):
        self.name = name
        self.forward = forward
        self.backward = backward
        self.rule = rule
        # math(out, *inputs) -> one line per input: its gradient in the math's own form,
        # e.g. "dL/dW = x^T @ dL/dz: (3, 5) = (3, 4) @ (4, 5)" (the arguments print as the
        # tensors' labels and have .shape). The trace, the drawings and the explorer show it.
        self.math = math
        # Elementwise: out[i] depends on the inputs' i-th values only (after broadcasting),
        # so each input's gradient is upstream times a local factor, element by element.
        self.elementwise = elementwise
        # A fused op (several ops' math in one record) names the plain
        # composition of primitives it replaces: tests check that both agree, and
        # draw_graph(expand=True) draws it.
        self.composition = composition

    def __call__(self, *inputs, **attrs):
        """Run the op on tensors (already converted: `as_tensor`) and return its output."""
        out, saved = self.forward(*[t.data for t in inputs], **attrs)
        if type(out) is not np.ndarray:      # numpy gives a scalar, not an array, for 0-d
            out = np.asarray(out)
        return node(self, inputs, attrs, out, saved)

    def __repr__(self):
        return f"Op({self.name!r})"


def data_op(name, function):
    """An op that is data, not math (no gradient): `function(*arrays, **attrs)` -> array.
    Comparisons, rounding, argmax and random draws are these: recorded so that a compiled
    step computes them anew each step, but never differentiated."""
    def forward(*arrays, **attrs):
        return function(*arrays, **attrs), None
    return Op(name, forward, None)
