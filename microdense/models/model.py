"""Model: a Layer made of layers, with the training API, as Keras 3's `Model(Trainer, Layer)`.

Being a Layer, a model has what every layer has (a name, `weights`, `get_weights`,
`set_weights`, `count_params`, `zero_grad`, `trainable`) and can itself be a layer of a bigger
model. What a model adds: its weights and penalties are those of its layers, freezing it
freezes them all, and the Trainer's compile / fit / evaluate / predict (trainer.py).
Subclasses (Sequential) say which layers there are and how data flows through them.
"""
import json

from microdense import saving, utils
from microdense.layers import Layer
from microdense.models import summary as summary_module
from microdense.models.trainer import Trainer


class Model(Trainer, Layer):
    """Base class of models: `layers`, and `_forward` / `_prepare_input` for the Trainer."""

    def __init__(self, name=None, trainable=True, dtype=None):
        Trainer.__init__(self)
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype)

    @property
    def layers(self):
        raise NotImplementedError(f"{type(self).__name__} must define its `layers`.")

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

    def to_json(self, **kwargs):
        """The model's architecture (no weights) as a JSON string, as Keras's to_json;
        models.model_from_json(text) builds it again. kwargs go to json.dumps."""
        return json.dumps({"class_name": utils.get_registered_name(type(self)),
                           "config": self.get_config()}, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write only the weights (an .npz file), atomically."""
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath):
        """Read weights written by save_weights (or model.save) into this model."""
        saving.load_weights(self, filepath)
