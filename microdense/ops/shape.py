"""Shape primitives: they move values around without changing them, so each backward
moves the gradient back (reshape it, transpose it back, split it, scatter it)."""
import numpy as np

from microdense.tensor import Tensor, as_tensor, node
from microdense.ops.axes import normalize_axis


def reshape(x, *shape, newshape=None):
    """x with a new shape (one axis may be -1). `reshape(x, 2, 3)`, `reshape(x, (2, 3))` or,
    as keras.ops, `reshape(x, newshape=(2, 3))`."""
    x = as_tensor(x)
    if newshape is not None:
        shape = (newshape,)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    source_shape = x.data.shape
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ValueError(f"cannot reshape a tensor of shape {source_shape} "
                         f"({x.data.size} values) into shape {shape}.") from None
    def backward(g):
        return (g.reshape(source_shape),)
    return node(out, (x,), backward, "reshape", "moves values: the gradient is reshaped back")


def transpose(x, *permutation, axes=None):
    """Permute axes (reverse them if none are given), as numpy.transpose:
    `transpose(x, 1, 0)`, `transpose(x, (1, 0))` or, as keras.ops, `transpose(x, axes=(1, 0))`."""
    x = as_tensor(x)
    axes = (axes,) if axes is not None else permutation
    ndim = x.data.ndim
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(ndim)))
    # Non-negative axes: argsort inverts the permutation only when -1 is written as ndim - 1.
    axes = tuple(normalize_axis(a, ndim, "transpose") for a in axes)
    if sorted(axes) != list(range(ndim)):
        raise ValueError(f"transpose needs a permutation of the axes 0..{ndim - 1} of a tensor "
                         f"of shape {x.data.shape}; got {axes}.")
    inverse = tuple(np.argsort(axes))
    def backward(g):
        return (g.transpose(inverse),)
    return node(x.data.transpose(axes), (x,), backward, "transpose",
                "moves values: the gradient is transposed back")


def expand_dims(x, axis):
    """x with a new axis of length 1 at `axis`."""
    x = as_tensor(x)
    source_shape = x.data.shape
    axis = normalize_axis(axis, x.data.ndim + 1, "expand_dims")
    def backward(g):
        return (g.reshape(source_shape),)
    return node(np.expand_dims(x.data, axis), (x,), backward, "expand_dims",
                "moves values: the gradient is reshaped back")


def squeeze(x, axis=None):
    """x without axes of length 1 (only `axis`, if given)."""
    x = as_tensor(x)
    source_shape = x.data.shape
    if axis is not None:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        axis = tuple(normalize_axis(a, x.data.ndim, "squeeze") for a in axes)
        if any(source_shape[a] != 1 for a in axis):
            raise ValueError(f"squeeze: axis {axes} of shape {source_shape} is not of length 1.")
    def backward(g):
        return (g.reshape(source_shape),)
    return node(np.squeeze(x.data, axis=axis), (x,), backward, "squeeze",
                "moves values: the gradient is reshaped back")


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis; axis=None joins them flattened, as numpy does."""
    tensors = tuple(as_tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor.")
    if axis is None:
        return concatenate([reshape(t, -1) for t in tensors], 0)
    axis = normalize_axis(axis, tensors[0].data.ndim, "concatenate")
    shapes = [t.data.shape for t in tensors]
    if any(len(s) != len(shapes[0]) or s[:axis] + s[axis + 1:] != shapes[0][:axis] +
           shapes[0][axis + 1:] for s in shapes):
        raise ValueError(f"concatenate along axis {axis} needs tensors whose other axes agree; "
                         f"got shapes {', '.join(map(str, shapes))}.")
    out = np.concatenate([t.data for t in tensors], axis=axis)
    split_points = np.cumsum([t.data.shape[axis] for t in tensors])[:-1]
    def backward(g):
        return tuple(np.split(g, split_points, axis=axis))
    return node(out, tensors, backward, "concatenate",
                "moves values: each input gets its slice of the gradient")


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis."""
    tensors = tuple(as_tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor.")
    shapes = {t.data.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack needs tensors of one shape; got shapes "
                         f"{', '.join(map(str, sorted(shapes)))}.")
    new_axis = normalize_axis(axis, tensors[0].data.ndim + 1, "stack")
    out = np.stack([t.data for t in tensors], axis=new_axis)
    def backward(g):
        return tuple(np.moveaxis(g, new_axis, 0))
    return node(out, tensors, backward, "stack",
                "moves values: each input gets its slice of the gradient")


def getitem(x, index):
    """x[index] with numpy indexing: ints, slices, None, ..., integer arrays, boolean masks.

    Integer arrays may repeat an index: each repeat adds its gradient (np.add.at).
    """
    x = as_tensor(x)
    index = _plain_index(index)
    source = x.data
    def backward(g):
        grad = np.zeros(source.shape, g.dtype)
        if _is_basic(index):
            grad[index] = g              # slices never repeat an element: plain assignment
        else:
            np.add.at(grad, index, g)    # x[[0, 0]] takes row 0 twice: it gets both gradients
        return (grad,)
    return node(source[index], (x,), backward, "getitem",
                "moves values: the gradient is scattered back (repeats add up)")


def _plain_index(index):
    """Tensors used as indices become their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               for p in parts)
