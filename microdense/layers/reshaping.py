"""Reshaping layers: the same values in another arrangement, per sample (keras.layers).

    Reshape((4, 2))        (batch, 8)       -> (batch, 4, 2); one -1 is inferred
    Permute((2, 1))        (batch, 3, 5)    -> (batch, 5, 3); axes counted from 1
    RepeatVector(3)        (batch, 5)       -> (batch, 3, 5)

Each is one shape op (reshape, transpose, repeat): its backward puts the gradient back in the
input's arrangement. Flatten is in core.py.
"""
import math

import numpy as np

from microdense import ops
from microdense.layers.base import InputSpec, Layer


# ---- Reshape -------------------------------------------------------------------------------

def _check_target_shape(target_shape):
    """Keras's rule: sizes are non-negative, and at most one is -1 (inferred)."""
    for size in target_shape:
        if isinstance(size, (int, np.integer)) and size < -1:
            raise ValueError(f"Each dimension in `target_shape` must be a non-negative "
                             f"integer, or `-1` for a single unknown dimension. Received: "
                             f"target_shape={target_shape}.")
    if list(target_shape).count(-1) > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in "
                         f"`target_shape`. Received: target_shape={target_shape}.")


def _resolve(sample_shape, target_shape):
    """target_shape with its -1 worked out from sample_shape (None where a size is unknown),
    and Keras's error if the number of values would change."""
    if None in sample_shape:
        return tuple(None if n == -1 else n for n in target_shape)
    size = math.prod(sample_shape)
    if -1 not in target_shape:
        if size != math.prod(target_shape):
            raise ValueError(f"The total size of the tensor must be unchanged. Received: "
                             f"input_shape={tuple(sample_shape)}, "
                             f"target_shape={target_shape}")
        return tuple(target_shape)
    known = math.prod(n for n in target_shape if n != -1)
    if known == 0 or size % known:
        raise ValueError(f"The total size of the tensor must be unchanged, however, the "
                         f"input size cannot by divided by the specified dimensions in "
                         f"target_shape. Received: input_shape={tuple(sample_shape)}, "
                         f"target_shape={target_shape}")
    return tuple(size // known if n == -1 else n for n in target_shape)


class Reshape(Layer):
    """Each sample reshaped to `target_shape` (the batch axis is kept): (batch, *target_shape)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        _check_target_shape(target_shape)
        self.target_shape = target_shape
        self.built = True

    def call(self, x):
        return ops.reshape(x, (x.shape[0],) + _resolve(x.shape[1:], self.target_shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + _resolve(tuple(input_shape[1:]), self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


# ---- Permute -------------------------------------------------------------------------------

class Permute(Layer):
    """The axes of each sample reordered: dims=(2, 1) swaps axes 1 and 2 (axes are counted
    from 1; the batch axis stays first)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, x):
        return ops.transpose(x, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[axis] for axis in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


# ---- RepeatVector --------------------------------------------------------------------------

class RepeatVector(Layer):
    """Each sample's vector repeated n times: (batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, x):
        return ops.repeat(ops.expand_dims(x, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
