"""Merge layers: several inputs in, one out (as in keras.layers), for the functional API.

    h = Dense(16)(x)
    y = Add()([x, h])                   # the residual connection: y = x + h
    z = Concatenate()([a, b])           # (batch, 3) and (batch, 2) -> (batch, 5)

Each is a composition of engine ops (add, mul, concatenate), so the gradient of a sum flows
unchanged into every input, that of a product is scaled by the other inputs, and so on:
the engine's rules, nothing new.
"""
import numpy as np

from microdense import ops
from microdense.layers.base import Layer


def _several_shapes(input_shape):
    """True for a list or tuple of shapes, build([s1, s2]) or build((s1, s2)) (Keras takes
    both); False for one shape, a tuple of sizes."""
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and \
        all(isinstance(shape, (list, tuple)) for shape in input_shape)


def _check_masks(inputs, mask):
    """compute_mask's arguments as Keras checks them: None, or a list of masks (None or an
    array each), one per input."""
    if mask is None:
        return None
    if not isinstance(mask, (tuple, list)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (tuple, list)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(f"The lists `inputs` and `mask` should have the same length. "
                         f"Received: inputs={inputs} of length {len(inputs)}, and "
                         f"mask={mask} of length {len(mask)}")
    return [None if m is None else (m.data if hasattr(m, "data") and not isinstance(
        m, np.ndarray) else m) for m in mask]


class Merge(Layer):
    """Base of the elementwise merges: checks for a list of at least two inputs of
    compatible shapes, then combines them with `_merge`."""

    supports_masking = True        # Keras's flag (see Layer)

    min_inputs = 2

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def _check_shapes(self, input_shape):
        if not _several_shapes(input_shape) or len(input_shape) < self.min_inputs:
            count = len(input_shape) if _several_shapes(input_shape) else 1
            raise ValueError(f"A merge layer ({type(self).__name__} '{self.name}') should be "
                             f"called on a list of at least {self.min_inputs} inputs. Got "
                             f"{count} input(s).")
        self.compute_output_shape(input_shape)           # raises on incompatible shapes

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__} '{self.name}') should be "
                             f"called on a list of inputs, e.g. {type(self).__name__}()([a, "
                             f"b]); received one tensor.")
        return self._merge(list(inputs))

    def _merge(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        """Keras's mask of the output given the inputs' masks (True = a real value, not
        padding): the OR of the masks, None if any input has none. microdense's layers do
        not pass masks on (masking is out of its scope); this answers the question alone,
        on arrays."""
        masks = _check_masks(inputs, mask)
        if masks is None or any(m is None for m in masks):
            return None
        return np.logical_or.reduce([np.asarray(m, dtype=bool) for m in masks])

    def compute_output_shape(self, input_shape):
        """The shapes broadcast together, as numpy does (sizes equal, or one of them 1)."""
        output = list(input_shape[0])
        for shape in input_shape[1:]:
            if len(shape) != len(output):
                raise ValueError(f"Inputs of {type(self).__name__} '{self.name}' must have "
                                 f"the same number of axes; received shapes {input_shape}.")
            for axis, (a, b) in enumerate(zip(output, shape)):
                if a is None or b is None:
                    output[axis] = a if b is None else b
                elif a != b and 1 not in (a, b):
                    raise ValueError(f"Inputs of {type(self).__name__} '{self.name}' must "
                                     f"have compatible shapes; received shapes {input_shape} "
                                     f"(axis {axis}: {a} vs {b}).")
                else:
                    output[axis] = max(a, b)
        return tuple(output)


class Add(Merge):
    """Sum of the inputs: output = x_1 + x_2 + ... (d output / d x_i = 1 for each input)."""

    def _merge(self, inputs):
        total = inputs[0]
        for x in inputs[1:]:
            total = total + x
        return total


class Subtract(Merge):
    """Difference of exactly two inputs: output = x_1 - x_2."""

    def build(self, input_shape):
        if _several_shapes(input_shape) and len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        super().build(input_shape)

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs; "
                             f"received {len(inputs)}.")
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Elementwise product: output = x_1 * x_2 * ... (d output / d x_1 = x_2 * ...)."""

    def _merge(self, inputs):
        product = inputs[0]
        for x in inputs[1:]:
            product = product * x
        return product


class Average(Merge):
    """Elementwise mean: output = (x_1 + ... + x_n) / n."""

    def _merge(self, inputs):
        return Add._merge(self, inputs) * (1.0 / len(inputs))


class Maximum(Merge):
    """Elementwise maximum: output = max(x_1, x_2, ...)."""

    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = ops.maximum(result, x)
        return result


class Minimum(Merge):
    """Elementwise minimum: output = min(x_1, x_2, ...)."""

    def _merge(self, inputs):
        result = inputs[0]
        for x in inputs[1:]:
            result = ops.minimum(result, x)
        return result


class Concatenate(Merge):
    """Inputs joined along `axis` (default the last): (batch, 3), (batch, 2) -> (batch, 5)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Keras's output mask: the inputs' masks (all True for an input without one, a
        mask with one axis fewer spread over the last axis) joined along `axis`, then True
        where any entry of the last axis is."""
        masks = _check_masks(inputs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            shape = tuple(x.shape)
            if m is None:
                full.append(np.ones(shape, dtype=bool))
            else:
                m = np.asarray(m, dtype=bool)
                full.append(np.broadcast_to(m[..., None], m.shape + shape[-1:])
                            if m.ndim < len(shape) else m)
        return np.any(np.concatenate(full, axis=self.axis), axis=-1)

    def compute_output_shape(self, input_shape):
        first = list(input_shape[0])
        axis = self.axis % len(first)
        for shape in input_shape[1:]:
            if len(shape) != len(first) or any(
                    a is not None and b is not None and a != b
                    for i, (a, b) in enumerate(zip(first, shape)) if i != axis):
                raise ValueError(f"A `Concatenate` layer requires inputs with matching "
                                 f"shapes except for the concatenation axis. Received: "
                                 f"input_shape={input_shape}")
        sizes = [shape[axis] for shape in input_shape]
        first[axis] = None if None in sizes else sum(sizes)
        return tuple(first)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(Merge):
    """Per-sample dot product of two inputs along one axis each:
    out[b, i, j] = sum_k x_1[b, i, k] * x_2[b, j, k] (axes=-1 on two (batch, n, k), (batch, m, k)).

    axes: one axis for both inputs, or a pair (axis of x_1, axis of x_2); never the batch
    axis 0. normalize=True divides each input by its L2 norm along that axis first, so
    (batch, k) vectors give their cosine similarity. Two (batch, k) inputs give (batch, 1).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an "
                                f"int. Received: axes={axes}")
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: it should contain two "
                                 f"integers. Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def _axes(self, ndims):
        """The two axes, counted from 0."""
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return [axis % ndim if axis < 0 else axis for axis, ndim in zip(pair, ndims)]

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 \
                or not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={input_shape}")
        self.compute_output_shape(input_shape)
        self.built = True

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs; received "
                             f"{len(inputs)}.")
        x, y = inputs
        axis_x, axis_y = self._axes((x.ndim, y.ndim))
        if self.normalize:
            x = ops.normalize(x, axis=axis_x)
            y = ops.normalize(y, axis=axis_y)
        # Move the summed axis last in x and second in y, flatten the others, then one
        # batched matmul: (batch, I, k) @ (batch, k, J) -> (batch, I, J).
        x = ops.transpose(x, [a for a in range(x.ndim) if a != axis_x] + [axis_x])
        y = ops.transpose(y, [0, axis_y] + [a for a in range(1, y.ndim) if a != axis_y])
        batch, k = x.shape[0], x.shape[-1]
        out = ops.reshape(x, (batch, -1, k)) @ ops.reshape(y, (batch, k, -1))
        out = ops.reshape(out, (batch,) + x.shape[1:-1] + y.shape[2:])
        return ops.expand_dims(out, -1) if out.ndim == 1 else out    # (batch,) -> (batch, 1)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. "
                             f"Received: input_shape={input_shape}")
        shape_x, shape_y = list(input_shape[0]), list(input_shape[1])
        axis_x, axis_y = self._axes((len(shape_x), len(shape_y)))
        if 0 in (axis_x, axis_y):
            raise ValueError("Dot cannot sum over the batch axis 0. If your inputs are not "
                             "batched, add a batch axis with ops.expand_dims(x, 0).")
        if None not in (shape_x[axis_x], shape_y[axis_y]) and \
                shape_x[axis_x] != shape_y[axis_y]:
            raise ValueError(f"Incompatible input shapes: axis values {shape_x[axis_x]} (at "
                             f"axis {axis_x}) != {shape_y[axis_y]} (at axis {axis_y}). Full "
                             f"input shapes: {tuple(shape_x)}, {tuple(shape_y)}")
        shape_x.pop(axis_x)
        shape_y.pop(axis_y)
        output = shape_x + shape_y[1:]
        return tuple(output + [1] if len(output) == 1 else output)

    def compute_mask(self, inputs, mask=None):
        """A dot product has no mask, as in Keras."""
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


# ---- Keras's function forms: add([a, b]) is Add()([a, b]) ---------------------------------

def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    return Dot(axes=axes, **kwargs)(inputs)
