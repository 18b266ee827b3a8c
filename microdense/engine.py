"""The backward pass: one walk over the recorded graph, in reverse topological order.

This is the only place where gradients are summed (a tensor used twice gets both
contributions) and un-broadcast (a bias of shape (4,) added to a (32, 4) batch gets the
gradient summed over the batch). Each op's backward only applies its own local derivative.
"""
import numpy as np

from microdense import tensor


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


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    Broadcasting copies a value along new leading axes and along axes of length 1;
    the chain rule adds up the gradients of all those copies.
    """
    extra_leading_axes = grad.ndim - len(shape)
    if extra_leading_axes > 0:
        grad = grad.sum(axis=tuple(range(extra_leading_axes)))
    stretched = tuple(axis for axis, n in enumerate(shape) if n == 1 and grad.shape[axis] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def backward(root, grad=None, retain_grads=True):
    """Fill `.grad` on every tensor in root's graph that requires grad. See Tensor.backward."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad: no input of its "
                           "graph has requires_grad=True, or it was computed inside no_grad().")
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"backward() without grad= needs a scalar (one-element) tensor; "
                             f"this one has shape {root.shape}. Reduce it first (e.g. .sum() "
                             f"or .mean()), or pass grad= an array of shape {root.shape}.")
        grad = np.ones_like(root.data)
    else:
        grad = np.array(tensor._raw(grad), dtype=root.data.dtype)     # a private copy
        if grad.shape != root.shape:
            raise ValueError(f"backward(grad=...) needs a gradient of the root's shape "
                             f"{root.shape}; got shape {grad.shape}.")

    order = toposort(root)
    for node in order:
        if node.parents:             # intermediates hold the latest pass only; leaves accumulate
            node.grad = None
    root.grad = grad if root.grad is None else root.grad + grad

    check = tensor._mode.anomaly
    for node in reversed(order):     # root first; each node's grad is complete when reached
        if not node.parents or node.grad is None:
            continue
        parent_grads = node._backward(node.grad)
        if not retain_grads:
            node.grad = None         # passed on to its parents: the memory can go now
        for parent, parent_grad in zip(node.parents, parent_grads):
            if parent_grad is None or not parent.requires_grad:
                continue
            if check:
                check_finite(parent_grad, node.op, parent.name, "backward")
            if parent_grad.shape != parent.data.shape:
                parent_grad = unbroadcast(parent_grad, parent.data.shape)
            if parent_grad.dtype != parent.data.dtype:   # float32 weights, float64 expression
                parent_grad = parent_grad.astype(parent.data.dtype)
            # Accumulate without writing into arrays: a gradient may be shared (add returns
            # g for both parents), so `+=` here could corrupt another tensor's .grad.
            if parent.grad is not None:
                parent.grad = parent.grad + parent_grad
            elif parent.parents or (parent_grad is not node.grad and parent_grad.base is None):
                parent.grad = parent_grad
            else:                    # a leaf's .grad is the user's to change: never shared
                parent.grad = parent_grad.copy()


# ---- anomaly detection --------------------------------------------------------------------

class detect_anomaly:
    """Inside `with detect_anomaly():` an op whose forward or backward makes NaN or inf raises
    FloatingPointError naming the op (and the tensor, if it has a name). Thread-local; slow."""

    def __enter__(self):
        self._was_on = tensor._mode.anomaly
        tensor._mode.anomaly = True
        return self

    def __exit__(self, *exc_info):
        tensor._mode.anomaly = self._was_on


def check_finite(array, op, name, phase):
    """Raise FloatingPointError if `array` holds NaN or inf (used by detect_anomaly)."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "inf"
        where = f" (for tensor {name!r})" if name else ""
        what = f"op '{op}'" if op else "a tensor creation"
        raise FloatingPointError(f"{phase} of {what} produced {bad}{where}.")
