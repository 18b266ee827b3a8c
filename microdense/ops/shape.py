"""Shape primitives: they move values around without changing them, so each backward
moves the gradient back (reshape it, transpose it back, split it, scatter it)."""
import numpy as np

from microdense.tensor import Tensor, as_tensor
from microdense.ops.axes import normalize_axis
from microdense.ops.op import Op


# ---- reshape, transpose, expand_dims, squeeze -----------------------------------------------

def _reshape(x, shape):
    try:
        return x.reshape(shape), x.shape
    except ValueError:
        raise ValueError(f"cannot reshape a tensor of shape {x.shape} ({x.size} values) "
                         f"into shape {shape}.") from None

def _reshape_back(source_shape, g, needs):            # reshape, expand_dims and squeeze
    return (g.reshape(source_shape),)

def _reshaped_back(out, x):
    return (f"dL/d{x} = dL/d{out} reshaped back to {x.shape}",)

RESHAPE = Op("reshape", _reshape, _reshape_back, "moves values: the gradient is reshaped back",
             math=_reshaped_back)


def _transpose(x, axes):
    return x.transpose(axes), tuple(np.argsort(axes))

def _transpose_backward(inverse, g, needs):
    return (g.transpose(inverse),)

TRANSPOSE = Op("transpose", _transpose, _transpose_backward,
               "moves values: the gradient is transposed back",
               math=lambda out, x: (f"dL/d{x} = dL/d{out} transposed back to {x.shape}",))


def _expand_dims(x, axis):
    return np.expand_dims(x, axis), x.shape

EXPAND_DIMS = Op("expand_dims", _expand_dims, _reshape_back,
                 "moves values: the gradient is reshaped back", math=_reshaped_back)


def _squeeze(x, axis=None):
    return np.squeeze(x, axis=axis), x.shape

SQUEEZE = Op("squeeze", _squeeze, _reshape_back, "moves values: the gradient is reshaped back",
             math=_reshaped_back)


# ---- concatenate, stack --------------------------------------------------------------------

def _concatenate(*arrays, axis):
    split_points = np.cumsum([a.shape[axis] for a in arrays])[:-1]
    return np.concatenate(arrays, axis=axis), (split_points, axis)

def _concatenate_backward(saved, g, needs):
    split_points, axis = saved
    return tuple(np.split(g, split_points, axis=axis))

def _each_its_slice(out, *inputs):
    return tuple(f"dL/d{x} = the slice of dL/d{out} that {x} filled" for x in inputs)

CONCATENATE = Op("concatenate", _concatenate, _concatenate_backward,
                 "moves values: each input gets its slice of the gradient", math=_each_its_slice)


def _stack(*arrays, axis):
    return np.stack(arrays, axis=axis), axis

def _stack_backward(axis, g, needs):
    return tuple(np.moveaxis(g, axis, 0))

STACK = Op("stack", _stack, _stack_backward,
           "moves values: each input gets its slice of the gradient", math=_each_its_slice)


# ---- getitem -------------------------------------------------------------------------------

class IndexInput:
    """In getitem's `index` setting: "the k-th index array, given as an input", so an index
    computed during a step (labels, argmax) is fed anew when the step is replayed."""
    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __repr__(self):
        return f"<index input {self.k}>"


def _getitem(x, *index_arrays, index):
    if index_arrays:                      # put the index arrays back into the index
        parts = index if isinstance(index, tuple) else (index,)
        index = tuple(index_arrays[p.k] if isinstance(p, IndexInput) else p for p in parts)
    return x[index], (x.shape, index, len(index_arrays))

def _getitem_backward(saved, g, needs):
    shape, index, n_index_arrays = saved
    grad = np.zeros(shape, g.dtype)
    if _is_basic(index):
        grad[index] = g              # slices never repeat an element: plain assignment
    else:
        np.add.at(grad, index, g)    # x[[0, 0]] takes row 0 twice: it gets both gradients
    return (grad,) + (None,) * n_index_arrays

def _scattered_back(out, x, *index_inputs):
    return ((f"dL/d{x} = zeros of shape {x.shape}, with dL/d{out} added at the picked "
             f"places (an element picked twice gets both)",)
            + tuple(f"{i} is an index: data, no gradient" for i in index_inputs))

GETITEM = Op("getitem", _getitem, _getitem_backward,
             "moves values: the gradient is scattered back (repeats add up)",
             math=_scattered_back)


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               for p in parts)


# ---- the functions users call --------------------------------------------------------------

def reshape(x, *shape, newshape=None):
    """x with a new shape (one axis may be -1). `reshape(x, 2, 3)`, `reshape(x, (2, 3))` or,
    as keras.ops, `reshape(x, newshape=(2, 3))`."""
    if newshape is not None:
        shape = (newshape,)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return RESHAPE(as_tensor(x), shape=tuple(shape))


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
    return TRANSPOSE(x, axes=axes)


def expand_dims(x, axis):
    """x with a new axis of length 1 at `axis`."""
    x = as_tensor(x)
    return EXPAND_DIMS(x, axis=normalize_axis(axis, x.data.ndim + 1, "expand_dims"))


def squeeze(x, axis=None):
    """x without axes of length 1 (only `axis`, if given)."""
    x = as_tensor(x)
    if axis is not None:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        axis = tuple(normalize_axis(a, x.data.ndim, "squeeze") for a in axes)
        if any(x.data.shape[a] != 1 for a in axis):
            raise ValueError(f"squeeze: axis {axes} of shape {x.data.shape} is not of length 1.")
    return SQUEEZE(x, axis=axis)


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
    return CONCATENATE(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis."""
    tensors = tuple(as_tensor(t) for t in tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor.")
    shapes = {t.data.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack needs tensors of one shape; got shapes "
                         f"{', '.join(map(str, sorted(shapes)))}.")
    return STACK(*tensors, axis=normalize_axis(axis, tensors[0].data.ndim + 1, "stack"))


def getitem(x, index):
    """x[index] with numpy indexing: ints, slices, None, ..., integer arrays, boolean masks.

    Integer arrays may repeat an index: each repeat adds its gradient (np.add.at). An index
    given as a Tensor is an input of the op (data, fed anew each step of a compiled step).
    """
    x = as_tensor(x)
    parts = index if isinstance(index, tuple) else (index,)
    index_tensors = [p for p in parts if isinstance(p, Tensor)]
    if index_tensors:
        slots = iter(range(len(index_tensors)))
        parts = tuple(IndexInput(next(slots)) if isinstance(p, Tensor) else p for p in parts)
        index = parts if isinstance(index, tuple) else parts[0]
    return GETITEM(x, *index_tensors, index=index)
