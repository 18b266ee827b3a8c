"""Saving and loading models: one zip file, JSON and .npz inside, never pickle.

    model.save("model.mdz")
    model = load_model("model.mdz", custom_objects={"custom_activation": custom_activation})

The file holds
    config.json          the model and layer configs, and the compile settings (optimizer,
                         loss and metrics by name, the optimizer's config)
    model.weights.npz    every weight, under its path ("dense/kernel", ...)
    optimizer.npz        the optimizer's state under each weight's path ("dense/kernel/momentum",
                         and "iterations"), so training continues exactly where it stopped

Saving writes a temporary file beside the target, reads it back and checks that it holds
exactly the model's weights, then renames it over the target (os.replace, atomic): a crash
mid-save leaves the old file intact, never half a file. The target keeps its permissions, and
a symbolic link stays a link (the file it points to is replaced).

Loading reads JSON and arrays only (np.load(allow_pickle=False)): a model file cannot run
code. It is also read as untrusted data: every size is checked before anything is allocated
(entry sizes, each array's header against the shapes the config builds: file_format.py), and
a malformed field raises one error, ModelFileError ("corrupt or hostile model file", a
ValueError). Your own functions (activations, losses) are saved by name and found again
through `custom_objects` or `@register_keras_serializable()`.
"""
import inspect
import io
import json
import math
import os
import stat
import uuid
import zipfile
import zlib

import numpy as np

from microdense import layers as layers_module
from microdense import losses, metrics, optimizers, registry, serialization
from microdense.saving import assets as saving_assets, file_format
from microdense.saving.file_format import (
    CONFIG_FILE, FORMAT, FORMAT_VERSION, MAX_BUILD_WEIGHTS, MAX_FILE_BYTES, MODEL_CLASSES,
    OPTIMIZER_FILE, WEIGHTS_FILE, Budget, ModelFileError, allow_weights, check_input_sizes,
    expect_weights, hostile, read_model_file, read_npz)
from microdense.saving.entries import (has_own_classes, layer_entry, model_entry,  # noqa: F401
                                       restore_layer_entry, saved_class_name, user_class)
from microdense.serialization import (  # noqa: F401 (keras.saving's names)
    deserialize_keras_object, serialize_keras_object)
from microdense.registry import (  # noqa: F401 (keras.saving's names)
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)


# ---- writing atomically ------------------------------------------------------------------

