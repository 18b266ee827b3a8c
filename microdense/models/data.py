"""Turning the arrays given to fit/evaluate/predict into batches, as Keras's data adapters do.

    x, y, sw = prepare(x, y, sample_weight)       # float32 x, checked lengths
    (x, y, sw), (vx, vy, vsw) = split_validation((x, y, sw), 0.2)   # the LAST 20% validates
    for step, (bx, by, bsw) in batches((x, y, sw), 32, shuffle=True): ...   # step 0, 1, ...
    stream = EpochBatches(generator, steps_per_epoch=10)    # or EpochBatches((x, y, sw), 32)
    for step, item in stream.epoch(): ...                   # 10 items, then the next epoch

Data is converted once per call, never per step: x becomes float32 (no copy when it already
is), float targets become float32, integer labels stay integers.
"""
import math
import warnings

import numpy as np

from microdense.py_dataset import PyDataset
from microdense.tensor import Tensor
from microdense.random import get_rng


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
    """x as an array of the model's dtype (a float32 array passes through uncopied); a list
    of arrays for a model with several inputs."""
    if isinstance(x, list):
        return [as_inputs(value, dtype) for value in x]
    return np.asarray(as_array(x, "x"), dtype=dtype)


def as_targets(y):
    """y as an array: floats (and bools) as float32, integer labels kept as integers; a list
    of arrays for a model with several outputs."""
    if isinstance(y, list):
        return [as_targets(value) for value in y]
    y = as_array(y, "y")
    if y.dtype.kind in "fb" and y.dtype != np.float32:
        y = y.astype(np.float32)
    return y


def num_samples(value):
    """The number of samples in an array, or in the first array of a list (several inputs)."""
    return len(value[0]) if isinstance(value, list) else len(value)


def _take(value, index):
    """value[index] for an array, for every array of a list; None stays None."""
    if value is None:
        return None
    if isinstance(value, list):
        return [array[index] for array in value]
    return value[index]


