"""Turning the arrays given to fit/evaluate/predict into batches, as Keras's data adapters do.

    x, y, sw = prepare(x, y, sample_weight)       # float32 x, checked lengths
    (x, y, sw), (vx, vy, vsw) = split_validation((x, y, sw), 0.2)   # the LAST 20% validates
    for step, (bx, by, bsw) in batches((x, y, sw), 32, shuffle=True): ...   # step 0, 1, ...

Data is converted once per call, never per step: x becomes float32 (no copy when it already
is), float targets become float32, integer labels stay integers.
"""
import math

import numpy as np

from microdense.tensor import Tensor
from microdense.utils import get_rng


def as_array(value, name):
    """A numpy array from an ndarray, a Tensor's data, a list or a DataFrame."""
    if isinstance(value, Tensor):
        value = value.data
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Could not convert `{name}` to an array: {error}") from None
    if array.dtype == object:
        raise ValueError(f"`{name}` must be numeric; it converted to an array of Python objects "
                         f"(ragged lists or mixed types?).")
    if array.ndim == 0:
        raise ValueError(f"`{name}` must have a batch axis; received a scalar: {value!r}.")
    return array


def as_inputs(x, dtype="float32"):
    """x as an array of the model's dtype (a float32 array passes through uncopied)."""
    return np.asarray(as_array(x, "x"), dtype=dtype)


def as_targets(y):
    """y as an array: floats (and bools) as float32, integer labels kept as integers."""
    y = as_array(y, "y")
    if y.dtype.kind in "fb" and y.dtype != np.float32:
        y = y.astype(np.float32)
    return y


def check_cardinality(x, y=None, sample_weight=None):
    """Keras's error when x, y and sample_weight do not hold the same number of samples."""
    n = len(x)
    if (y is None or len(y) == n) and (sample_weight is None or len(sample_weight) == n):
        return
    sizes = {"x": len(x), "y": None if y is None else len(y),
             "sample_weight": None if sample_weight is None else len(sample_weight)}
    given = {name: n for name, n in sizes.items() if n is not None}
    if len(set(given.values())) > 1:
        detail = ", ".join(f"'{name}' sizes: {n}" for name, n in given.items())
        raise ValueError(f"Data cardinality is ambiguous. Make sure all arrays contain the same "
                         f"number of samples. {detail}")


def prepare(x, y=None, sample_weight=None, dtype="float32"):
    """(x, y, sample_weight) converted once and checked for equal lengths."""
    x = as_inputs(x, dtype)
    y = None if y is None else as_targets(y)
    if sample_weight is not None:
        sample_weight = np.asarray(as_array(sample_weight, "sample_weight"), dtype=np.float32)
    check_cardinality(x, y, sample_weight)
    return x, y, sample_weight


def split_validation(arrays, validation_split):
    """(train, validation): the last `validation_split` fraction of every array validates.

    As Keras, the split happens before any shuffling, so the validation set is always the
    same samples: shuffle your data first if it is sorted.
    """
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be in the range (0, 1); received "
                         f"validation_split={validation_split}")
    n = len(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         f"it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         f"a different value for the `validation_split` argument.")
    train = tuple(None if a is None else a[:split_at] for a in arrays)
    validation = tuple(None if a is None else a[split_at:] for a in arrays)
    return train, validation


def unpack_validation_data(validation_data):
    """(x, y) or (x, y, sample_weight) from fit's `validation_data`."""
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError(f"`validation_data` should be a tuple `(x_val, y_val)` or "
                         f"`(x_val, y_val, val_sample_weights)`. Received: "
                         f"validation_data={type(validation_data).__name__} of length "
                         f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}")
    x, y, *rest = validation_data
    return x, y, (rest[0] if rest else None)


def num_batches(n, batch_size):
    return math.ceil(n / batch_size)


def batches(arrays, batch_size, shuffle=False):
    """Yield (step, batch) with batch a tuple like `arrays` (None entries stay None).

    shuffle=True draws a new order each call (each epoch) from the global generator and
    gathers the arrays once; the batches are then slices (views, not copies).
    """
    n = len(arrays[0])
    if shuffle:
        order = get_rng().permutation(n)
        arrays = tuple(None if a is None else a[order] for a in arrays)
    for step, start in enumerate(range(0, n, batch_size)):
        stop = start + batch_size
        yield step, tuple(None if a is None else a[start:stop] for a in arrays)


def check_batch_size(batch_size):
    """Keras's default of 32, and a clear error for anything that is not a positive int."""
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size <= 0:
        raise ValueError(f"`batch_size` must be a positive integer; received "
                         f"batch_size={batch_size!r}")
    return int(batch_size)


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights class_weight[label] (1.0 for classes not listed), as Keras: labels
    are argmax(y) for one-hot y, else round(y)."""
    labels = y
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64)
    return np.array([class_weight.get(int(label), 1.0) for label in labels], dtype=np.float32)