def atomic_write(filepath, write, overwrite=True, verify=None):
    """Call write(file) on a temporary file beside `filepath`, then verify(temporary path) if
    given, then rename it into place.

    os.replace is atomic on POSIX and Windows: readers see the old file or the new one. On any
    error (or Ctrl-C) the temporary file is removed and the old file is untouched. A symbolic
    link is written through (its target is replaced, the link stays); an existing file keeps
    its permission bits (a 0600 file stays private). The temporary name is short, so any file
    name the system accepts works.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists; pass overwrite=True to replace it.")
    target = os.path.realpath(filepath)           # through symbolic links
    temporary = os.path.join(os.path.dirname(target), f".md-{uuid.uuid4().hex[:8]}.tmp")
    mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else None
    try:
        with open(temporary, "xb") as file:       # "x": never clobber; respects the umask
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        if verify is not None:
            verify(temporary)
        os.replace(temporary, target)
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
    given_metrics = model._compile_args["metrics"]
    # How the step runs travels with the model: load_model compiles it the same way.
    how = {"jit_compile": model.jit_compile, "run_eagerly": model.run_eagerly}
    if len(model.output_names) > 1:
        # Several outputs: loss, loss_weights and metrics as compile received them (a list
        # or dict per output), each loss by name or config; metrics by name.
        return {"optimizer": optimizers.serialize(model.optimizer),
                "loss": _serialize_losses(loss),
                "loss_weights": model._compile_args.get("loss_weights"),
                "metrics": _metric_names(given_metrics), **how}
    settings = {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": _serialize_loss(loss),
        "metrics": [_serialize_metric(metric, given) for metric, given
                    in zip(model.metrics, given_metrics)],
        **how,
    }
    given_weighted = model._compile_args.get("weighted_metrics") or []
    if given_weighted:
        settings["weighted_metrics"] = [
            _serialize_metric(metric, given) for metric, given
            in zip(model.metrics[len(given_metrics):], given_weighted)]
    return settings


def _serialize_loss(loss):
    return loss if isinstance(loss, str) or loss is None else losses.serialize(loss)


def _serialize_losses(loss):
    if isinstance(loss, dict):
        return {name: _serialize_loss(entry) for name, entry in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss(entry) for entry in loss]
    return _serialize_loss(loss)


def _metric_names(metrics):
    """Metrics of a model with several outputs, which are saved by name only."""
    def names(entry):
        if entry is None or isinstance(entry, str):
            return entry
        if isinstance(entry, (list, tuple)):
            return [names(e) for e in entry]
        raise ValueError(f"Cannot save the metric {entry!r} of a model with several outputs: "
                         f"give its metrics by name (e.g. metrics={{'out': ['mae']}}), or "
                         f"save with include_optimizer=False.")
    if isinstance(metrics, dict):
        return {name: names(entry) for name, entry in metrics.items()}
    return names(metrics)


def leaf_layers(model):
    """The layers that own weights, at any depth: a model's layers, a block's layers, the
    layers of a model used as a layer (each weight is named by its own layer: 'dense/kernel')."""
    return [layer for layer in model._flatten_layers() if layer._own_weights()]


def weights_by_path(model):
    """{"<layer>/<weight>": array} for every weight, refusing what would not load back: a
    '/' inside a layer or weight name (two weights could share a path) or two weights of one
    layer with one name (one would be lost)."""
    arrays = {}
    for layer in leaf_layers(model):
        for weight in layer._own_weights():
            path = str(weight.name)
            short = path[len(layer.name) + 1:] if path.startswith(f"{layer.name}/") else ""
            if "/" in layer.name or not short or "/" in short:
                raise ValueError(
                    f"Cannot save weight '{path}' of layer '{layer.name}': a weight is saved "
                    f"as '<layer name>/<weight name>', and (as in Keras) neither name may "
                    f"contain '/', so that loading finds it again. Rename the layer or weight.")
            if path in arrays:
                raise ValueError(
                    f"Cannot save: layer '{layer.name}' has two weights named '{short}', both "
                    f"saved as '{path}', so one would be lost. Give each add_weight(...) of "
                    f"the layer its own name=.")
            arrays[path] = weight.data
    return arrays


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Write `model` to a zip file at `filepath` (see the module docstring)."""
    config = {"format": FORMAT, "format_version": FORMAT_VERSION,
              **model_entry(model),
              "compile_config": compile_config(model) if include_optimizer else None}
    if include_optimizer and getattr(model, "compiled", False) and \
            type(model).get_compile_config is not _base_method(model, "get_compile_config"):
        # Your get_compile_config(): stored as it says, given back to your
        # compile_from_config() on loading (as Keras's saving does).
        config["compile_config"] = None
        config["custom_compile_config"] = serialize_keras_object(model.get_compile_config())
    text = json.dumps(config, indent=2)       # fails here, before any file is touched
    weights = weights_by_path(model)
    optimizer_state = None
    if include_optimizer and getattr(model, "compiled", False):
        optimizer_state = model.optimizer.get_state()

    assets = saving_assets.collect(model)

    def write(file):
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr(CONFIG_FILE, text)
            archive.writestr(WEIGHTS_FILE, _npz_bytes(weights))
            if optimizer_state is not None:
                archive.writestr(OPTIMIZER_FILE, _npz_bytes(optimizer_state))
            for name, content in assets.items():      # layers' save_assets files
                archive.writestr(name, content)

    def verify(temporary):
        try:
            saved = read_model_file(temporary)
            written_back = {entry: saved.arrays(entry) for entry in saved.entries}
        except ModelFileError as error:          # e.g. a config beyond MAX_CONFIG_BYTES
            raise _not_saved(filepath, str(error)) from None
        if json.dumps(saved.config, indent=2) != text:
            raise _not_saved(filepath, "its config.json reads back differently")
        _same_arrays(filepath, WEIGHTS_FILE, weights, written_back[WEIGHTS_FILE])
        if optimizer_state is not None:
            _same_arrays(filepath, OPTIMIZER_FILE, optimizer_state,
                         written_back[OPTIMIZER_FILE])

    atomic_write(filepath, write, overwrite, verify)


