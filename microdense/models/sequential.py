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
import numpy as np

from microdense import saving, utils
from microdense.config import floatx
from microdense.layers import InputLayer, Layer
from microdense.layers.base import InputSpec
from microdense.naming import unique_name
from microdense.models import summary as summary_module
from microdense.models.trainer import Trainer
from microdense.tensor import Tensor, constant, no_grad
from microdense import ops


class Sequential(Trainer):
    """A linear stack of layers, with Keras's training API (compile, fit, evaluate, ...)."""

    def __init__(self, layers=None, trainable=True, name=None):
        self.name = name or unique_name("sequential")
        self.dtype = floatx()
        self.built = False
        self._layers = []                # the InputLayer first, if there is one
        self._stack = ()                 # the layers data flows through (no InputLayer)
        self._build_input_shape = None
        self._shapes = {}                # layer name -> output shape (batch axis None)
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
        """Create every layer's weights for inputs of `input_shape` (batch axis first)."""
        shape = (None,) + tuple(input_shape[1:])
        self._shapes = {}
        for layer in self.layers:
            shape = self._build_layer(layer, shape)
            self._shapes[layer.name] = shape
        self._build_input_shape = (None,) + tuple(input_shape[1:])
        self._input_tail = self._build_input_shape[1:]
        self.built = True

    @staticmethod
    def _build_layer(layer, shape):
        """Build `layer` for `shape` and return its output shape, found by running it on one
        sample of zeros (so a user's layer needs no compute_output_shape)."""
        if not layer.built:
            layer._build(shape)
        elif layer.input_spec is not None:
            layer.input_spec.check(layer.name, shape)
        if any(n is None for n in shape[1:]):
            return tuple(layer.compute_output_shape(shape))
        with no_grad():
            out = layer._call_in_scope(constant(np.zeros((1,) + shape[1:], layer.dtype)), False)
        layer._activity_losses = []                 # a penalty of zeros is not a real one
        return (None,) + out.shape[1:]

    # ---- calling ---------------------------------------------------------------------
    def __call__(self, x, training=False):
        """The model's output as a Tensor with its graph (for inspection and drawing)."""
        if isinstance(x, Tensor):
            if x.dtype != self.dtype:
                x = ops.astype(x, self.dtype)
        else:
            x = constant(np.asarray(x, dtype=self.dtype))
        self._prepare_input(x.data)
        return self._forward(x, training)

    def _prepare_input(self, x):
        """Build on the first data if needed, then check x against the first layer (Keras's
        message names the layer, the expected width and the shape received)."""
        if not self._stack:
            raise ValueError(f"Sequential model '{self.name}' has no layers: add some first.")
        if not self.built:
            self.build(x.shape)
        if x.shape[1:] == self._input_tail:         # the usual case, checked in one compare
            return x
        first = self._stack[0]
        if first.input_spec is not None:
            first.input_spec.check(first.name, x.shape)
        expected = self._build_input_shape
        if len(x.shape) != len(expected) or any(
                n is not None and n != m for n, m in zip(expected[1:], x.shape[1:])):
            InputSpec(ndim=len(expected), axes=dict(enumerate(expected))) \
                .check(first.name, (None,) + tuple(x.shape[1:]))
        return x

    def _forward(self, x, training):
        """x through every layer, each inside its layer scope (no per-layer checks: the input
        was checked once at the model boundary)."""
        for layer in self._stack:
            x = layer._call_in_scope(x, training)
        return x

    # ---- weights ---------------------------------------------------------------------
    @property
    def weights(self):
        return [w for layer in self._stack for w in layer.weights]

    @property
    def trainable_weights(self):
        # Read on every train_on_batch: walk the layers' own lists, no copies per layer.
        return [w for layer in self._stack for w in layer._weights if w.requires_grad]

    @property
    def non_trainable_weights(self):
        return [w for layer in self._stack for w in layer.non_trainable_weights]

    @property
    def trainable(self):
        return all(layer.trainable for layer in self.layers)

    @trainable.setter
    def trainable(self, value):
        for layer in self.layers:
            layer.trainable = value

    @property
    def losses(self):
        """Every layer's penalties (activity of the last call, weight regularizers now)."""
        return [penalty for layer in self.layers for penalty in layer.losses]

    def _penalized_layers(self):
        """The layers that add penalties to the loss (computed once per fit, not per step)."""
        return [layer for layer in self._stack
                if layer.activity_regularizer is not None or layer._regularized]

    def get_weights(self):
        """Copies of all weights as numpy arrays, layer by layer (Keras's order)."""
        return [w.data.copy() for w in self.weights]

    def set_weights(self, weights):
        """Load arrays in get_weights() order (e.g. from a Keras model), in place."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a "
                             f"weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(own)} weights.")
        arrays = [np.asarray(value) for value in weights]
        for weight, value in zip(own, arrays):       # check all before changing any
            if weight.shape != value.shape:
                raise ValueError(f"Layer {weight.name.split('/')[0]} weight shape "
                                 f"{weight.shape} is not compatible with provided weight "
                                 f"shape {value.shape}.")
        for weight, value in zip(own, arrays):
            np.copyto(weight.data, value, casting="same_kind")

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but "
                             f"the layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return summary_module.count_params(self.weights)

    # ---- shapes and summary ----------------------------------------------------------
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

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Print Keras's table of layers, output shapes and parameter counts. As in Keras 3,
        print_fn (if given) receives the whole summary as one string."""
        text = summary_module.summary_text(self, line_length, positions)
        if print_fn is None:
            print(text, end="")
        else:
            print_fn(text)

    # ---- saving ----------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [{"class_name": utils.get_registered_name(type(layer)),
                              "config": layer.get_config()}
                             for layer in self._layers]}
        if self.built:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the model (and its weights' shapes) from get_config()'s dict."""
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(saving.deserialize_layer(layer_config, custom_objects), rebuild=False)
        model._maybe_build()
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        if not config.get("trainable", True):
            model.trainable = False
        return model

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Write the model (config, weights, compile settings, optimizer state) to one zip
        file, atomically: see saving.py."""
        saving.save_model(self, filepath, overwrite=overwrite,
                          include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Write only the weights (an .npz file), atomically."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Read weights written by save_weights (or model.save) into this model."""
        saving.load_weights(self, filepath)

    def __repr__(self):
        return f"<Sequential name={self.name!r}, layers={len(self.layers)}, built={self.built}>"
