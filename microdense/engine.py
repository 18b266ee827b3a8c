"""The backward pass: one walk over the recorded graph, in reverse topological order.

This is the only place where gradients are summed (a tensor used twice gets both
contributions) and un-broadcast (a bias of shape (4,) added to a (32, 4) batch gets the
gradient summed over the batch). Each op's backward only applies its own local derivative.

The engine knows nothing of the Tensor class. It walks any object with this node protocol:
    data           the forward value (an ndarray)
    grad           d(root)/d(this), filled in here (None until then)
    requires_grad  whether a gradient is wanted at all
    parents        the inputs it was computed from (a tuple; empty for a leaf)
    record, saved  the op that made it (ops/op.py) and what its forward kept for the backward
    op             the op's name, for error messages
"""
import threading

import numpy as np

from microdense import recording


def toposort(root):
    """Every recorded tensor that `root` depends on, each listed after all of its parents.

    Iterative depth-first search (no recursion limit: a chain of 100,000 ops is fine).
    Only tensors that require grad are visited; constants and data stop the walk.
    """
    order = []
    visited = {root}                 # tensors hash by identity
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent.requires_grad and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:                        # all parents done: the node itself can follow them
            stack.pop()
            order.append(node)
    return order


def backward(root, grad=None, retain_grads=True, trace=None):
    """Fill `.grad` on every tensor in root's graph that requires grad. See Tensor.backward.

    `trace` (a microdense.trace.Trace, or None) is told what each step does; see trace.py.
    """
    seed = _seed(root, grad)
    order = toposort(root)
    for node in order:
        if node.parents:             # intermediates hold the latest pass only; leaves accumulate
            node.grad = None
    _accumulate(root, seed, "backward", borrowed=False)
    for node in reversed(order):     # root first; each node's grad is complete when reached
        upstream = node.grad
        parents = node.parents
        if not parents or upstream is None:
            continue
        if not retain_grads:
            node.grad = None         # passed on to its parents: the memory can go now
        parent_grads = local_gradients(node, upstream)
        if len(parent_grads) != len(parents):
            raise _count_error(node, parent_grads)
        if trace is not None:
            trace.visit(node, upstream)
        for i, parent in enumerate(parents):
            parent_grad = parent_grads[i]
            if parent_grad is not None and parent.requires_grad:
                # Sharing matters only to a leaf, which keeps its array (rule 4 of _accumulate).
                borrowed = not parent.parents and may_be_shared(parent_grad, upstream,
                                                                 parent_grads, i)
                added = _accumulate(parent, parent_grad, node.op, borrowed)
                if trace is not None:
                    trace.receive(i, parent, parent_grad, added)


# ---- the pieces of the walk ---------------------------------------------------------------

def local_gradients(node, upstream):
    """The op's own backward, from its record: one gradient per parent (None where none is
    needed, as `needs` tells it)."""
    needs = tuple([parent.requires_grad for parent in node.parents])
    return node.record.backward(node.saved, upstream, needs)


def _seed(root, grad):
    """d(root)/d(root): 1 for a scalar root, else the `grad` array the caller gives."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad: no input of its "
                           "graph has requires_grad=True, or it was computed inside no_grad().")
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"backward() without grad= needs a scalar (one-element) tensor; "
                             f"this one has shape {root.data.shape}. Reduce it first (e.g. "
                             f".sum() or .mean()), or pass grad= an array of shape "
                             f"{root.data.shape}.")
        return np.ones_like(root.data)
    grad = np.array(grad, dtype=root.data.dtype)                  # a private copy
    if grad.shape != root.data.shape:
        raise ValueError(f"backward(grad=...) needs a gradient of the root's shape "
                         f"{root.data.shape}; got shape {grad.shape}.")
    return grad


def _count_error(node, parent_grads):
    """An op's backward must return one gradient per parent."""
    return RuntimeError(f"the backward of op '{node.op}' returned {len(parent_grads)} "
                        f"gradients for {len(node.parents)} inputs: it must return one "
                        f"per input (None for an input that needs none).")


def may_be_shared(grad, upstream, parent_grads, i):
    """Whether another tensor may hold this very array: the upstream gradient passed through
    (add returns g for both inputs), a view of some array (reshape returns g.reshape(...)),
    or one array returned for two inputs."""
    if grad is upstream or grad.base is not None:
        return True
    return any(other is grad for other in parent_grads[:i])


# Leaves are where threads meet: two threads training one model add into the same W.grad.
_leaf_lock = threading.Lock()


def _accumulate(tensor, grad, op, borrowed):
    """Add one contribution to tensor.grad: the engine's only write to a gradient.

    The rules, in order:
    1. un-broadcast: sum the contribution down to the tensor's shape;
    2. cast it to the tensor's dtype (float32 weights in a float64 expression stay float32);
    3. with detect_anomaly() on, refuse NaN and inf, naming the op;
    4. ownership: a leaf's .grad is the user's to change in place, so it never shares an array
       (a borrowed one is copied); an intermediate's .grad may share, and so is only ever
       replaced (`grad = grad + g`), never written into;
    5. leaves accumulate under a lock, so backward() from several threads loses nothing.
    Returns the contribution as added (un-broadcast and cast), for a trace to record.
    """
    if grad.shape != tensor.data.shape:
        grad = unbroadcast(grad, tensor.data.shape, op)
        borrowed = False                             # a sum makes a new array
    if grad.dtype != tensor.data.dtype:
        grad = grad.astype(tensor.data.dtype)
        borrowed = False
    if recording.mode.state.anomaly:
        recording.check_finite(grad, op, getattr(tensor, "name", None), "backward")
    if tensor.parents:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
        return grad
    with _leaf_lock:
        if tensor.grad is None:
            tensor.grad = grad.copy() if borrowed else grad
        else:
            tensor.grad = tensor.grad + grad
    return grad


def unbroadcast(grad, shape, op=""):
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    Broadcasting copies a value along new leading axes and along axes of length 1;
    the chain rule adds up the gradients of all those copies. Any other shape mismatch is a
    bug in some op's backward, refused here so that a wrong shape never lands in `.grad`.
    """
    given_shape = grad.shape
    extra_leading_axes = grad.ndim - len(shape)
    if extra_leading_axes > 0:                       # e.g. a bias's (batch, units) -> (units,)
        # np.add.reduce(grad, axis) is grad.sum(axis): numpy's own name for it.
        grad = np.add.reduce(grad, axis=tuple(range(extra_leading_axes)))
    if grad.shape == shape:
        return grad
    # Something is left to undo: axes of length 1 that were stretched, or a wrong shape.
    if extra_leading_axes < 0 or any(n != m and n != 1 for n, m in zip(shape, grad.shape)):
        raise RuntimeError(f"the backward of op '{op}' returned a gradient of shape "
                           f"{given_shape} for an input of shape {shape}: it cannot be summed "
                           f"down to that shape (a bug in that op's backward).")
    stretched = tuple(axis for axis, n in enumerate(shape) if n == 1 and grad.shape[axis] != 1)
    return np.add.reduce(grad, axis=stretched, keepdims=True)
