"""The functional API: a model made of the layer calls between symbolic inputs and outputs.

    inputs = Input(shape=(2,))
    h = Dense(16, activation="relu")(inputs)
    outputs = Dense(3, activation="softmax")(Add()([h, Dense(16)(inputs)]))
    model = Model(inputs, outputs)          # Model(inputs=..., outputs=...) builds a Functional

Calling layers on KerasTensors recorded a graph of Nodes (layers/symbolic.py): each node is
one layer call, with the KerasTensors it read and made. A Functional model walks that graph
back from its outputs to its inputs once, keeps the nodes in topological order (each after
the nodes it reads), and runs them again with real Tensors on every call:

    values = {input KerasTensor: data}
    for node in nodes:   values[node.outputs] = node.layer(values[node.inputs])

Inputs and outputs may be one tensor, a list or a dict, as in Keras; the model takes and
returns data in the same structure (fit, evaluate and predict too).
"""
import numpy as np

from microdense import ops
from microdense.saving import model_config
from microdense.layers import InputLayer, call_context
from microdense.layers.symbolic import KerasTensor
from microdense.models.model import Model
from microdense.naming import unique_name
from microdense.tensor import Tensor, constant


def _flatten(structure, what):
    """(list of KerasTensors, dict keys or None, single?) for one tensor, a list or a dict."""
    if isinstance(structure, KerasTensor):
        return [structure], None, True
    if isinstance(structure, dict):
        keys = sorted(structure)                # Keras flattens a dict in sorted key order
        tensors = [structure[key] for key in keys]
    elif isinstance(structure, (list, tuple)):
        keys, tensors = None, list(structure)
    else:
        raise TypeError(f"Model `{what}` must be a KerasTensor (from Input() or a layer "
                        f"called on one), a list or a dict of them; received "
                        f"{type(structure).__name__}.")
    if not tensors:
        raise ValueError(f"Model `{what}` is empty: pass at least one tensor.")
    for tensor in tensors:
        if not isinstance(tensor, KerasTensor):
            kind = "a real Tensor with values" if isinstance(tensor, Tensor) else \
                type(tensor).__name__
            raise TypeError(f"Every entry of Model `{what}` must be a symbolic KerasTensor "
                            f"(from Input() or a layer called on one); received {kind}.")
    return tensors, keys, False


def nodes_between(inputs, outputs):
    """The layer calls that lead from `inputs` to `outputs` (the Inputs' own nodes
    included), in topological order: depth first from each output, so a node comes after
    every node it reads.

    The depth-first walk keeps its own stack instead of recursing, so a chain of 10,000
    layers is fine (Python's recursion limit is about 1,000 calls)."""
    known_inputs = set(inputs)
    order, visited = [], set()
    for output in outputs:
        stack = [(output, False)]         # (tensor, are its parents done?)
        while stack:
            tensor, parents_done = stack.pop()
            node = tensor.node
            if parents_done:
                order.append(node)
                continue
            if tensor in known_inputs:
                if node not in visited:
                    visited.add(node)
                    order.append(node)
                continue
            if not node.inputs:                 # an Input that is not one of the model's
                names = [t.node.layer.name for t in inputs]
                raise ValueError(f"Graph disconnected: the outputs depend on the input "
                                 f"'{node.layer.name}' {tensor.shape}, which is not among the "
                                 f"model's inputs {names}. Add it to Model(inputs=[...]).")
            if node in visited:
                continue
            visited.add(node)
            stack.append((tensor, True))        # comes back after its parents
            stack.extend((parent, False) for parent in reversed(node.inputs))
    for tensor in inputs:                       # an input no output uses still counts
        if tensor.node not in visited:
            visited.add(tensor.node)
            order.insert(0, tensor.node)
    return order