def save_weights(model, filepath, overwrite=True):
    """Write only the weights, as an .npz of {weight path: array}, atomically."""
    weights = weights_by_path(model)

    def verify(temporary):
        with open(temporary, "rb") as file:
            raw = file.read()
        budget = Budget(temporary, len(raw))
        _same_arrays(filepath, "the weights", weights,
                     read_npz(raw, temporary, "the weights file", budget))

    data = _npz_bytes(weights)
    atomic_write(filepath, lambda file: file.write(data), overwrite, verify)


def _same_arrays(filepath, entry, written, read_back):
    """Raise unless the file holds exactly `written`: same names, dtypes, shapes and bits."""
    if set(written) != set(read_back) or len(written) != len(read_back):
        raise _not_saved(filepath, f"{entry} holds {sorted(read_back)} instead of "
                                   f"{sorted(written)}")
    for name, array in written.items():
        array, back = np.asarray(array), read_back[name]
        if (array.dtype != back.dtype or array.shape != back.shape
                or array.tobytes() != back.tobytes()):
            raise _not_saved(filepath, f"'{name}' in {entry} reads back differently")


def _not_saved(filepath, reason):
    return ValueError(f"Not saved: the file written for '{filepath}' would not load back to "
                      f"the same model ({reason}); '{filepath}' is unchanged.")


# ---- loading -----------------------------------------------------------------------------

# What a value of the wrong type raises deep inside a constructor or build: from a file, these
# mean a malformed field, and become a ModelFileError (a ValueError) naming what was loading.
_RAW_ERRORS = (TypeError, AttributeError, KeyError, IndexError, OverflowError)

def load_model(filepath, custom_objects=None, compile=True, max_bytes=MAX_FILE_BYTES):
    """The model saved at `filepath`, with its weights, and (compile=True) compiled with its
    optimizer state restored. custom_objects maps saved names to your functions/classes.
    A file that is not a model microdense wrote raises ModelFileError (a ValueError), and so
    does one whose arrays declare more than `max_bytes` (4 GiB; raise it for a bigger model
    you trust): every size is checked before any array is allocated."""
    saved = read_model_file(filepath)
    filepath = saved.filepath
    config = saved.config
    headers = saved.headers(WEIGHTS_FILE)
    declared = {entry: saved.headers(entry) for entry in saved.entries}
    total = sum(math.prod(shape) * dtype.itemsize
                for arrays in declared.values() for shape, dtype in arrays.values())
    if total > max_bytes:
        raise hostile(filepath, "its arrays", f"declare {total:,} bytes, more than max_bytes="
                      f"{max_bytes:,}; pass load_model(..., max_bytes={total:,}) if you trust "
                      f"this file")
    weight_values = sum(math.prod(shape) for shape, _ in headers.values())
    check_input_sizes(config, filepath, weight_values)
    try:
        with expect_weights({name: shape for name, (shape, _) in headers.items()}, filepath,
                            by_shape=has_own_classes(config)):
            model = model_from_config(config, custom_objects, max_weights=weight_values)
    except MemoryError:
        raise hostile(filepath, CONFIG_FILE, "asks for more memory than there is") from None
    except _RAW_ERRORS as error:             # a value of the wrong type reached a build()
        raise hostile(filepath, CONFIG_FILE, f"does not build a model "
                                             f"({type(error).__name__}: {error})") from None
    _assign_weights(model, saved.arrays(WEIGHTS_FILE, {w.name: w.shape for w in model.weights}),
                    filepath)
    compile_settings = config.get("compile_config")
    if compile and compile_settings:
        _compile_from_config(model, compile_settings, custom_objects, filepath)
        if OPTIMIZER_FILE in saved.entries:
            _restore_optimizer(model, saved, filepath)
    elif compile and config.get("custom_compile_config") is not None:
        with registry.custom_object_scope(custom_objects or {}):
            model.compile_from_config(config["custom_compile_config"])
        if OPTIMIZER_FILE in saved.entries and getattr(model, "optimizer", None) is not None:
            _restore_optimizer(model, saved, filepath)
    with zipfile.ZipFile(filepath) as archive:          # layers' load_assets files
        saving_assets.restore(model, archive, saved.budget, filepath)
    return model


