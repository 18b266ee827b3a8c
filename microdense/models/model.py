"""Model: a Layer made of layers, with the training API, as Keras 3's `Model(Trainer, Layer)`.

Being a Layer, a model has what every layer has (a name, `weights`, `get_weights`,
`set_weights`, `count_params`, `zero_grad`, `trainable`) and can itself be a layer of a bigger
model. What a model adds: its weights and penalties are those of its layers, freezing it
freezes them all, and the Trainer's compile / fit / evaluate / predict (trainer.py).
Subclasses (Sequential) say which layers there are and how data flows through them.
"""
from microdense import saving, utils
from microdense.layers import Layer, symbolic
from microdense.models import data, summary as summary_module
from microdense.models.trainer import Trainer


class Model(Trainer, Layer):
    """Base class of models: `layers`, and `_forward` / `_prepare_input` for the Trainer."""

    def __new__(cls, *args, **kwargs):
        """Model(inputs, outputs) makes a functional model (models/functional.py), as Keras."""
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from microdense.models.functional import Functional   # it imports this module
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, name=None, trainable=True, dtype=None):
        Trainer.__init__(self)
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)

    @property
    def layers(self):
        raise NotImplementedError(f"{type(self).__name__} must define its `layers`.")

    def __call__(self, inputs, training=False):
        """On data: the model's output Tensor(s) with their graph (for inspection and
        drawing). On symbolic tensors: a node of a bigger functional model."""
        if symbolic.is_symbolic(inputs):
            return symbolic.call_symbolic(self, inputs)
        return self._call_on_data(inputs, training)

    def _standardize(self, value, which):
        """fit/evaluate/predict's x (which="input") or y ("output") as one array, the form
        _forward and the loss take. (Functional models with several take lists of arrays.)"""
        if value is None:
            return None
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
        raise utils.unknown_name_error(f"layer of model '{self.name}'", name,
                                       [layer.name for layer in self.layers])

    # ---- weights and penalties: those of the layers --------------------------------------
    @property
    def weights(self):
        """Every layer's weights, layer by layer (Keras's get_weights order)."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a model freezes every layer in it; unfreezing unfreezes them all."""
        self._trainable = bool(value)
        for layer in self.layers:
            layer.trainable = value

    @property
    def losses(self):
        """Every layer's penalties (activity of the last call, weight regularizers now)."""
        return [penalty for layer in self.layers for penalty in layer.losses]

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
        file, atomically: see saving.py."""
        saving.save_model(self, filepath, overwrite=overwrite,
                          include_optimizer=include_optimizer)

    def save_weights(self, filepath, overwrite=True):
        """Write only the weights (an .npz file), atomically."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Read weights written by save_weights (or model.save) into this model."""
        saving.load_weights(self, filepath)
