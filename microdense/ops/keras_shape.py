"""keras.ops's shape and indexing functions, composed from the primitives (see keras_ops.py):
each is a reshape, a concatenation or an indexing of x, so its gradient is those ops'."""
import numpy as np

from microdense.ops.axes import normalize_axis
from microdense.ops.shape import concatenate, getitem, reshape
from microdense.tensor import Tensor, as_tensor, constant


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# ---- shapes and indexing --------------------------------------------------------------------

def ravel(x):
    """x flattened to one axis."""
    return reshape(x, (-1,))


def broadcast_to(x, shape):
    """x repeated to `shape` by numpy's broadcasting: x + zeros(shape). The engine sums the
    gradient back to x's shape, as for any broadcast."""
    x = as_tensor(x)
    return x + np.zeros(shape, x.dtype)


def take(x, indices, axis=None):
    """x's entries at `indices` along `axis` (of the flattened x if None); repeated indices
    add up their gradients."""
    x = as_tensor(x)
    indices = _data(indices).astype(np.intp)
    if axis is None:
        return getitem(ravel(x), indices)
    return getitem(x, (slice(None),) * (axis % x.ndim) + (indices,))


def take_along_axis(x, indices, axis=None):
    """numpy.take_along_axis: out[..., i, ...] = x[..., indices[..., i, ...], ...].

    x and indices broadcast against each other on every axis but `axis`, as in numpy, Keras and
    PyTorch's take_along_dim: indices of shape (1, k) pick the same k columns of every row.
    axis=None takes from the flattened x. Negative indices count from the end."""
    x = as_tensor(x)
    indices = _data(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"take_along_axis: indices must be integers; got {indices.dtype}.")
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, max(x.ndim, indices.ndim), "take_along_axis")
    # Equal ranks first (numpy needs them; Keras prepends axes of length 1, and so do we).
    if indices.ndim < x.ndim:
        indices = indices.reshape((1,) * (x.ndim - indices.ndim) + indices.shape)
    elif x.ndim < indices.ndim:
        x = reshape(x, (1,) * (indices.ndim - x.ndim) + x.shape)
    others_x = x.shape[:axis] + (1,) + x.shape[axis + 1:]
    others_i = indices.shape[:axis] + (1,) + indices.shape[axis + 1:]
    try:
        out_shape = list(np.broadcast_shapes(others_x, others_i))
    except ValueError:
        raise ValueError(f"take_along_axis: indices of shape {indices.shape} do not broadcast "
                         f"against x of shape {x.shape} on the axes other than {axis}.") from None
    out_shape[axis] = indices.shape[axis]
    indices = np.broadcast_to(indices, out_shape)
    # One index array per axis, each shaped to broadcast to out_shape: `indices` on `axis`,
    # and on every other axis the position itself, or 0 where x has length 1 (x broadcasts).
    # A broadcast entry is read several times; getitem's backward adds up its gradients.
    index = []
    for i, n in enumerate(out_shape):
        if i == axis:
            index.append(indices)
        else:
            positions = np.arange(n) if x.shape[i] == n else np.zeros(1, np.intp)
            index.append(positions.reshape((-1,) + (1,) * (len(out_shape) - 1 - i)))
    return getitem(x, tuple(index))


def split(x, indices_or_sections, axis=0):
    """x cut into pieces along `axis`, as numpy.split (each piece a slice of x)."""
    x = as_tensor(x)
    axis = axis % x.ndim
    length = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if length % indices_or_sections:
            raise ValueError(f"split: axis {axis} of length {length} does not divide into "
                             f"{indices_or_sections} equal sections.")
        step = length // indices_or_sections
        bounds = list(range(0, length + 1, step))
    else:
        bounds = [0, *indices_or_sections, length]
    before = (slice(None),) * axis
    return [getitem(x, before + (slice(start, stop),)) for start, stop in zip(bounds, bounds[1:])]


def tile(x, repeats):
    """x repeated `repeats` times along each axis, as numpy.tile (a concatenation of copies)."""
    x = as_tensor(x)
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    if len(repeats) > x.ndim:
        x = reshape(x, (1,) * (len(repeats) - x.ndim) + x.shape)
    repeats = (1,) * (x.ndim - len(repeats)) + repeats
    for axis, count in enumerate(repeats):
        if count != 1:
            x = concatenate([x] * count, axis=axis)
    return x


def repeat(x, repeats, axis=None):
    """Each entry repeated `repeats` times along `axis`, as numpy.repeat."""
    x = as_tensor(x)
    if axis is None:
        x, axis = ravel(x), 0
    return take(x, np.repeat(np.arange(x.shape[axis]), repeats), axis=axis)


def top_k(x, k, sorted=True):  # noqa: A002 (Keras's argument name)
    """(values, indices) of the k largest entries along the last axis, largest first; ties go
    to the lower index, as in JAX. The values are differentiable (they index x)."""
    x = as_tensor(x)
    indices = np.argsort(-x.data, axis=-1, kind="stable")[..., :k].astype(np.int32)
    return take_along_axis(x, indices, axis=-1), constant(indices)


def in_top_k(targets, predictions, k):
    """True where the prediction for the target class ranks among the k largest: its rank is
    1 + the number of strictly larger predictions (a NaN ranks last), as Keras's JAX backend."""
    predictions = _data(predictions)
    targets = _data(targets).astype(np.intp)
    at_label = np.take_along_axis(predictions, targets[..., None], axis=-1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    rank = 1 + np.sum(predictions > at_label, axis=-1)
    return constant(rank <= k)
