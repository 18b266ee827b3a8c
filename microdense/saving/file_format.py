"""Reading a model file as untrusted data: every size bounded before it is allocated.

A model file is data from anywhere, and a crafted one can ask for anything: a zip entry that
inflates a thousandfold, a .npy header declaring shape (10**6, 10**6) over a few bytes, a config
with "units": 10**12, fields of the wrong type. Here each of these is refused with one error,
ModelFileError ("corrupt or hostile model file: <field> ..."), before anything big exists:

- every entry's declared size is taken from a budget: the file's size on disk times
  MAX_INFLATION (we write entries uncompressed, so a real file unpacks to about its own size);
- every array's header must match the bytes its entry holds, and hold numbers;
- config.json's fields must have the types loading reads (check_config);
- while the model is rebuilt, a layer may only create the weights the weights file declares,
  with the declared shapes (expect_weights, asked by Layer.add_weight before it allocates).

This module imports nothing from microdense, so layers and saving both use it without a cycle.
"""
import contextlib
import io
import json
import math
import os
import re
import threading
import zipfile
import zlib

import numpy as np

from microdense.layers.base import checking_new_weights

FORMAT = "microdense.model"
FORMAT_VERSION = 2        # 2: optimizer state by weight path; 1: by position (still read)
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.npz"
OPTIMIZER_FILE = "optimizer.npz"

# What a file may make us allocate. We write entries uncompressed, so a file's contents are
# about its size on disk; a compressed entry may inflate at most MAX_INFLATION times (a zip
# bomb inflates a thousandfold), counted over every entry, nested .npz entries included.
MAX_INFLATION = 20
SMALL_FILE_BUDGET = 16 << 20        # any file may unpack to 16 MB
MAX_CONFIG_BYTES = 16 << 20         # a thousand-layer config is well under 1 MB
MAX_SAMPLE_VALUES = 1 << 22         # the build's one-sample input, if the weights are fewer
MAX_JSON_DEPTH = 200                # brackets inside brackets; a model nested MAX_NESTING deep
                                    # is about 140 (Python's json recurses once per level)
# The caller's limits (each function takes its own value as an argument):
MAX_FILE_BYTES = 4 << 30            # load_model(max_bytes=): the arrays a model file declares
MAX_BUILD_WEIGHTS = 1 << 23         # model_from_json(max_weights=): the weight values a config
                                    # with no weights file may build (32 MB of float32)


# ---- the error, and the weights a loading model may create ---------------------------------

class ModelFileError(ValueError):
    """A model file that is corrupt, or crafted to harm: too large, or a malformed field."""


def hostile(filepath, field, problem):
    """The one error for a file we refuse: names the file, the field and what is wrong."""
    return ModelFileError(f"corrupt or hostile model file '{filepath}': {field} {problem}. "
                          f"Load only files you trust; if this one is yours, save it again.")


# What a value of the wrong type raises deep inside a constructor or build: from a file, these
# mean a malformed field, and become a ModelFileError (a ValueError) naming what was loading.
RAW_ERRORS = (TypeError, AttributeError, KeyError, IndexError, OverflowError)


_loading = threading.local()         # each thread loads its own file


@contextlib.contextmanager
def expect_weights(shapes, filepath, by_shape=False):
    """Within this block, new weights must be among `shapes` ({path: shape}), as declared.
    by_shape=True (a file with layers of your own classes, which make their inner layers,
    and name them, in their __init__): a weight may also take the shape of a declared
    weight not taken yet; loading renames it afterwards. Either way nothing larger than the
    file's arrays, nor more of them, is allocated."""
    previous = getattr(_loading, "expected", None)
    pool = [tuple(shape) for shape in shapes.values()] if by_shape else None
    _loading.expected = (shapes, filepath, pool)
    try:
        with checking_new_weights(check_new_weight):
            yield
    finally:
        _loading.expected = previous


@contextlib.contextmanager
def allow_weights(max_weights, source):
    """Within this block, the new weights may hold `max_weights` values in all; `source`
    names what is being built in the error ("the config", "<json>")."""
    previous = getattr(_loading, "allowance", None)
    _loading.allowance = [max_weights, max_weights, source]      # [limit, left, source]
    try:
        with checking_new_weights(check_new_weight):
            yield
    finally:
        _loading.allowance = previous


