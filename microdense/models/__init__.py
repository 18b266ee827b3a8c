"""Models, as in keras.models: Sequential, and load_model for files written by model.save.

Read sequential.py (the stack of layers), model.py (a Layer made of layers), functional.py
(Model(inputs, outputs): a graph of layer calls), then trainer.py
(compile, fit, evaluate, predict), then data.py (batches), progbar.py (the progress display)
and summary.py (the table).
"""
from microdense import registry
from microdense.models.model import Model
from microdense.models.functional import Functional
from microdense.models.sequential import Sequential
from microdense.models.cloning import clone_model
from microdense.saving import load_model, model_from_config, model_from_json

# Loading finds them by name (saving/ sits below this package and does not import it).
registry.register_builtins("models", {"Model": Model, "Functional": Functional,
                                      "Sequential": Sequential})

__all__ = ["Model", "Functional", "Sequential", "clone_model", "load_model",
           "model_from_config", "model_from_json"]