def _base_method(model, name):
    """microdense's own Model.<name> (to tell whether a subclass overrides it)."""
    return getattr(registry.builtin_objects("models")["Model"], name)


def _model_class(class_name):
    return registry.builtin_objects("models")[class_name]     # the models import this package


def model_from_config(config, custom_objects=None, max_weights=MAX_BUILD_WEIGHTS):
    """A model from save_model's config.json contents: Sequential, Functional, or your
    subclass of Model, found by its saved name in custom_objects or the registry. Its layers
    may create `max_weights` weight values in all (8,388,608: 32 MB of float32), each weight
    checked before it is allocated; raise it for a bigger model you trust."""
    class_name = config.get("class_name")
    with allow_weights(max_weights, "the model config"):
        if class_name in MODEL_CLASSES:
            return _model_class(class_name).from_config(config["config"], custom_objects)
        Model = _model_class("Model")
        cls = registry.get_registered_object(str(class_name), custom_objects)
        if cls is None:
            raise registry.missing_object_error("model class", str(class_name))
        if not (inspect.isclass(cls) and issubclass(cls, Model)):
            raise ValueError(f"Cannot load a model of class {class_name!r}: the name refers "
                             f"to {cls!r}, which is not a subclass of Model.")
        model = serialization.from_config(cls, config["config"], custom_objects)
        restore_layer_entry(model, config, "model")
        return model


# ---- functional models: the layers, and the calls that connect them ------------------------
#
#   {"name": "functional", "trainable": true,
#    "layers": [{"class_name": "InputLayer", "config": {...}}, {"class_name": "Dense", ...}],
#    "nodes": [{"layer": "dense", "args": [["input_layer", 0, 0]], "several": false}, ...],
#    "inputs": [["input_layer", 0, 0]], "outputs": [["dense", 0, 0]],
#    "input_keys": null, "output_keys": null}
#
# A tensor is [layer name, call number of that layer within this model, output number]; the
# nodes are in the order they run, so loading replays them, calling each layer on tensors
# that already exist. An InputLayer's call number 0 is the Input itself.