def check_new_weight(path, shape):
    """Refuse, before it is allocated, a weight the file being loaded does not declare, or
    one that takes the weights being built past their allowance (allow_weights)."""
    expected = getattr(_loading, "expected", None)
    if expected is not None:
        shapes, filepath, pool = expected
        if pool is not None and tuple(shape) in pool:
            pool.remove(tuple(shape))
        elif shapes.get(path) != tuple(shape):
            held = (f"declares it with shape {shapes[path]}" if path in shapes
                    else "does not hold it")
            raise hostile(filepath, "config.json", f"builds weight '{path}' with shape "
                          f"{tuple(shape)}, but the weights file {held}")
    allowance = getattr(_loading, "allowance", None)
    if allowance is not None:
        limit, left, source = allowance
        size = math.prod(shape)
        if size > left:
            raise ModelFileError(
                f"{source} builds more weights than allowed: weight '{path}' of shape "
                f"{tuple(shape)} takes the model past {limit:,} values (checked before "
                f"allocating). If you trust it, pass a larger limit, e.g. model_from_json("
                f"text, max_weights={limit - left + size:_}) for the weights so far.")
        allowance[1] = left - size


def check_json_depth(text, filepath, field):
    """Refuse JSON text nested deeper than MAX_JSON_DEPTH before a parser sees it (Python's
    json recurses once per level). The brackets outside strings are counted, without
    recursing: depth = the running count of [ and { minus ] and }."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text).encode("utf-8")
    codes = np.frombuffer(outside_strings, np.uint8)
    steps = np.isin(codes, _OPENING).astype(np.int64) - np.isin(codes, _CLOSING)
    depth = int(np.cumsum(steps).max(initial=0))
    if depth > MAX_JSON_DEPTH:
        raise hostile(filepath, field, f"nests its JSON {depth:,} levels deep; at most "
                                       f"{MAX_JSON_DEPTH} are read")


_OPENING = np.frombuffer(b"[{", np.uint8)
_CLOSING = np.frombuffer(b"]}", np.uint8)


# ---- reading untrusted files -------------------------------------------------------------

class Budget:
    """The bytes a file may make us unpack: the bytes it stores times MAX_INFLATION (at least
    SMALL_FILE_BUDGET). Every entry's declared size is taken from it before it is read."""

    def __init__(self, filepath, stored_bytes):
        self.filepath = filepath
        self.left = max(SMALL_FILE_BUDGET, MAX_INFLATION * stored_bytes)

    def take(self, nbytes, field):
        if nbytes > self.left:
            raise hostile(self.filepath, field, f"declares {nbytes:,} bytes, more than a "
                          f"file of this size may unpack to ({self.left:,} bytes left)")
        self.left -= nbytes


def _entry_infos(archive, filepath, where):
    """The zip's entries, refusing a name that occurs twice (a reader would pick one)."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise hostile(filepath, where, f"holds the entry {twice[0]!r} more than once")
    return infos


def _read_entry(archive, info, budget, limit=None):
    """An entry's bytes, its declared size checked first (zipfile then refuses more data
    than declared: the CRC check fails)."""
    if limit is not None and info.file_size > limit:
        raise hostile(budget.filepath, info.filename, f"declares {info.file_size:,} bytes; "
                      f"at most {limit:,} are accepted")
    budget.take(info.file_size, info.filename)
    return archive.read(info)


def _npy_header(stream, filepath, field):
    """(shape, dtype) from a .npy header, read without reading the data."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f".npy format version {version} is not one numpy.save writes")
    except (ValueError, TypeError, SyntaxError, EOFError) as error:
        raise hostile(filepath, field, f"has an unreadable array header ({error})") from None
    if dtype.kind not in "fiub" or dtype.hasobject:
        raise hostile(filepath, field, f"must hold numbers; it holds an array of {dtype} "
                                       f"(strings, objects and records are refused)")
    if any(n < 0 for n in shape):
        raise hostile(filepath, field, f"declares the negative shape {shape}")
    return tuple(shape), dtype


def npz_headers(raw, filepath, entry, budget=None):
    """{name: (shape, dtype)} of an .npz's arrays, each header checked against the bytes its
    entry declares, before any array is read (and each entry's size taken from `budget`)."""
    headers = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as inner:
            for info in _entry_infos(inner, filepath, entry):
                field = f"{entry} entry {info.filename!r}"
                if not info.filename.endswith(".npy"):
                    raise hostile(filepath, field, "is not an array (.npy)")
                if budget is not None:
                    budget.take(info.file_size, field)
                with inner.open(info) as stream:
                    shape, dtype = _npy_header(stream, filepath, field)
                    header_bytes = stream.tell()
                data_bytes = math.prod(shape) * dtype.itemsize
                if header_bytes + data_bytes != info.file_size:
                    raise hostile(filepath, field, f"declares shape {shape} of {dtype} "
                                  f"({data_bytes:,} bytes) but holds "
                                  f"{info.file_size - header_bytes:,} bytes")
                headers[info.filename[:-len(".npy")]] = (shape, dtype)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise hostile(filepath, entry, f"is not a readable .npz ({error})") from None
    return headers


