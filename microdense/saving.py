"""Saving and loading models: one zip file, JSON and .npz inside, never pickle.

    model.save("model.mdz")
    model = load_model("model.mdz", custom_objects={"custom_activation": custom_activation})

The file holds
    config.json          the model and layer configs, and the compile settings (optimizer,
                         loss and metrics by name, the optimizer's config)
    model.weights.npz    every weight, under its name ("dense/kernel", ...)
    optimizer.npz        the optimizer's state (iterations, Adam's moments, ...), so training
                         continues exactly where it stopped

It is written to a temporary file in the same folder and renamed over the target
(os.replace, atomic), so a crash mid-save leaves the old file intact, never half a file.
Loading reads JSON and arrays only (np.load(allow_pickle=False)): a model file cannot run
code. Your own functions (activations, losses) are saved by name and found again through
`custom_objects` or `@register_keras_serializable()`.
"""
import inspect
import io
import json
import os
import uuid
import zipfile
import zlib

import numpy as np

from microdense import layers as layers_module
from microdense import losses, metrics, optimizers, utils
from microdense.utils import (  # noqa: F401 (keras.saving's names)
    get_custom_objects, get_registered_name, get_registered_object, register_keras_serializable)

FORMAT = "microdense.model"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.npz"
OPTIMIZER_FILE = "optimizer.npz"


# ---- writing atomically ------------------------------------------------------------------

def atomic_write(filepath, write, overwrite=True):
    """Call write(file) on a temporary file beside `filepath`, then rename it into place.

    os.replace is atomic on POSIX and Windows: readers see the old file or the new one. On any
    error (or Ctrl-C) the temporary file is removed and the old file is untouched.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    folder = os.path.dirname(os.path.abspath(filepath))
    temporary = os.path.join(folder, f".{os.path.basename(filepath)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(temporary, "xb") as file:       # "x": never clobber; respects the umask
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _npz_bytes(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


# ---- what gets written -------------------------------------------------------------------

def _serialize_metric(metric, given):
    """A metric as compile received it: its string, or a config for an object."""
    if isinstance(given, str):
        return given
    if isinstance(given, metrics.Metric) or hasattr(given, "get_config"):
        return metrics.serialize(metric)
    return {"function": metrics.serialize_function(given)}


def compile_config(model):
    """The compile settings as JSON: optimizer (with its current config), loss and metrics."""
    if not getattr(model, "compiled", False):
        return None
    loss = model.loss
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": loss if isinstance(loss, str) or loss is None else losses.serialize(loss),
        "metrics": [_serialize_metric(metric, given) for metric, given
                    in zip(model.metrics, model._compile_args["metrics"])],
    }


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write `model` to a zip file at `filepath` (see the module docstring)."""
    config = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "class_name": type(model).__name__, "config": model.get_config(),
              "compile_config": compile_config(model) if include_optimizer else None}
    text = json.dumps(config, indent=2)       # fails here, before any file is touched
    weights = _npz_bytes({w.name: w.data for w in model.weights})
    optimizer_state = None
    if include_optimizer and getattr(model, "compiled", False):
        optimizer_state = _npz_bytes(model.optimizer.get_state())

    def write(file):
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr(CONFIG_FILE, text)
            archive.writestr(WEIGHTS_FILE, weights)
            if optimizer_state is not None:
                archive.writestr(OPTIMIZER_FILE, optimizer_state)

    atomic_write(filepath, write, overwrite)


def save_weights(model, filepath, overwrite=True):
    """Write only the weights, as an .npz of {weight name: array}, atomically."""
    data = _npz_bytes({w.name: w.data for w in model.weights})
    atomic_write(filepath, lambda file: file.write(data), overwrite)


# ---- reading -----------------------------------------------------------------------------

_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, json.JSONDecodeError,
            UnicodeDecodeError)


def _corrupt_error(filepath, error):
    return ValueError(f"Could not read the model file '{filepath}': it is truncated or corrupt "
                      f"({type(error).__name__}: {error}). Save the model again.")


def _read_arrays(archive, name):
    with np.load(io.BytesIO(archive.read(name)), allow_pickle=False) as arrays:
        return {key: arrays[key] for key in arrays.files}