def functional_config(model):
    """get_config() of a Functional model (the layout above)."""
    calls = {}                                    # node -> its call number within the model
    call_counts = {}                              # layer -> how many of its calls so far

    def ref(tensor):
        node = tensor.node
        if node not in calls:                     # an Input
            if node.inputs:
                raise ValueError(f"Cannot save model '{model.name}': its input "
                                 f"{tensor!r} is not an Input(), and a saved model starts "
                                 f"from Inputs.")
            calls[node] = 0
        return [node.layer.name, calls[node], tensor.index]

    nodes = []
    for node in model._nodes:
        args = [ref(tensor) for tensor in node.inputs]
        calls[node] = call_counts.get(node.layer, 0)
        call_counts[node.layer] = calls[node] + 1
        nodes.append({"layer": node.layer.name, "args": args, "several": node.several})
    return {"name": model.name, "trainable": model.trainable,
            "layers": [layer_entry(layer) for layer in model.layers],
            "nodes": nodes,
            "inputs": [ref(t) for t in model.inputs],
            "outputs": [ref(t) for t in model.outputs],
            "input_keys": None if model._single_input else model._input_keys,
            "output_keys": None if model._single_output else model._output_keys,
            "single_input": model._single_input, "single_output": model._single_output}


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a Functional model: its layers, then each call in order, on symbolic tensors."""
    layers = {}
    for layer_config in config["layers"]:
        layer = deserialize_layer(layer_config, custom_objects)
        if layer.name in layers:
            raise ModelFileError(f"corrupt or hostile model file: two layers are named "
                                 f"'{layer.name}'.")
        layers[layer.name] = layer
    calls = {name: [] for name in layers}         # layer name -> its calls' outputs, in order
    for name, layer in layers.items():
        if isinstance(layer, layers_module.InputLayer):
            calls[name].append([layer.output])

    def tensor(ref):
        name, call, index = ref
        if name not in calls or not 0 <= call < len(calls[name]) or \
                not 0 <= index < len(calls[name][call]):
            raise ModelFileError(f"corrupt or hostile model file: the config refers to "
                                 f"output {index} of call {call} of layer '{name}', which no "
                                 f"earlier node made.")
        return calls[name][call][index]

    for node in config["nodes"]:
        if node["layer"] not in layers:
            raise ModelFileError(f"corrupt or hostile model file: a node calls the unknown "
                                 f"layer '{node['layer']}'.")
        args = [tensor(ref) for ref in node["args"]]
        out = layers[node["layer"]](args if node["several"] else args[0])
        calls[node["layer"]].append(out if isinstance(out, list) else [out])

    def structure(refs, keys, single):
        tensors = [tensor(ref) for ref in refs]
        if single:
            return tensors[0]
        return dict(zip(keys, tensors)) if keys is not None else tensors

    inputs = structure(config["inputs"], config.get("input_keys"), config.get("single_input"))
    outputs = structure(config["outputs"], config.get("output_keys"),
                        config.get("single_output"))
    return cls(inputs, outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def model_from_json(json_string, custom_objects=None, max_weights=MAX_BUILD_WEIGHTS):
    """A model (new weights) from the architecture Model.to_json wrote, as Keras's. The text
    is checked field by field as a model file's config is: it never runs code. Sizes are
    checked before anything is allocated: JSON nested beyond MAX_JSON_DEPTH (200) levels,
    an input sample beyond MAX_SAMPLE_VALUES, and weights beyond `max_weights` values in all
    (8,388,608: 32 MB of float32) are refused; raise max_weights for a bigger model."""
    if isinstance(json_string, (str, bytes)):
        file_format.check_json_depth(json_string, "<json>", "the text")
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json needs the JSON text Model.to_json() returns; "
                         f"could not parse it: {error}") from None
    if not isinstance(config, dict):
        raise ValueError(f"model_from_json needs the JSON object Model.to_json() returns; "
                         f"this text holds {type(config).__name__}.")
    # The same field checks as a model file's config.json (which also carries its format).
    file_format.check_config({**config, "format": FORMAT}, "<json>")
    check_input_sizes(config, "<json>", 0)
    try:
        return model_from_config(config, custom_objects, max_weights)
    except MemoryError:
        raise hostile("<json>", "config", "asks for more memory than there is") from None
    except _RAW_ERRORS as error:
        raise hostile("<json>", "config", f"does not build a model "
                                          f"({type(error).__name__}: {error})") from None


def deserialize_layer(entry, custom_objects=None):
    """A layer from {"class_name": ..., "config": ...}: built-in, custom_objects, or registered."""
    class_name = entry["class_name"]
    config = entry["config"]
    cls = (registry.get_registered_object(class_name, custom_objects)
           or layers_module.ALL_LAYERS.get(class_name)
           or (_model_class(class_name) if class_name in MODEL_CLASSES else None))
    if cls is None:
        raise registry.missing_object_error("layer class", class_name)
    try:
        layer = serialization.from_config(cls, config, custom_objects)
        restore_layer_entry(layer, entry)
        return layer
    except ModelFileError:
        raise
    except ValueError as error:
        raise ValueError(f"While loading layer '{config.get('name')}' ({class_name}): "
                         f"{error}") from None
    except _RAW_ERRORS as error:
        raise ModelFileError(f"corrupt or hostile model file: the config of layer "
                             f"'{config.get('name')}' ({class_name}) does not fit its "
                             f"constructor ({type(error).__name__}: {error}).") from None


def _assign_weights(model, arrays, filepath):
    """Copy saved arrays into the rebuilt model's weights, matched by name and shape."""
    expected = {w.name for w in model.weights}
    missing = sorted(expected - set(arrays))
    if missing or len(arrays) != len(expected):
        raise ValueError(f"The weights in '{filepath}' do not match the model: missing "
                         f"{missing or 'none'}, unexpected {sorted(set(arrays) - expected) or 'none'}.")
    model.set_weights([arrays[w.name] for w in model.weights])


