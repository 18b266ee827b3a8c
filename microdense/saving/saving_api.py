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
import io
import json
import math
import os
import stat
import uuid
import zipfile
import zlib

import numpy as np

from microdense import registry
from microdense.saving import assets as saving_assets
from microdense.saving.compile_config import _compile_from_config, compile_config
from microdense.saving.entries import has_own_classes, model_entry
from microdense.saving.file_format import (
    CONFIG_FILE, FORMAT, FORMAT_VERSION, MAX_FILE_BYTES, OPTIMIZER_FILE, RAW_ERRORS,
    WEIGHTS_FILE, Budget, ModelFileError, check_input_sizes, expect_weights, hostile,
    read_model_file, read_npz)
from microdense.saving.model_config import _base_method, model_from_config
from microdense.serialization import serialize_keras_object


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
    except RAW_ERRORS as error:             # a value of the wrong type reached a build()
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


# ---- loading, continued --------------------------------------------------------------------

def _assign_weights(model, arrays, filepath):
    """Copy saved arrays into the rebuilt model's weights, matched by name and shape."""
    expected = {w.name for w in model.weights}
    missing, unexpected = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
    if missing or len(arrays) != len(expected):
        raise ValueError(f"The weights in '{filepath}' do not match the model: missing "
                         f"{missing or 'none'}, unexpected {unexpected or 'none'}.")
    model.set_weights([arrays[w.name] for w in model.weights])


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
