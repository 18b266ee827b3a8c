"""Model: a Layer made of layers, with the training API, as Keras 3's `Model(Trainer, Layer)`.

Being a Layer, a model has what every layer has (a name, `weights`, `get_weights`,
`set_weights`, `count_params`, `zero_grad`, `trainable`) and can itself be a layer of a bigger
model. What a model adds: its weights and penalties are those of its layers, freezing it
freezes them all, and the Trainer's compile / fit / evaluate / predict (trainer.py).
Subclasses say which layers there are and how data flows through them: Sequential (a stack),
Functional (what Model(inputs, outputs) makes), or your own, as in Keras:

    class MyModel(Model):
        def __init__(self):
            super().__init__()
            self.dense1 = Dense(32, activation="relu")     # layers set as attributes are
            self.dense2 = Dense(5, activation="softmax")   # the model's layers, in order

        def call(self, inputs):
            return self.dense2(self.dense1(inputs))

A subclassed model builds on the first data it sees, by running call() on one sample.
"""
import inspect
import json

import numpy as np

from microdense import registry
from microdense.saving import compile_config, entries, model_config, saving_api
from microdense.layers import Layer, symbolic
from microdense.models import data, summary as summary_module
from microdense.models.trainer import Trainer
from microdense.tensor import Tensor, constant, no_grad


_FUNCTIONAL_SUBCLASSES = {}


def _functional():
    """models/functional.py's Functional, a Model itself (so it imports this module, and this
    module finds it by name: models/__init__.py registers it)."""
    return registry.builtin_objects("models")["Functional"]


def functional_subclass(cls):
    """The class of a functional model made by subclass `cls` of Model: (cls, Functional),
    made once per cls. Keras 3 does the same (it puts Functional among cls's bases): the
    model runs its graph of layer calls, and keeps every method cls defines (a train_step,
    a get_config, ...); isinstance(model, cls) still holds."""
    Functional = _functional()
    if issubclass(cls, Functional):
        return cls
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__,
                                            "__doc__": cls.__doc__,
                                            "_made_for_subclass": cls})
    return _FUNCTIONAL_SUBCLASSES[cls]


def _is_functional_config(config):
    """Whether a config describes a functional model (what Functional.get_config writes)."""
    return isinstance(config, dict) and all(
        key in config for key in ("layers", "nodes", "inputs", "outputs"))


def _revivable_as_functional(cls):
    """Whether cls(inputs, outputs, name=...) rebuilds it: Model, Functional, or a subclass
    whose __init__ takes what Functional's does (or *args, **kwargs), as Keras decides."""
    Functional = _functional()
    if cls in (Model, Functional) or cls.__init__ is Model.__init__:
        return True
    parameters = inspect.signature(cls.__init__).parameters
    names = [name for name in parameters if name != "self"]
    kinds = {p.kind for p in parameters.values()}
    return names[:2] == ["inputs", "outputs"] or (
        inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds)


