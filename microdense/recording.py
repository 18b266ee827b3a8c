"""The recording switches: is the graph being recorded, is anomaly detection on, which layer runs.

All three are per-thread (a `threading.local`), so a thread evaluating a model under `no_grad()`
never stops another thread from recording. This module depends on numpy only: tensor.py reads
these switches when an op runs, engine.py when the backward pass runs.
"""
import functools
import threading
from typing import NamedTuple

import numpy as np


class _Mode(threading.local):
    """Per-thread state: is the graph being recorded, is anomaly detection on, which layer runs."""
    grad_enabled = True
    anomaly = False
    scope = None


mode = _Mode()


# ---- recording on and off -----------------------------------------------------------------

class no_grad:
    """Ops inside `with no_grad():` (or a function decorated `@no_grad()`) record no graph.

    Used for inference and for the optimizer's in-place weight updates. Thread-local.
    """

    def __enter__(self):
        self._was_enabled = mode.grad_enabled
        mode.grad_enabled = False

    def __exit__(self, *exc_info):
        mode.grad_enabled = self._was_enabled

    def __call__(self, fn):
        @functools.wraps(fn)
        def without_grad(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        return without_grad


def is_grad_enabled():
    """True unless inside `no_grad()` on this thread."""
    return mode.grad_enabled


# ---- which layer is running (for drawings) ------------------------------------------------

class Scope(NamedTuple):
    """The layer an op ran inside: its name ('dense_1') and a short description for drawings."""
    name: str
    description: str


class layer_scope:
    """`with layer_scope(Scope("dense_1", "Dense(4)")):` tags every op inside with that scope."""

    def __init__(self, scope):
        self.scope = scope

    def __enter__(self):
        self._outer = mode.scope
        mode.scope = self.scope

    def __exit__(self, *exc_info):
        mode.scope = self._outer


# ---- anomaly detection --------------------------------------------------------------------

class detect_anomaly:
    """Inside `with detect_anomaly():` an op whose forward or backward makes NaN or inf raises
    FloatingPointError naming the op (and the tensor, if it has a name). Thread-local; slow."""

    def __enter__(self):
        self._was_on = mode.anomaly
        mode.anomaly = True
        return self

    def __exit__(self, *exc_info):
        mode.anomaly = self._was_on


def check_finite(array, op, name, phase):
    """Raise FloatingPointError if `array` holds NaN or inf (used by detect_anomaly)."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "inf"
        where = f" (for tensor {name!r})" if name else ""
        what = f"op '{op}'" if op else "a tensor creation"
        raise FloatingPointError(f"{phase} of {what} produced {bad}{where}.")
