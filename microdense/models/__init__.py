"""Models, as in keras.models: Sequential, and load_model for files written by model.save.

Read sequential.py (the stack of layers), then trainer.py (compile, fit, evaluate, predict),
then data.py (batches), progbar.py (the progress display) and summary.py (the table).
"""
from microdense.models.sequential import Sequential
from microdense.saving import load_model, model_from_config

__all__ = ["Sequential", "load_model", "model_from_config"]