def load_model(filepath, custom_objects=None, compile=True):
    """The model saved at `filepath`, with its weights, and (compile=True) compiled with its
    optimizer state restored. custom_objects maps saved names to your functions/classes."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         f"accessible model file written by model.save().")
    try:
        with zipfile.ZipFile(filepath) as archive:
            names = archive.namelist()
            if CONFIG_FILE not in names or WEIGHTS_FILE not in names:
                raise ValueError(f"'{filepath}' is a zip file but not a microdense model file "
                                 f"(it holds {names[:5]}; a model holds {CONFIG_FILE} and "
                                 f"{WEIGHTS_FILE}).")
            config = json.loads(archive.read(CONFIG_FILE).decode("utf-8"))
            weights = _read_arrays(archive, WEIGHTS_FILE)
            optimizer_state = (_read_arrays(archive, OPTIMIZER_FILE)
                               if OPTIMIZER_FILE in names else None)
    except _CORRUPT as error:
        raise _corrupt_error(filepath, error) from None
    except ValueError as error:
        if "not a microdense model" in str(error):
            raise
        raise _corrupt_error(filepath, error) from None        # np.load on damaged bytes
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"'{filepath}' is a zip file but not a microdense model (its "
                         f"config.json has no \"format\": \"{FORMAT}\").")

    model = model_from_config(config, custom_objects)
    _assign_weights(model, weights, filepath)
    compile_settings = config.get("compile_config")
    if compile and compile_settings:
        _compile_from_config(model, compile_settings, custom_objects)
        if optimizer_state is not None:
            model.optimizer.set_state(optimizer_state)
    return model


def model_from_config(config, custom_objects=None):
    """A Sequential model from save_model's config.json contents."""
    from microdense.models.sequential import Sequential   # here: models imports this module
    if config.get("class_name") != "Sequential":
        raise ValueError(f"Cannot load a model of class {config.get('class_name')!r}; "
                         f"microdense models are Sequential.")
    return Sequential.from_config(config["config"], custom_objects)


def deserialize_layer(layer_config, custom_objects=None):
    """A layer from {"class_name": ..., "config": ...}: built-in, custom_objects, or registered."""
    class_name = layer_config["class_name"]
    config = layer_config["config"]
    cls = (utils.get_registered_object(class_name, custom_objects)
           or layers_module.ALL_LAYERS.get(class_name))
    if cls is None:
        raise utils.missing_object_error("layer class", class_name)
    try:
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(config, custom_objects=custom_objects)
        return cls.from_config(config)
    except ValueError as error:
        raise ValueError(f"While loading layer '{config.get('name')}' ({class_name}): "
                         f"{error}") from None


def _assign_weights(model, arrays, filepath):
    """Copy saved arrays into the rebuilt model's weights, matched by name and shape."""
    expected = {w.name for w in model.weights}
    missing = sorted(expected - set(arrays))
    if missing or len(arrays) != len(expected):
        raise ValueError(f"The weights in '{filepath}' do not match the model: missing "
                         f"{missing or 'none'}, unexpected {sorted(set(arrays) - expected) or 'none'}.")
    model.set_weights([arrays[w.name] for w in model.weights])


def _compile_from_config(model, settings, custom_objects):
    loss = settings.get("loss")
    if isinstance(loss, dict) or (isinstance(loss, str) and loss not in losses.ALL_OBJECTS):
        loss = losses.deserialize(loss, custom_objects)     # a Loss object or your function
    compiled_metrics = []
    for entry in settings.get("metrics") or ():
        if isinstance(entry, dict) and "function" in entry:
            entry = metrics.deserialize_function(entry["function"], custom_objects)
        elif isinstance(entry, dict):
            entry = metrics.deserialize(entry, custom_objects)
        compiled_metrics.append(entry)
    model.compile(optimizer=optimizers.deserialize(settings["optimizer"], custom_objects),
                  loss=loss, metrics=compiled_metrics)


def load_weights(model, filepath):
    """Read weights saved by save_weights (an .npz) or model.save (a model file) into model."""
    filepath = os.fspath(filepath)
    try:
        with zipfile.ZipFile(filepath) as archive:
            if WEIGHTS_FILE in archive.namelist():
                arrays = _read_arrays(archive, WEIGHTS_FILE)
            else:
                with np.load(filepath, allow_pickle=False) as npz:
                    arrays = {key: npz[key] for key in npz.files}
    except _CORRUPT as error:
        raise _corrupt_error(filepath, error) from None
    if not model.built:
        raise ValueError(f"Build the model (give it an input shape or call it on data) before "
                         f"load_weights: '{model.name}' has no weights yet.")
    _assign_weights(model, arrays, filepath)
