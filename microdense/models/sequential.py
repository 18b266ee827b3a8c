"""Sequential: a stack of layers, each feeding the next: y = layer_n(... layer_1(x)).

    model = Sequential()
    model.add(Dense(64, activation="relu", input_shape=(20,)))   # weights exist now
    model.add(Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=10)                                    # trainer.py

As in Keras 3, a first layer given `input_shape` (or an `Input(shape)` entry) builds the
whole model at once; otherwise the model builds on the first data it sees. `model.layers`
lists the layers without the input layer; `get_weights()` lists every layer's weights in
order (kernel, bias, ...) so `model.set_weights(keras_model.get_weights())` copies a Keras
model exactly.
"""
import itertools

import numpy as np

from microdense import ops, registry
from microdense.saving import entries, model_config
from microdense.layers import InputLayer, Layer, call_context
from microdense.layers.base import InputSpec, input_hint
from microdense.layers.core import Input
from microdense.layers.symbolic import KerasTensor
from microdense.models.model import Model
from microdense.tensor import Tensor, constant, no_grad


class Sequential(Model):
    """A linear stack of layers, with Keras's training API (compile, fit, evaluate, ...)."""

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(name=name)
        self._layers = []                # the InputLayer first, if there is one
        self._stack = ()                 # the layers data flows through (no InputLayer)
        self._shapes = {}                # layer name -> output shape (batch axis None)
        self._input_tail = None          # the built input shape without its batch axis
        self.inputs, self.outputs = [], []   # the symbolic input and output, once built
        self._nodes = []                 # the layer calls of the last build (symbolic.Node)
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_build()
        if not trainable:
            self.trainable = False

    # ---- the stack -------------------------------------------------------------------
    @property
    def layers(self):
        """The layers, without the InputLayer (as Keras)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def add(self, layer, rebuild=True):
        """Append a layer; builds the model when the input shape is known."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer             # Input(shape=...) stands for its InputLayer
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `microdense.layers.Layer` can be added to a "
                             f"Sequential model. Received: {layer!r} (of type {type(layer)})")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(f"An Input must be the first entry of a Sequential model; "
                                 f"{self.name} already has {len(self._layers)} layer(s).")
        elif not self._layers and layer._input_shape_arg is not None:
            # The Keras 2 idiom Dense(..., input_shape=(n,)): an implicit Input(shape=(n,)).
            self._layers.append(InputLayer(batch_shape=layer._input_shape_arg))
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer in "
                             f"this model. Update the `name` argument to pass a unique name.")
        self._layers.append(layer)
        self._stack = tuple(self.layers)
        if rebuild:
            self._maybe_build()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError("There are no layers in the model.")
        layer = self._layers.pop()
        self._stack = tuple(self.layers)
        self.built = False
        self._shapes = {}
        if rebuild:
            self._maybe_build()
        return layer

    def _maybe_build(self):
        if self._layers and isinstance(self._layers[0], InputLayer):
            self.build(self._layers[0].batch_shape)

    def build(self, input_shape):
        """Create every layer's weights for inputs of `input_shape` (batch axis first), by
        calling each layer on a symbolic tensor (layers/symbolic.py), as Keras 3 does: that
        builds the layer, finds its output shape, and gives `layer.output` and
        `model.inputs` / `model.outputs` for feature extraction."""
        for node in self._nodes:                 # forget the calls of an earlier build
            node.layer._inbound_nodes.remove(node)
        first = self._layers[0] if self._layers else None
        if isinstance(first, InputLayer):
            inputs = first.output
        else:
            inputs = Input(batch_shape=(None,) + tuple(input_shape[1:]), dtype=self.dtype)
        x, self._shapes, self._nodes = inputs, {}, []
        for layer in self.layers:
            x = layer(x)
            self._nodes.append(x.node)
            self._shapes[layer.name] = x.shape
        self.inputs, self.outputs = [inputs], [x]
        batch = input_shape[0] if isinstance(first, InputLayer) else None   # batch_shape=
        self._build_input_shape = (batch,) + tuple(input_shape[1:])
        self._input_tail = self._build_input_shape[1:]
        self.built = True

    # ---- calling ---------------------------------------------------------------------
    def _call_on_data(self, x, training=False):
        """The model's output as a Tensor with its graph (for inspection and drawing)."""
        if isinstance(x, Tensor):
            if x.dtype != self.dtype:
                x = ops.astype(x, self.dtype)
        else:
            x = constant(np.asarray(x, dtype=self.dtype))
        prepared = self._prepare_input(x.data)
        if prepared is not x.data:                   # 1-D data given its feature axis
            x = ops.reshape(x, prepared.shape)
        return self._forward(x, training)

    def _prepare_input(self, x):
        """Build on the first data if needed, then check x against the first layer (Keras's
        message names the layer, the expected width and the shape received)."""
        if not self._stack:
            raise ValueError(f"Sequential model '{self.name}' has no layers: add some first.")
        if self.built and x.shape[1:] == self._input_tail:   # the usual case, one compare
            return x
        if self.built and x.ndim == len(self._build_input_shape) - 1 and \
                self._build_input_shape[-1] == 1:
            x = x[..., None]         # as Keras: 1-D data for a model of input_shape=(1,)
            if x.shape[1:] == self._input_tail:
                return x
        try:
            if not self.built:
                self.build(x.shape)
            self._check_input(x.shape)
        except ValueError as error:
            hint = input_hint(x.shape, self._build_input_shape)
            if not hint:
                raise
            raise ValueError(f"{str(error).rstrip('.')}.{hint}") from None
        return x

    def _build_for_stream(self, items):
        """Build for a stream's first two batches, as Keras builds from a generator's spec
        (data_adapter_utils.NUM_BATCHES_FOR_TENSOR_SPEC = 2): an axis whose size differs
        between them is left open (None), so batches of other lengths run too. Returns the
        items, none consumed."""
        peeked = list(itertools.islice(items, 2))
        inputs = [item[0] if isinstance(item, tuple) else item for item in peeked]
        if inputs and all(isinstance(x, (np.ndarray, Tensor)) for x in inputs) and \
                len({x.ndim for x in inputs}) == 1 and inputs[0].ndim > 0:
            shapes = [tuple(x.shape) for x in inputs]
            self.build((None,) + tuple(
                sizes[0] if len(set(sizes)) == 1 else None for sizes in zip(*shapes))[1:])
        return itertools.chain(peeked, items)

    def _check_input(self, shape):
        """Keras's error if `shape` does not fit the first layer or the built input shape."""
        first = self._stack[0]
        if first.input_spec is not None:
            first.input_spec.check(first.name, shape)
        expected = self._build_input_shape
        if len(shape) != len(expected) or any(
                n is not None and n != m for n, m in zip(expected[1:], shape[1:])):
            InputSpec(ndim=len(expected), axes=dict(enumerate(expected))) \
                .check(first.name, (None,) + tuple(shape[1:]))

    def call(self, x, training=False):
        """x through every layer: what a model used as a layer of a bigger model runs."""
        return self._forward(x, training)

    def compute_output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.compute_output_shape(input_shape)
        return tuple(input_shape)

    def _forward(self, x, training):
        """x through every layer, each inside its layer scope (no per-layer checks: the input
        was checked once at the model boundary)."""
        training = call_context.resolve_training(training)
        with call_context.layer_call(self, training):    # one pass: add_loss starts empty
            for layer in self._stack:
                x = layer._call_in_scope(x, training)
        return x

    # ---- shapes ----------------------------------------------------------------------
    @property
    def input_shape(self):
        return self._build_input_shape

    @property
    def output_shape(self):
        if not self.built:
            raise AttributeError(f"The model '{self.name}' is not built yet: its output "
                                 f"shape is unknown.")
        return self._shapes[self.layers[-1].name]

    def _output_shapes(self):
        return dict(self._shapes)

    # ---- saving ----------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [entries.layer_entry(layer) for layer in self._layers]}
        if self.built:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the model (and its weights' shapes) from get_config()'s dict."""
        if "nodes" in config or "layers" not in config:
            raise ValueError(f"Sequential.from_config received a config that is not a "
                             f"Sequential model's (keys {sorted(config)}): a functional "
                             f"model's config (with 'nodes') loads with "
                             f"Model.from_config; a Sequential config has 'layers' only.")
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(model_config.deserialize_layer(layer_config, custom_objects), rebuild=False)
        model._maybe_build()
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        if not config.get("trainable", True):
            model.trainable = False
        return model

    def __repr__(self):
        return f"<Sequential name={self.name!r}, layers={len(self.layers)}, built={self.built}>"
