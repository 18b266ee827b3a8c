"""Symbolic tensors: what the functional API passes between layers before any data exists.

    inputs = Input(shape=(16,))                # a KerasTensor: shape (None, 16), no values
    h = Dense(16, activation="relu")(inputs)   # builds the Dense, records a Node, returns a
    outputs = Add()([inputs, h])               #   KerasTensor of the output's shape
    model = Model(inputs, outputs)             # models/functional.py walks the Nodes back

A KerasTensor holds only a shape (batch axis None) and a dtype, and the Node that made it.
A Node is one call of one layer: the KerasTensors that went in and those that came out. The
nodes form a graph of layer calls; a functional model runs it again with real Tensors, layer
by layer in topological order (the engine then records the ops of that run, as always).
"""
import numpy as np

from microdense.layers import call_context
from microdense.recording import no_grad
from microdense.tensor import constant


class KerasTensor:
    """The shape and dtype of a value a layer will compute, and the layer call (`node`) that
    computes it: output number `index` of that call. Never sparse or ragged (numpy arrays
    are dense); the flags are Keras's."""

    sparse = False
    ragged = False

    def __init__(self, shape, dtype="float32", node=None, index=0):
        self.shape = tuple(shape)
        self.dtype = str(dtype)
        self.node = node
        self.index = index

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def name(self):
        """The producing layer's name (with the output number when it has several)."""
        if self.node is None:
            return "keras_tensor"
        layer = self.node.layer.name
        return layer if len(self.node.outputs) == 1 else f"{layer}_{self.index}"

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{self!r} is symbolic: it has a shape but no values yet. Build a "
                        f"model with Model(inputs, outputs) and call model.predict(x) to get "
                        f"numbers.")

    def __repr__(self):
        origin = f", from layer '{self.node.layer.name}'" if self.node is not None else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{origin}>"


class Node:
    """One call of `layer` on symbolic inputs. `several` says whether the layer received a
    list (merge layers: Add()([a, b])) or one tensor, so the model calls it the same way."""

    def __init__(self, layer, inputs, output_shapes, several=False):
        self.layer = layer
        self.inputs = list(inputs)
        self.several = several
        self.outputs = [KerasTensor(shape, layer.dtype, self, i)
                        for i, shape in enumerate(output_shapes)]

    @property
    def parents(self):
        """The nodes whose outputs this node reads."""
        return [tensor.node for tensor in self.inputs]


def is_symbolic(inputs):
    """True for a KerasTensor or a list/tuple/dict holding one."""
    if isinstance(inputs, KerasTensor):
        return True
    if isinstance(inputs, dict):
        inputs = list(inputs.values())
    return isinstance(inputs, (list, tuple)) and any(isinstance(t, KerasTensor) for t in inputs)


def call_symbolic(layer, inputs):
    """layer(inputs) for KerasTensors: build the layer for their shapes, find the output
    shape(s), record the call as a Node, return the output KerasTensor(s)."""
    several = isinstance(inputs, (list, tuple))
    tensors = list(inputs) if several else [inputs]
    for tensor in tensors:
        if not isinstance(tensor, KerasTensor):
            raise TypeError(f"Layer '{layer.name}' was called on a mix of symbolic tensors "
                            f"(from Input) and {type(tensor).__name__}: in the functional "
                            f"API every input of a layer call must come from an Input or a "
                            f"layer called on one.")
    shapes = [tensor.shape for tensor in tensors]
    shape_arg = shapes if several else shapes[0]
    if not layer.built:
        layer._build(shape_arg)
    elif layer.input_spec is not None and not several:
        layer.input_spec.check(layer.name, shape_arg)
    output_shapes, returns_list = output_shapes_of(layer, shape_arg, several)
    node = Node(layer, tensors, output_shapes, several)
    layer._inbound_nodes.append(node)
    return list(node.outputs) if returns_list else node.outputs[0]


def output_shapes_of(layer, input_shape, several=False):
    """([output shape, ...], whether the layer returns a list) for `input_shape` (batch axis
    None), found by running the layer on one sample of zeros, so a user's layer needs no
    compute_output_shape. When a non-batch size is unknown (None), the layer's
    compute_output_shape answers instead."""
    shapes = input_shape if several else [input_shape]
    if any(n is None for shape in shapes for n in shape[1:]):
        result = layer.compute_output_shape(input_shape)
        if isinstance(result, list):
            return [tuple(shape) for shape in result], True
        return [tuple(result)], False
    samples = [constant(np.zeros((1,) + tuple(shape[1:]), layer.dtype)) for shape in shapes]
    # The probe must leave no trace, as Keras's symbolic call leaves none: the state a call()
    # may write (a step counter, non-trainable weights) is put back as it was.
    state = [(w, w.data.copy()) for w in layer.weights if not w.requires_grad]
    with no_grad():
        out = layer._call_in_scope(samples if several else samples[0], False)
    for weight, value in state:
        np.copyto(weight.data, value)
    call_context.clear_losses(layer._flatten_layers())  # penalties of zeros are not real
    outs = out if isinstance(out, (list, tuple)) else [out]
    batch = shapes[0][0] if shapes and shapes[0] else None   # Input(batch_shape=(8, 3)): 8
    return [(batch,) + tuple(o.shape[1:]) for o in outs], isinstance(out, (list, tuple))