def layers_in_keras_order(nodes):
    """The layers of `nodes` (topological order) as Keras 3 lists them in model.layers:
    by depth, farthest from the outputs first (depth = the longest path of layer calls to
    an output), and in the order of `nodes` within one depth. A layer called twice appears
    once, at its greatest depth."""
    depth = {node: 0 for node in nodes}
    for node in reversed(nodes):                # readers before the nodes they read
        for parent in node.parents:
            if parent in depth:
                depth[parent] = max(depth[parent], depth[node] + 1)
    layer_depth, first_seen = {}, {}
    for index, node in enumerate(nodes):
        layer_depth[node.layer] = max(layer_depth.get(node.layer, 0), depth[node])
        first_seen.setdefault(node.layer, index)
    return sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))


class Functional(Model):
    """A model defined by symbolic inputs and outputs: what `Model(inputs, outputs)` makes."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name or unique_name("functional"), **kwargs)
        self.inputs, self._input_keys, self._single_input = _flatten(inputs, "inputs")
        self.outputs, self._output_keys, self._single_output = _flatten(outputs, "outputs")
        every_node = nodes_between(self.inputs, self.outputs)
        input_nodes = {tensor.node for tensor in self.inputs}
        self._nodes = [node for node in every_node if node not in input_nodes]  # to run
        running = {node.layer for node in self._nodes}
        self._layers = layers = [layer for layer in layers_in_keras_order(every_node)
                                 if layer in running or isinstance(layer, InputLayer)]
        seen = set()
        for layer in layers:
            if layer.name in seen:
                raise ValueError(f'The name "{layer.name}" is used 2 times in the model. All '
                                 f'layer names should be unique.')
            seen.add(layer.name)
        self._build_input_shape = [t.shape for t in self.inputs] if not self._single_input \
            else self.inputs[0].shape
        self.built = True
        if not trainable:
            self.trainable = False

    # ---- structure -------------------------------------------------------------------
    @property
    def layers(self):
        return list(self._layers)

    @property
    def input_names(self):
        return self._input_keys or [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self):
        return self._output_keys or [t.name for t in self.outputs]

    @property
    def input(self):
        return self.inputs[0] if self._single_input else self._pack(self.inputs, "input")

    @property
    def output(self):
        return self.outputs[0] if self._single_output else self._pack(self.outputs, "output")

    @property
    def input_shape(self):
        return self._build_input_shape

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if self._single_output else shapes

    def _output_shapes(self):
        """{layer name: output shape} of each layer's call in this model (for summary)."""
        shapes = {t.node.layer.name: t.shape for t in self.inputs}
        for node in self._nodes:
            outs = [t.shape for t in node.outputs]
            shapes.setdefault(node.layer.name, outs[0] if len(outs) == 1 else outs)
        return shapes

    def _pack(self, values, which):
        """Values in the structure the model was built with (one, a list, a dict)."""
        single = self._single_input if which == "input" else self._single_output
        keys = self._input_keys if which == "input" else self._output_keys
        if single:
            return values[0]
        if keys is not None:
            return dict(zip(keys, values))
        return list(values)

    def _as_list(self, data, which):
        """Data for the inputs (or targets, for the outputs) as a list in the model's order:
        accepts one array (one input), a list/tuple, or a dict keyed by input/output name."""
        names = self.input_names if which == "input" else self.output_names
        if isinstance(data, dict):
            missing = [name for name in names if name not in data]
            if missing:
                raise ValueError(f"The {which} dict is missing the key(s) {missing} of model "
                                 f"'{self.name}'; its {which}s are named {names}, received "
                                 f"keys {sorted(data)}.")
            return [data[name] for name in names]
        if isinstance(data, (list, tuple)) and len(names) > 1:
            if len(data) != len(names):
                raise ValueError(f"Model '{self.name}' has {len(names)} {which}s {names}; "
                                 f"received a list of {len(data)}.")
            return list(data)
        if len(names) > 1:
            raise ValueError(f"Model '{self.name}' has {len(names)} {which}s {names}: pass a "
                             f"list of {len(names)} arrays or a dict keyed by those names; "
                             f"received one {type(data).__name__}.")
        if isinstance(data, (list, tuple)) and len(data) == 1 and isinstance(
                data[0], (np.ndarray, Tensor)):
            return [data[0]]                    # [x] for a model with one input
        return [data]

    def _standardize(self, data, which):
        """fit/evaluate/predict's x (which="input") or y ("output"): one array for a model
        with one input (output), else a list of arrays in the model's order."""
        if data is None:
            return None
        values = [Model._standardize(self, value, which)
                  for value in self._as_list(data, which)]
        return values[0] if len(values) == 1 else values

    # ---- running ---------------------------------------------------------------------
    def _run(self, tensors, training, calls=None):
        """Every node once, in topological order, on real Tensors; the outputs as a list.
        `calls`, if a list, receives (layer, input(s), output) of each call (diagnostics)."""
        values = dict(zip(self.inputs, tensors))
        training = call_context.resolve_training(training)
        with call_context.layer_call(self, training):    # one pass: add_loss starts empty
            for node in self._nodes:
                args = [values[tensor] for tensor in node.inputs]
                out = node.layer._call_in_scope(args if node.several else args[0], training)
                values.update(zip(node.outputs,
                                  out if isinstance(out, (list, tuple)) else [out]))
                if calls is not None:
                    calls.append((node.layer, args if node.several else args[0], out))
        return [values[tensor] for tensor in self.outputs]

    def _layer_calls(self, x, training=False):
        """[(layer, its input(s), its output)] for each layer call, in the order they run:
        what the diagnostics report per layer (the input layers pass data through)."""
        tensors = self._tensors(x)
        calls = [(tensor.node.layer, value, value) for tensor, value in zip(self.inputs, tensors)
                 if isinstance(tensor.node.layer, InputLayer)]
        self._run(tensors, training, calls)
        return calls

    def _check_input(self, index, shape):
        """Keras's error for data that does not fit input `index`'s declared shape."""
        expected = self.inputs[index].shape
        if len(shape) != len(expected) or any(
                n is not None and n != m for n, m in zip(expected[1:], shape[1:])):
            raise ValueError(f'Input {index} of layer "{self.name}" is incompatible with the '
                             f'layer: expected shape={expected}, found shape={tuple(shape)}')

    def _tensors(self, data):
        tensors = []
        for index, value in enumerate(self._as_list(data, "input")):
            dtype = self.inputs[index].dtype
            if isinstance(value, Tensor):
                tensor = value if value.dtype == dtype else ops.astype(value, dtype)
            elif isinstance(value, KerasTensor):
                raise TypeError("Mixing symbolic and real inputs in one model call.")
            else:
                tensor = constant(np.asarray(value, dtype=dtype))
            self._check_input(index, tensor.shape)
            tensors.append(tensor)
        return tensors

    def _call_on_data(self, inputs, training=False):
        """The model's output(s) as Tensors with their graph, in the structure of `outputs`."""
        return self._pack(self._run(self._tensors(inputs), training), "output")

    def call(self, inputs, training=False):
        """What a model used as a layer of a bigger model runs: the same."""
        return self._call_on_data(inputs, training)

    def compute_output_shape(self, input_shape):
        return self.output_shape

    # ---- for the Trainer -------------------------------------------------------------
    def _prepare_input(self, x):
        for index, value in enumerate(x if isinstance(x, list) else [x]):
            self._check_input(index, value.shape)
        return x

    def _forward(self, x, training):
        outputs = self._run(x if isinstance(x, list) else [x], training)
        return outputs[0] if len(outputs) == 1 else outputs

    def _pack_predictions(self, arrays):
        return self._pack(arrays, "output")

    # ---- saving ----------------------------------------------------------------------
    def get_config(self):
        return model_config.functional_config(self)

    # from_config: Model.from_config, which rebuilds a functional config (and refuses a
    # Sequential one with a message).

    def __repr__(self):
        return (f"<Functional name={self.name!r}, inputs={[t.shape for t in self.inputs]}, "
                f"outputs={[t.shape for t in self.outputs]}>")