def _how_to_run(settings, filepath):
    """jit_compile and run_eagerly as saved (files from before they were saved: the defaults)."""
    jit_compile = settings.get("jit_compile", "auto")
    run_eagerly = settings.get("run_eagerly", False)
    if jit_compile not in (True, False, "auto") or not isinstance(run_eagerly, bool):
        raise hostile(filepath, '"compile_config"', f"has jit_compile={jit_compile!r} and "
                      f"run_eagerly={run_eagerly!r}; expected True, False or 'auto', and a bool")
    return {"jit_compile": jit_compile, "run_eagerly": run_eagerly}


def _compile_from_config(model, settings, custom_objects, filepath):
    loss = settings.get("loss")
    how = _how_to_run(settings, filepath)
    if len(model.output_names) > 1:
        try:
            if isinstance(loss, dict):
                loss = {name: _loss_from_config(entry, custom_objects)
                        for name, entry in loss.items()}
            elif isinstance(loss, list):
                loss = [_loss_from_config(entry, custom_objects) for entry in loss]
            model.compile(optimizer=optimizers.deserialize(settings["optimizer"],
                                                           custom_objects),
                          loss=loss, loss_weights=settings.get("loss_weights"),
                          metrics=settings.get("metrics"), **how)
        except _RAW_ERRORS as error:
            raise hostile(filepath, '"compile_config"', f"does not describe an optimizer, "
                          f"losses and metrics ({type(error).__name__}: {error})") from None
        return
    try:
        if isinstance(loss, dict) or (isinstance(loss, str) and loss not in losses.ALL_OBJECTS):
            loss = losses.deserialize(loss, custom_objects)     # a Loss object or your function
        compiled = {"metrics": [], "weighted_metrics": []}
        for key, entries in compiled.items():
            for entry in settings.get(key) or ():
                if isinstance(entry, dict) and "function" in entry:
                    entry = metrics.deserialize_function(entry["function"], custom_objects)
                elif isinstance(entry, dict):
                    entry = metrics.deserialize(entry, custom_objects)
                entries.append(entry)
        optimizer = optimizers.deserialize(settings["optimizer"], custom_objects)
        model.compile(optimizer=optimizer, loss=loss, metrics=compiled["metrics"],
                      weighted_metrics=compiled["weighted_metrics"] or None, **how)
    except _RAW_ERRORS as error:
        raise hostile(filepath, '"compile_config"', f"does not describe an optimizer, loss "
                      f"and metrics ({type(error).__name__}: {error})") from None