class Model(Trainer, Layer):
    """Base class of models: `layers`, and `_forward` / `_prepare_input` for the Trainer."""

    def __new__(cls, *args, **kwargs):
        """Model(inputs, outputs) makes a functional model (models/functional.py), as Keras."""
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            Functional = _functional()
            return super().__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, name=None, trainable=True, dtype=None, **kwargs):
        """Model(name=None, trainable=True, dtype=None) for a subclass that defines call();
        Model(inputs, outputs, name=None) for a functional one. A subclass of Model may do
        either: `super().__init__(inputs=inputs, outputs=outputs)` (or `MyModel(inputs,
        outputs)`) makes it a functional model with the subclass's own methods."""
        if args or "inputs" in kwargs or "outputs" in kwargs:
            Functional = _functional()
            self.__class__ = functional_subclass(type(self))
            Functional.__init__(self, *args, name=name, trainable=trainable, **kwargs)
            return
        if kwargs:
            raise TypeError(f"Model.__init__() got unexpected keyword arguments "
                            f"{sorted(kwargs)}; it takes name, trainable and dtype (or "
                            f"inputs and outputs, for a functional model).")
        Trainer.__init__(self)
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)

    # ---- a subclassed model: the layers it holds as attributes, and its call() ------------
    @property
    def layers(self):
        """The layers held as attributes of a subclassed model (also in lists, tuples and
        dicts), in the order they were set (layers/tracking.py)."""
        return self._sublayers()

    def call(self, inputs, training=False):
        raise NotImplementedError(f"Model subclass {type(self).__name__} must define "
                                  f"call(self, inputs) (or build with Model(inputs, outputs)).")

    def _call_on_data(self, inputs, training=False):
        if _several_arrays(inputs):              # call(self, inputs) takes a list
            xs = [x if isinstance(x, Tensor) else constant(np.asarray(x, self.dtype))
                  for x in inputs]
            self._prepare_input([x.data for x in xs])
            return self._forward(xs, training)
        x = inputs if isinstance(inputs, Tensor) else constant(np.asarray(inputs, self.dtype))
        self._prepare_input(x.data)
        return self._forward(x, training)

    def _prepare_input(self, x):
        """Build on the first data: call() on one sample of zeros builds every layer (on one
        sample of each, for a list of inputs)."""
        if not self.built:
            if isinstance(x, list):
                shapes = [(None,) + tuple(value.shape[1:]) for value in x]
                self._output_shape, _ = symbolic.output_shapes_of(self, shapes, several=True)
                self._build_input_shape = shapes
            else:
                self._output_shape, _ = symbolic.output_shapes_of(self, (None,) + x.shape[1:])
                self._build_input_shape = (None,) + tuple(x.shape[1:])
            self.built = True
        return x

    def _forward(self, x, training):
        """The model's call() on x. As Keras's trainers, fit's training=True reaches a
        subclassed model only if its call() declares `training`; if not, its layers use
        their own defaults (a Dropout in it stays off)."""
        takes_training = self.__dict__.get("_model_call_takes_training")
        if takes_training is None:                # read once: call() does not change
            takes_training = "training" in inspect.signature(self.call).parameters
            self._model_call_takes_training = takes_training
        return self._call_in_scope(x, training if takes_training else None)

    def _layer_calls(self, x, training=False):
        """[(layer, its input, its output)] for each layer in turn, for diagnostics: the
        layers as a chain (Sequential); Functional runs its graph instead."""
        calls = []
        for layer in self.layers:
            output = layer(x, training=training)
            calls.append((layer, x, output))
            x = output
        return calls

    @property
    def output_shape(self):
        if not self.built:
            raise AttributeError(f"The model '{self.name}' is not built yet: its output "
                                 f"shape is unknown.")
        shapes = self._output_shape
        return shapes[0] if len(shapes) == 1 else shapes

    def _output_shapes(self):
        """{layer name: output shape} for summary: unknown inside a subclassed model."""
        return {}

    def __call__(self, inputs, training=None):
        """On data: the model's output Tensor(s) with their graph (for inspection and
        drawing). On symbolic tensors: a node of a bigger functional model. training=None
        takes the training of the call this one is inside (False outside any), as Keras."""
        if symbolic.is_symbolic(inputs):
            return symbolic.call_symbolic(self, inputs)
        return self._call_on_data(inputs, training)

    def _standardize(self, value, which):
        """fit/evaluate/predict's x (which="input") or y ("output") as one array, the form
        _forward and the loss take. (Functional models with several take lists of arrays.)"""
        if value is None:
            return None
        if which == "input" and _several_arrays(value):    # x = (x1, x2): a list of inputs
            return [data.as_inputs(x, self.dtype) for x in value]
        return data.as_inputs(value, self.dtype) if which == "input" else data.as_targets(value)

    def _pack_predictions(self, arrays):
        """predict's arrays (one per output) in the structure of the model's outputs."""
        return arrays

    @property
    def output_names(self):
        return [self.layers[-1].name] if self.layers else []

    def get_layer(self, name=None, index=None):
        """The layer called `name` (or at position `index` of model.layers), as Keras."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if not 0 <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(self.layers)} layers.")
            return self.layers[index]
        if name is None:
            raise ValueError("Provide either a layer name or layer index at `get_layer`.")
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise registry.unknown_name_error(f"layer of model '{self.name}'", name,
                                       [layer.name for layer in self.layers])

    # ---- weights and penalties: those of the layers --------------------------------------
    # ---- summary and saving --------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None):
        """Print Keras's table of layers, output shapes and parameter counts. As in Keras 3,
        print_fn (if given) receives the whole summary as one string."""
        text = summary_module.summary_text(self, line_length, positions)
        if print_fn is None:
            print(text, end="")
        else:
            print_fn(text)

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Write the model (config, weights, compile settings, optimizer state) to one zip
        file, atomically: see saving/saving_api.py."""
        saving_api.save_model(self, filepath, overwrite=overwrite,
                          include_optimizer=include_optimizer)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a model from get_config()'s dict, as Keras's Model.from_config: a
        functional config (layers, nodes, inputs, outputs) rebuilds the graph, for Model and
        for a subclass whose __init__ takes (inputs, outputs, ...); any other config is
        passed to the subclass's constructor, cls(**config)."""
        Functional = _functional()
        if _is_functional_config(config) and _revivable_as_functional(cls):
            target = Functional if cls is Model else functional_subclass(cls)
            return model_config.functional_from_config(target, config, custom_objects)
        if cls is Model or cls is Functional:
            kind = "a Sequential model's" if "layers" in config else "not a model's"
            raise ValueError(f"Model.from_config received {kind} config (keys "
                             f"{sorted(config)}); a functional model's config has 'layers', "
                             f"'nodes', 'inputs' and 'outputs'. Use Sequential.from_config "
                             f"for a Sequential config.")
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(f"Unable to revive model {cls.__name__} from config. When "
                            f"overriding the `get_config()` method, make sure that the "
                            f"returned config contains all items used as arguments in the "
                            f"constructor to {cls.__name__}, which is the default behavior. "
                            f"You can override this default behavior by defining a "
                            f"`from_config(cls, config)` class method to specify how to "
                            f"create an instance of {cls.__name__} from its config.\n\n"
                            f"Received config={config}\n\nError encountered during "
                            f"deserialization: {error}") from None

    def get_compile_config(self):
        """compile()'s arguments, serialized (what model.save stores; Keras's name)."""
        return compile_config.compile_config(self) if self.compiled else None

    def compile_from_config(self, config):
        """compile() again from get_compile_config()'s dict (load_model does this)."""
        compile_config.compile_model_from_config(self, config)

    def get_build_config(self):
        """The input shape the model was built for (a subclassed model builds on data)."""
        return Layer.get_build_config(self)

    def build_from_config(self, config):
        """Build from get_build_config()'s dict: a subclassed model runs call() once on one
        sample of zeros of that shape, which builds every layer in it."""
        shape = (config or {}).get("input_shape")
        if shape is None or self.built:
            return
        if shape and isinstance(shape[0], (list, tuple)):
            raise ValueError(f"Model '{self.name}': building from a config with several "
                             f"inputs {shape} is not supported; call the model on data.")
        self._prepare_input(np.zeros((1,) + tuple(shape[1:]), self.dtype))

    def to_json(self, **kwargs):
        """The model's architecture (no weights) as a JSON string, as Keras's to_json;
        models.model_from_json(text) builds it again. kwargs go to json.dumps."""
        return json.dumps(entries.model_entry(self), **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write only the weights (an .npz file), atomically."""
        saving_api.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Read weights written by save_weights (or model.save) into this model."""
        saving_api.load_weights(self, filepath)


def _several_arrays(value):
    """True for a list or tuple of arrays or tensors (several inputs, as Keras takes them),
    False for one array or a nested list of numbers."""
    return isinstance(value, (list, tuple)) and len(value) > 0 and \
        all(isinstance(x, (np.ndarray, Tensor)) for x in value)