def read_npz(raw, filepath, entry, budget, expected=None):
    """{name: array} from .npz bytes; headers checked first (and against `expected`, a
    {name: shape} the arrays must have), then read with allow_pickle=False."""
    headers = npz_headers(raw, filepath, entry, budget)
    if expected is not None:
        # Each array must be the shape of the weight of its name, or (a name the model does
        # not have: load_weights matches those by position) of the weight at its position.
        # An array that is neither is refused here, before any is read.
        by_position = list(expected.items())
        if len(headers) > len(expected):
            raise ValueError(f"The weights in '{filepath}' do not match the model: the file "
                             f"holds {len(headers)} arrays, the model {len(expected)} weights.")
        for position, (name, (shape, _)) in enumerate(headers.items()):
            owner, want = (name, expected[name]) if name in expected else by_position[position]
            if tuple(want) != shape:
                raise ValueError(f"The weights in '{filepath}' do not match the model: "
                                 f"'{name}' has shape {shape} in the file and "
                                 f"{tuple(want)} in the model"
                                 + (f" (as '{owner}', by position)." if owner != name else "."))
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            return {name: arrays[name] for name in headers}
    except (ValueError, OSError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise hostile(filepath, entry, f"could not be read ({error})") from None


class ModelFile:
    """A model file's parts, read and checked: config (dict), and each .npz entry's bytes."""

    def __init__(self, filepath, config, entries, budget):
        self.filepath, self.config, self.entries, self.budget = (filepath, config, entries,
                                                                  budget)

    def headers(self, entry):
        """{name: (shape, dtype)}: reads only the headers (nothing is unpacked)."""
        return npz_headers(self.entries[entry], self.filepath, entry)

    def arrays(self, entry, expected=None):
        return read_npz(self.entries[entry], self.filepath, entry, self.budget, expected)


def read_model_file(filepath):
    """Open a model file as untrusted data: sizes bounded, config.json's structure checked."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         f"accessible model file written by model.save().")
    try:
        with zipfile.ZipFile(filepath) as archive:
            infos = {info.filename: info for info in _entry_infos(archive, filepath, "the zip")}
            if CONFIG_FILE not in infos or WEIGHTS_FILE not in infos:
                raise ValueError(f"'{filepath}' is a zip file but not a microdense model file "
                                 f"(it holds {sorted(infos)[:5]}; a model holds {CONFIG_FILE} "
                                 f"and {WEIGHTS_FILE}).")
            # The budget counts the stored bytes of the entries we read, not the file's size:
            # padding a file with an entry we never read must not raise what it may unpack to.
            budget = Budget(filepath, sum(
                info.compress_size for name, info in infos.items()
                if name in (CONFIG_FILE, WEIGHTS_FILE, OPTIMIZER_FILE)))
            text = _read_entry(archive, infos[CONFIG_FILE], budget, MAX_CONFIG_BYTES)
            entries = {name: _read_entry(archive, infos[name], budget)
                       for name in (WEIGHTS_FILE, OPTIMIZER_FILE) if name in infos}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise hostile(filepath, "the zip", f"is truncated or damaged "
                                           f"({type(error).__name__}: {error})") from None
    check_json_depth(text, filepath, CONFIG_FILE)
    try:
        config = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError) as error:     # JSONDecodeError, UnicodeDecodeError
        raise hostile(filepath, CONFIG_FILE, f"is not valid JSON ({error})") from None
    check_config(config, filepath)
    return ModelFile(filepath, config, entries, budget)


# ---- the shape of config.json ------------------------------------------------------------

def _kind(value):
    """How a JSON value is named in errors: 'a dict', 'a number', 'null'."""
    names = {dict: "a dict", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def check_config(config, filepath):
    """Check the fields loading reads, so a malformed one gets a clear error naming it."""
    def require(value, types, field, what):
        types = types if isinstance(types, tuple) else (types,)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise hostile(filepath, field, f"must be {what}; it is {_kind(value)}")

    require(config, dict, CONFIG_FILE, "a JSON object")
    if config.get("format") != FORMAT:
        raise ValueError(f"'{filepath}' is a zip file but not a microdense model (its "
                         f"config.json has no \"format\": \"{FORMAT}\").")
    version = config.get("format_version", 1)
    require(version, int, '"format_version"', "a whole number")
    if version > FORMAT_VERSION:
        raise ValueError(f"'{filepath}' was written by a newer microdense (file format "
                         f"{version}; this version reads formats 1 to {FORMAT_VERSION}). "
                         f"Upgrade microdense to load it.")
    require(config.get("class_name"), str, '"class_name"', "a string")
    if config["class_name"] in MODEL_CLASSES:
        _check_model(config["class_name"], config.get("config"), '"config"', require, filepath)
        layers = sum(len(model["layers"]) for model in _model_configs(config["config"]))
        if layers > MAX_CONFIG_LAYERS:
            raise hostile(filepath, '"config"', f"declares {layers:,} layers; at most "
                          f"{MAX_CONFIG_LAYERS:,} are built (each costs time and a few KB "
                          f"before any weight). If you trust it, raise "
                          f"microdense.saving.file_format.MAX_CONFIG_LAYERS")
    else:       # a subclassed model: loading finds its class in the user's code, by name
        require(config.get("config"), dict, '"config"', "a dict (the model config)")
        _check_build_config(config.get("build_config"), '"build_config"', require, filepath)
    settings = config.get("compile_config")
    require(settings, (dict, type(None)), '"compile_config"', "a dict or null")
    if settings is not None:
        optimizer = settings.get("optimizer")
        require(optimizer, (str, dict), '"compile_config"["optimizer"]', "a name or a dict")
        if isinstance(optimizer, dict):
            require(optimizer.get("class_name"), str,
                    '"compile_config"["optimizer"]["class_name"]', "a string")
            require(optimizer.get("config", {}), (dict, type(None)),
                    '"compile_config"["optimizer"]["config"]', "a dict")
        require(settings.get("loss"), (str, dict, list, type(None)),
                '"compile_config"["loss"]', "a name, a dict, a list or null")
        require(settings.get("loss_weights"), (list, dict, int, float, type(None)),
                '"compile_config"["loss_weights"]', "numbers or null")
        metrics = settings.get("metrics")
        require(metrics, (list, dict, type(None)), '"compile_config"["metrics"]', "a list")
        # A list, or (a model with several outputs) a dict of output name -> metrics.
        entries = metrics.items() if isinstance(metrics, dict) else enumerate(metrics or ())
        for key, entry in entries:
            require(entry, (str, dict, list), f'"compile_config"["metrics"][{key!r}]',
                    "a name, a list or a dict")


MODEL_CLASSES = ("Sequential", "Functional")
MAX_NESTING = 32                 # models inside models inside models ...
MAX_CONFIG_LAYERS = 20_000       # layers in all models of a config: twice the 10,000-layer
                                 # chain tests/test_deep_models.py saves and loads


def _check_model(class_name, model, field, require, filepath, depth=0):
    """Check a Sequential or Functional config, and the config of every model in it."""
    if depth > MAX_NESTING:
        raise hostile(filepath, field, f"nests models more than {MAX_NESTING} deep")
    require(model, dict, field, "a dict (the model config)")
    require(model.get("name"), (str, type(None)), f'{field}["name"]', "a string")
    require(model.get("layers"), list, f'{field}["layers"]', "a list of layer configs")
    for index, layer in enumerate(model["layers"]):
        where = f'{field}["layers"][{index}]'
        require(layer, dict, where, 'a dict {"class_name": ..., "config": ...}')
        require(layer.get("class_name"), str, f'{where}["class_name"]', "a string")
        require(layer.get("config"), dict, f'{where}["config"]', "a dict")
        require(layer["config"].get("name"), (str, type(None)), f'{where}["config"]["name"]',
                "a string")
        if layer["class_name"] in MODEL_CLASSES:
            _check_model(layer["class_name"], layer["config"], f'{where}["config"]', require,
                         filepath, depth + 1)
    shapes = [(f'{field}["build_input_shape"]', model.get("build_input_shape"))]
    shapes += [(f'{field}["layers"][{index}]["config"]["{key}"]', layer["config"].get(key))
               for index, layer in enumerate(model["layers"])
               for key in ("batch_shape", "batch_input_shape", "input_shape")]
    shapes += [(f'{field}["layers"][{index}]["config"]["input_dim"]', [layer["config"][key]])
               for index, layer in enumerate(model["layers"])
               for key in ("input_dim",) if layer["config"].get(key) is not None]
    for where, shape in shapes:
        if shape is not None:
            require(shape, list, where, "a list of sizes")
            for size in shape:
                require(size, (int, type(None)), where, "a list of whole numbers or null")
                if size is not None and size < 0:
                    raise hostile(filepath, where, f"holds the negative size {size}")
    if class_name == "Functional":
        _check_functional(model, field, require, filepath)


def _check_functional(model, field, require, filepath):
    """The calls of a functional model: each [layer name, call number, output number]."""
    def check_ref(ref, where):
        require(ref, list, where, "[layer name, call number, output number]")
        if len(ref) != 3:
            raise hostile(filepath, where, "must be [layer name, call number, output number]")
        require(ref[0], str, f"{where}[0]", "a layer name")
        require(ref[1], int, f"{where}[1]", "a whole number")
        require(ref[2], int, f"{where}[2]", "a whole number")

    require(model.get("nodes"), list, f'{field}["nodes"]', "a list of layer calls")
    for index, node in enumerate(model["nodes"]):
        where = f'{field}["nodes"][{index}]'
        require(node, dict, where, 'a dict {"layer": ..., "args": ..., "several": ...}')
        require(node.get("layer"), str, f'{where}["layer"]', "a layer name")
        require(node.get("several"), bool, f'{where}["several"]', "true or false")
        require(node.get("args"), list, f'{where}["args"]', "a list of tensors")
        if not node["args"] or (not node["several"] and len(node["args"]) != 1):
            raise hostile(filepath, f'{where}["args"]', "must be one tensor, or several with "
                          "several=true")
        for number, ref in enumerate(node["args"]):
            check_ref(ref, f'{where}["args"][{number}]')
    for key in ("inputs", "outputs"):
        require(model.get(key), list, f'{field}["{key}"]', "a list of tensors")
        if not model[key]:
            raise hostile(filepath, f'{field}["{key}"]', "must be a non-empty list of tensors")
        for number, ref in enumerate(model[key]):
            check_ref(ref, f'{field}["{key}"][{number}]')
        keys = model.get(f"{key[:-1]}_keys")
        require(keys, (list, type(None)), f'{field}["{key[:-1]}_keys"]', "a list or null")
        if keys is not None:
            if len(keys) != len(model[key]):
                raise hostile(filepath, f'{field}["{key[:-1]}_keys"]', "must have one name per "
                              "tensor")
            for name in keys:
                require(name, str, f'{field}["{key[:-1]}_keys"]', "a list of names")
        require(model.get(f"single_{key[:-1]}", False), bool,
                f'{field}["single_{key[:-1]}"]', "true or false")


def _check_build_config(build_config, field, require, filepath):
    """A subclassed model's {"input_shape": [None, n, ...]}: whole, non-negative sizes."""
    require(build_config, (dict, type(None)), field, "a dict or null")
    shape = (build_config or {}).get("input_shape")
    if shape is not None:
        require(shape, list, f'{field}["input_shape"]', "a list of sizes")
        for size in shape:
            require(size, (int, type(None)), f'{field}["input_shape"]',
                    "a list of whole numbers or null")
            if size is not None and size < 0:
                raise hostile(filepath, f'{field}["input_shape"]', f"holds the negative "
                              f"size {size}")


def _model_configs(model, depth=0):
    """A model config and the configs of the models inside it (already depth-checked)."""
    yield model
    for layer in model["layers"]:
        if layer["class_name"] in MODEL_CLASSES and depth < MAX_NESTING:
            yield from _model_configs(layer["config"], depth + 1)


def check_input_sizes(config, filepath, weight_values):
    """Building runs the layers on one sample of zeros of the input shape: refuse a sample
    larger than the file's weights justify (MAX_SAMPLE_VALUES, or the number of weight values
    when there are more), before it is allocated."""
    shapes = [(config.get("build_config") or {}).get("input_shape")]
    models = _model_configs(config["config"]) if config["class_name"] in MODEL_CLASSES else ()
    for model in models:
        shapes += [model.get("build_input_shape")] + [
            layer["config"].get(key) for layer in model["layers"]
            for key in ("batch_shape", "batch_input_shape", "input_shape")]
        shapes += [[None, layer["config"]["input_dim"]] for layer in model["layers"]
                   if layer["config"].get("input_dim") is not None]
    limit = max(MAX_SAMPLE_VALUES, weight_values)
    for shape in shapes:
        if shape and math.prod(n or 1 for n in shape) > limit:
            raise hostile(filepath, '"config" input shape', f"{shape} asks for more values "
                          f"per sample than this file's weights justify ({limit:,})")
