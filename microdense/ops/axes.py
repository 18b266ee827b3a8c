"""Checking the `axis` arguments of reductions and shape ops, once, before numpy sees them.

numpy accepts negative axes (-1 is the last) and so do we; but an op whose backward uses the
axes (transpose inverts its permutation, a reduction re-inserts the summed axes) must work with
the normalized, non-negative ones, or its gradient lands on the wrong axis.
"""
import numpy as np


def normalize_axis(axis, ndim, op):
    """One axis as a non-negative int in [0, ndim); -1 is the last axis."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int; got {axis!r} ({type(axis).__name__}).")
    if not -ndim <= axis < ndim:
        valid = f"in [{-ndim}, {ndim - 1}]" if ndim else "none: the tensor is 0-d (a scalar)"
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor with {ndim} "
                         f"dimension{'s' if ndim != 1 else ''} (valid axes: {valid}).")
    return int(axis) % ndim


def normalize_axes(axis, ndim, op):
    """None (every axis), or an int or a sequence of ints as a sorted tuple of distinct
    non-negative axes."""
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis % ndim,)       # the usual case, one int axis: 0.25 us instead of 1.65 us
    axes = axis if isinstance(axis, (tuple, list, np.ndarray)) else (axis,)
    if ndim == 0 and all(a in (0, -1) for a in axes):
        return ()     # as PyTorch: a scalar's only "axis" reduces nothing (so 0-d losses work)
    axes = tuple(normalize_axis(a, ndim, op) for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: axis {axis!r} names the same axis twice.")
    return tuple(sorted(axes))