def compile_model_from_config(model, config, custom_objects=None):
    """Model.compile_from_config: compile `model` from compile_config(model)'s dict."""
    if config:
        _compile_from_config(model, config, custom_objects, "<compile config>")


def _loss_from_config(loss, custom_objects):
    if isinstance(loss, dict) or (isinstance(loss, str) and loss not in losses.ALL_OBJECTS):
        return losses.deserialize(loss, custom_objects)
    return loss


def _restore_optimizer(model, saved, filepath):
    """The optimizer's state, each array's header checked against its weight's shape first."""
    shapes = {w.name: w.shape for w in model.weights}
    positions = [w.shape for w in model.trainable_weights]     # format 1: "momentum/3"
    slots = set(model.optimizer.state_names())
    expected = {}
    for name, (shape, _) in saved.headers(OPTIMIZER_FILE).items():
        if name == "iterations":                # a step count: one number, never an array
            expected[name] = ()
            if shape != ():
                raise hostile(filepath, f"{OPTIMIZER_FILE} entry 'iterations'",
                              f"has shape {shape}; it is one number (shape ())")
            continue
        owner, _, slot = name.rpartition("/")
        if (owner if slot.isdigit() else slot) not in slots:    # format 1: slot/position
            raise hostile(filepath, f"{OPTIMIZER_FILE} entry {name!r}", f"is not a state "
                          f"of {type(model.optimizer).__name__} (its states: "
                          f"{', '.join(sorted(slots)) or 'none'})")
        if owner in shapes:
            expected[name] = shapes[owner]
        elif owner.startswith("#") and owner[1:].isdigit() and int(owner[1:]) < len(positions):
            expected[name] = positions[int(owner[1:])]
        elif slot.isdigit() and int(slot) < len(positions):
            expected[name] = positions[int(slot)]
        else:
            raise hostile(filepath, f"{OPTIMIZER_FILE} entry {name!r}",
                          "names no weight of the model")
        state_name = owner if slot.isdigit() else slot
        expected[name] = tuple(model.optimizer.slot_shape(state_name, tuple(expected[name])))
        if shape != expected[name]:
            raise hostile(filepath, f"{OPTIMIZER_FILE} entry {name!r}", f"has shape {shape}; "
                          f"its weight's {state_name} has shape {expected[name]}")
    state = saved.arrays(OPTIMIZER_FILE)
    try:
        model.optimizer.set_state(state)
    except ValueError as error:
        raise hostile(filepath, OPTIMIZER_FILE, f"is not this optimizer's state "
                                                f"({error})") from None


def load_weights(model, filepath):
    """Read weights saved by save_weights (an .npz) or model.save (a model file) into model."""
    filepath = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"Build the model (give it an input shape or call it on data) before "
                         f"load_weights: '{model.name}' has no weights yet.")
    expected = {w.name: w.shape for w in model.weights}
    try:
        with zipfile.ZipFile(filepath) as archive:
            is_model_file = WEIGHTS_FILE in archive.namelist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise hostile(filepath, "the file", f"is truncated or damaged "
                                            f"({type(error).__name__}: {error})") from None
    if is_model_file:
        arrays = read_model_file(filepath).arrays(WEIGHTS_FILE, expected)
    else:
        with open(filepath, "rb") as file:
            raw = file.read()
        arrays = read_npz(raw, filepath, "the weights file", Budget(filepath, len(raw)),
                           expected)
    if set(arrays) != set(expected) and len(arrays) == len(expected) and all(
            array.shape == weight.shape for array, weight in zip(arrays.values(),
                                                                model.weights)):
        # The same architecture with other layer names (a model rebuilt in code gets
        # dense_2, dense_3, ... in the same session): match by position, as Keras does.
        arrays = {weight.name: array for weight, array in zip(model.weights, arrays.values())}
    _assign_weights(model, arrays, filepath)
