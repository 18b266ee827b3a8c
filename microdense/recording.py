"""The recording switches: is the graph being recorded, is anomaly detection on, which layer runs,
and is a training step being taped for replay (replay.py).

All four are per-thread (a `threading.local`), so a thread evaluating a model under `no_grad()`
never stops another thread from recording. This module depends on numpy only: tensor.py reads
these switches when an op runs, engine.py when the backward pass runs.
"""
import functools
import threading
from typing import NamedTuple

import numpy as np


class _State:
    """One thread's switches: is the graph being recorded, is anomaly detection on, which
    layer runs. node() reads all three for every op, so they sit in slots of one object:
    one look-up of the thread-local, then cheap reads (measured with callgrind: three
    look-ups of a thread-local cost 1,100 more instructions per op, about 0.15 us, an eighth
    of what recording an op costs)."""
    __slots__ = ("grad_enabled", "anomaly", "scope", "tape")

    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False
        self.scope = None
        self.tape = None             # a replay.Tape while a training step is recorded


class _Mode(threading.local):
    """Per-thread: `mode.state` is this thread's own _State (made on its first use)."""

    def __init__(self):
        self.state = _State()


mode = _Mode()


# ---- recording on and off -----------------------------------------------------------------

class no_grad:
    """Ops inside `with no_grad():` (or a function decorated `@no_grad()`) record no graph.

    Used for inference and for the optimizer's in-place weight updates. Thread-local.
    """

    def __enter__(self):
        self._was_enabled = mode.state.grad_enabled
        mode.state.grad_enabled = False

    def __exit__(self, *exc_info):
        mode.state.grad_enabled = self._was_enabled

    def __call__(self, fn):
        @functools.wraps(fn)
        def without_grad(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        return without_grad


def is_grad_enabled():
    """True unless inside `no_grad()` on this thread."""
    return mode.state.grad_enabled


class taping:
    """`with taping(tape):` every op run on this thread, with or without gradient, is also
    written to `tape` (replay.py's Tape), which a compiled step replays."""

    def __init__(self, tape):
        self.tape = tape

    def __enter__(self):
        self._outer = mode.state.tape
        mode.state.tape = self.tape
        return self.tape

    def __exit__(self, *exc_info):
        mode.state.tape = self._outer


# ---- where an op ran: layers, functions and composed ops, nested (for drawings) ------------

class Scope(NamedTuple):
    """Where an op ran: inside a layer ('dense_1', described as 'Dense(4)'), a function
    (md.scope('softplus')) or a composed op ('mean'), itself inside `outer` (or nowhere).

    Every op records the innermost scope as `tensor.scope`; drawings nest their clusters by
    `chain()`, and draw a scope of kind "op" as a single op box."""
    name: str
    description: str
    kind: str = "layer"              # "layer", "function" or "op"
    outer: "Scope" = None

    def chain(self):
        """Every enclosing scope, outermost first, ending with this one."""
        scopes, scope = [], self
        while scope is not None:
            scopes.append(scope)
            scope = scope.outer
        return scopes[::-1]

    @property
    def layer(self):
        """The innermost layer scope in the chain (this one, if it is a layer), or None."""
        scope = self
        while scope is not None and scope.kind != "layer":
            scope = scope.outer
        return scope


class layer_scope:
    """`with layer_scope(Scope("dense_1", "Dense(4)")):` tags every op inside with that scope,
    nested inside whatever scope encloses it. (Any Scope enters this way: md.mean enters a
    new Scope of kind "op" per call.)"""

    def __init__(self, scope):
        self.scope = scope

    def __enter__(self):
        state = mode.state
        self._outer = outer = state.scope
        # The layer's scope is reused when already nested right (the usual case): a
        # NamedTuple's _replace costs 1 us, and a Sequential step enters a scope per layer.
        state.scope = self.scope if self.scope.outer is outer else self.scope._replace(outer=outer)

    def __exit__(self, *exc_info):
        mode.state.scope = self._outer


def scope(name, kind="function", description=None):
    """Group the ops recorded inside under a name, so drawings show them as one cluster.

        with md.scope("softplus"):            # a context manager
            y = md.log(1 + md.exp(x))

        @md.scope                              # or a decorator: the function's name is used
        def mish(x):
            return x * md.tanh(softplus(x))

    Scopes nest: a function called inside a layer is a cluster inside the layer's cluster.
    kind="op" marks a composed op (md.mean is sum * 1/n): drawings show it as one op box,
    with `description` (its derivative rule) as its tooltip.
    """
    if callable(name):                         # used bare, as @md.scope
        fn = name
        return _ScopeBlock(fn.__name__, kind, description)(fn)
    return _ScopeBlock(name, kind, description)


class _ScopeBlock:
    """What md.scope returns: a context manager, and a decorator that enters it per call."""

    def __init__(self, name, kind, description):
        if not isinstance(name, str) or not name:
            raise TypeError(f"md.scope needs a name (a non-empty string); got {name!r}.")
        if kind not in ("function", "op", "layer"):
            raise ValueError(f"md.scope kind must be 'function', 'op' or 'layer'; got {kind!r}.")
        self.name, self.kind, self.description = name, kind, description or name

    def __enter__(self):
        self._outer = mode.state.scope
        mode.state.scope = Scope(self.name, self.description, self.kind, self._outer)

    def __exit__(self, *exc_info):
        mode.state.scope = self._outer

    def __call__(self, fn):
        name, kind, description = self.name, self.kind, self.description

        @functools.wraps(fn)
        def in_scope(*args, **kwargs):
            with _ScopeBlock(name, kind, description):
                return fn(*args, **kwargs)
        return in_scope


# ---- anomaly detection --------------------------------------------------------------------

class detect_anomaly:
    """Inside `with detect_anomaly():` an op whose forward or backward makes NaN or inf raises
    FloatingPointError naming the op (and the tensor, if it has a name). Thread-local; slow."""

    def __enter__(self):
        self._was_on = mode.state.anomaly
        mode.state.anomaly = True
        return self

    def __exit__(self, *exc_info):
        mode.state.anomaly = self._was_on


def check_finite(array, op, name, phase):
    """Raise FloatingPointError if `array` holds NaN or inf (used by detect_anomaly)."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "inf"
        where = f" (for tensor {name!r})" if name else ""
        what = f"op '{op}'" if op else "a tensor creation"
        raise FloatingPointError(f"{phase} of {what} produced {bad}{where}.")