def check_cardinality(x, y=None, sample_weight=None):
    """Keras's error when x, y and sample_weight do not hold the same number of samples."""
    sizes = {}
    for name, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if isinstance(value, list):          # several inputs or outputs: each array counts
            sizes.update((f"{name}[{i}]", len(array)) for i, array in enumerate(value))
        elif value is not None:
            sizes[name] = len(value)
    given = sizes
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
    n = num_samples(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         f"it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         f"a different value for the `validation_split` argument.")
    train = tuple(_take(a, slice(None, split_at)) for a in arrays)
    validation = tuple(_take(a, slice(split_at, None)) for a in arrays)
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
    n = num_samples(arrays[0])
    if shuffle:
        order = get_rng().permutation(n)
        arrays = tuple(_take(a, order) for a in arrays)
    for step, start in enumerate(range(0, n, batch_size)):
        yield step, tuple(_take(a, slice(start, start + batch_size)) for a in arrays)


# ---- batches over epochs: arrays, or a generator of batches (Keras's EpochIterator) --------

def is_batch_stream(x):
    """True when fit/evaluate's x is a source of whole batches (a generator, an iterator, or
    any other iterable that is not array-like): each item is (x, y) or (x, y, sample_weight)."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str, bytes)):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


class EpochBatches:
    """The batches of each epoch, as Keras's EpochIterator gives them.

    From arrays: batches of `batch_size`, reshuffled each pass. From a stream: its items.
    steps_per_epoch=None: an epoch is one pass over the arrays (or the stream, until it ends).
    steps_per_epoch=k: an epoch is k batches, the next epoch going on where the last one
    stopped; when a pass over the arrays ends mid-epoch the epoch ends early and a new pass
    starts with the next epoch, and a stream that ends warns ("ran out of data"), as Keras.
    """

    def __init__(self, source, batch_size=None, shuffle=False, steps_per_epoch=None):
        if steps_per_epoch is not None and (isinstance(steps_per_epoch, bool) or not
                                            isinstance(steps_per_epoch, (int, np.integer))
                                            or steps_per_epoch <= 0):
            raise ValueError(f"`steps_per_epoch` must be a positive integer or None; "
                             f"received steps_per_epoch={steps_per_epoch!r}")
        self.source, self.batch_size, self.shuffle = source, batch_size, shuffle
        self.steps_per_epoch = steps_per_epoch
        self.is_stream = not isinstance(source, tuple)
        self._pass = None                        # the current pass over the data
        self._seen = 0                           # batches taken from it so far
        self.steps_taken = 0                     # batches in the last epoch
        self.ran_out = False                     # a stream that ended

    @property
    def steps(self):
        """Batches per epoch, when known (for the progress bar), else None."""
        if self.steps_per_epoch is not None:
            return self.steps_per_epoch
        if self.is_stream:             # a PyDataset knows its length; a generator does not
            return len(self.source) if hasattr(self.source, "__len__") else None
        return num_batches(num_samples(self.source[0]), self.batch_size)

    def _new_pass(self):
        self._seen = 0
        if self.is_stream:
            return iter(self.source)
        return (batch for _, batch in batches(self.source, self.batch_size, self.shuffle))

    def epoch(self):
        """Yield (step, batch) for one epoch; afterwards `steps_taken` says how many."""
        if self._pass is None or self.steps_per_epoch is None:
            self._pass = self._new_pass()
        per_pass = None if self.is_stream else num_batches(num_samples(self.source[0]),
                                                           self.batch_size)
        self.steps_taken = 0
        while self.steps_per_epoch is None or self.steps_taken < self.steps_per_epoch:
            if per_pass is not None and self._seen >= per_pass:     # the arrays are used up
                if self.steps_per_epoch is not None:
                    self._warn_ran_out()
                break
            try:
                batch = next(self._pass)
            except StopIteration:                                    # the stream ended
                if isinstance(self.source, PyDataset):   # its epoch ended: the next one
                    self._pass = None                    # starts again at batch 0
                    break
                self.ran_out = True
                if self.steps_per_epoch is not None or self.steps_taken == 0:
                    self._warn_ran_out()
                break
            self._seen += 1
            yield self.steps_taken, batch
            self.steps_taken += 1
        if self.ran_out or (per_pass is not None and self._seen >= per_pass):
            self._pass = None                   # the next epoch starts a new pass

    @staticmethod
    def _warn_ran_out():
        warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                      "dataset or generator can generate at least `steps_per_epoch * epochs` "
                      "batches.", stacklevel=4)


def join_batches(parts):
    """predict's per-batch outputs as one array, joined along the batch axis. Batches may
    differ in size; an output whose other axes differ between batches (a model open in a
    non-batch axis, fed batches of different lengths) cannot be one array: a clear error."""
    first = parts[0]
    for index, part in enumerate(parts[1:], start=1):
        if part.ndim != first.ndim:
            raise ValueError(f"predict: the output of batch {index} has {part.ndim} axes "
                             f"(shape {part.shape}) but that of batch 0 has {first.ndim} "
                             f"(shape {first.shape}); the batches of one predict call must "
                             f"give outputs of the same rank.")
        if part.shape[1:] != first.shape[1:]:
            raise ValueError(f"predict: the output of batch {index} has shape {part.shape} "
                             f"but that of batch 0 has shape {first.shape}; outputs that "
                             f"differ in an axis other than the batch axis cannot be joined "
                             f"into one array. Call predict_on_batch(x) on each batch "
                             f"instead, or pad the batches to one length.")
    return np.concatenate(parts) if len(parts) > 1 else first


def unpack_batch(item):
    """(x, y, sample_weight) from one item of a batch stream: (x, y) or (x, y, weights)."""
    if isinstance(item, (tuple, list)) and len(item) in (2, 3):
        return item[0], item[1], (item[2] if len(item) == 3 else None)
    raise ValueError(f"Each batch a generator gives fit/evaluate must be a tuple (x, y) or "
                     f"(x, y, sample_weight); received {type(item).__name__}"
                     f"{f' of length {len(item)}' if hasattr(item, '__len__') else ''}.")


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


def to_categorical(y, num_classes=None):
    """One-hot rows: out[i, y[i]] = 1 (float32), as keras.utils.to_categorical."""
    y = np.asarray(y)
    if y.size and (y.dtype.kind not in "biu" and not np.all(np.mod(y, 1) == 0)):
        raise ValueError(f"to_categorical expects integer class labels; got dtype {y.dtype}.")
    y = y.astype(np.int64).ravel()
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must lie in [0, {num_classes - 1}]; got "
                         f"labels from {y.min()} to {y.max()}.")
    out = np.zeros((len(y), num_classes), np.float32)
    out[np.arange(len(y)), y] = 1.0
    return out
