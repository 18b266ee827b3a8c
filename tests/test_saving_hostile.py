"""Loading crafted model files: every one fails with ModelFileError naming the bad field,
before allocating what it asks for; never a raw TypeError/AttributeError/MemoryError."""
import io
import json
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import microdense as md
from microdense import saving
from microdense.layers import Dense, reset_name_counters
from microdense.models import Sequential, load_model
from microdense.saving import ModelFileError

HOSTILE = "corrupt or hostile model file"


@pytest.fixture(autouse=True)
def fresh_state():
    reset_name_counters()
    md.utils.set_random_seed(0)


@pytest.fixture
def saved(tmp_path):
    """The parts of a small trained model's file: config (dict), weights and optimizer
    bytes, and a writer for a modified copy."""
    model = Sequential([Dense(3, activation="relu", input_shape=(2,)), Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = np.ones((4, 2), np.float32)
    model.train_on_batch(x, np.ones((4, 2), np.float32))
    model.save(tmp_path / "good.mdz")
    with zipfile.ZipFile(tmp_path / "good.mdz") as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}

    def write(config=None, weights=None, optimizer=None, name="bad.mdz", compress=False):
        path = tmp_path / name
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(path, "w", method) as archive:
            archive.writestr("config.json", config if isinstance(config, (str, bytes))
                             else json.dumps(config or json.loads(parts["config.json"])))
            archive.writestr("model.weights.npz", weights or parts["model.weights.npz"])
            archive.writestr("optimizer.npz", optimizer or parts["optimizer.npz"])
        return path

    return json.loads(parts["config.json"]), parts, write


def npz(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def weights_of(parts):
    with np.load(io.BytesIO(parts["model.weights.npz"])) as arrays:
        return {name: arrays[name] for name in arrays.files}


def refused(path, match):
    """Assert load_model(path) raises ModelFileError matching `match`; return the largest
    allocation (Python and numpy) it made on the way, in MB."""
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=match):
            load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


# ---- sizes: refused before they are allocated ------------------------------------------------

def test_a_zip_bomb_entry_is_refused_before_inflating(saved, tmp_path):
    config, parts, _ = saved
    bomb = tmp_path / "bomb.mdz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("config.json", parts["config.json"])
        archive.writestr("model.weights.npz", bytes(64 << 20))       # 64 MB of zeros
    assert bomb.stat().st_size < 1 << 20
    assert refused(bomb, f"{HOSTILE} .*model.weights.npz declares 67,108,864 bytes") < 5


def test_a_config_that_inflates_too_far_is_refused(saved, tmp_path):
    config, _, write = saved
    config["padding"] = " " * (20 << 20)                              # 20 MB of spaces
    path = write(config, compress=True)
    with pytest.raises(ModelFileError, match="config.json declares"):
        load_model(path)


def test_an_array_header_larger_than_its_data_is_refused(saved):
    config, parts, write = saved
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10 ** 6, 10 ** 6)})
    weights = io.BytesIO()
    with zipfile.ZipFile(weights, "w") as inner:
        for name, array in weights_of(parts).items():
            if name == "dense/kernel":
                inner.writestr("dense/kernel.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:]
                               + bytes(24))
            else:
                buffer = io.BytesIO()
                np.save(buffer, array)
                inner.writestr(f"{name}.npy", buffer.getvalue())
    path = write(weights=weights.getvalue())
    assert refused(path, r"'dense/kernel.npy' declares shape \(1000000, 1000000\) of "
                         r"float32") < 5


def test_huge_units_in_the_config_are_refused_before_building(saved):
    config, _, write = saved
    config["config"]["layers"][2]["config"]["units"] = 10 ** 12
    path = write(config)
    assert refused(path, r"builds weight 'dense_1/kernel' with shape \(3, 1000000000000\), "
                         r"but the weights file declares it with shape \(3, 2\)") < 5


def test_a_huge_input_shape_is_refused_before_the_build_sample(saved):
    config, _, write = saved
    config["config"]["layers"][0]["config"]["batch_shape"] = [None, 10 ** 5, 10 ** 5]
    config["config"]["build_input_shape"] = [None, 10 ** 5, 10 ** 5]
    path = write(config)
    assert refused(path, r"input shape \[None, 100000, 100000\] asks for more values") < 5


def test_a_huge_input_dim_on_a_layer_without_weights_is_refused(saved):
    config, _, write = saved
    config["config"]["layers"] = [{"class_name": "Activation", "config": {
        "name": "act", "activation": "relu", "input_dim": 10 ** 12}}]
    config["config"].pop("build_input_shape")
    assert refused(write(config), r"input shape \[None, 1000000000000\]") < 5


def test_optimizer_state_of_the_wrong_shape_is_refused_before_reading(saved):
    config, parts, write = saved
    with np.load(io.BytesIO(parts["optimizer.npz"])) as arrays:
        state = {name: arrays[name] for name in arrays.files}
    state["dense/kernel/momentum"] = np.zeros((300, 300), np.float32)
    path = write(optimizer=npz(state))
    with pytest.raises(ModelFileError, match=r"'dense/kernel/momentum' has shape \(300, 300\)"):
        load_model(path)
    state.pop("dense/kernel/momentum")
    state["nothing/here/momentum"] = np.zeros(3, np.float32)
    with pytest.raises(ModelFileError, match="'nothing/here/momentum' names no weight"):
        load_model(write(optimizer=npz(state)))


# ---- malformed fields: one error naming the field ---------------------------------------------

def _set(path, value):
    """A change to config.json: set config[path[0]][path[1]]... = value."""
    def change(config):
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return config
    return change


MALFORMED_CONFIGS = {
    "config is a list": (lambda config: [config], "config.json must be a JSON object"),
    "layers a dict": (_set(["config", "layers"], {"0": {}}),
                      r'"config"\["layers"\] must be a list of layer configs; it is a dict'),
    "class_name a number": (_set(["class_name"], 7), r'"class_name" must be a string; it is a '
                                                     r'number'),
    "a layer's class_name a number": (_set(["config", "layers", 1, "class_name"], 3),
                                      r'"config"\["layers"\]\[1\]\["class_name"\] must be a '
                                      r'string'),
    "a layer a string": (_set(["config", "layers", 1], "Dense"),
                         r'"config"\["layers"\]\[1\] must be a dict'),
    "a layer's config null": (_set(["config", "layers", 1, "config"], None),
                              r'\["config"\] must be a dict; it is null'),
    "compile_config a list": (_set(["compile_config"], ["adam"]),
                              r'"compile_config" must be a dict or null; it is a list'),
    "optimizer a number": (_set(["compile_config", "optimizer"], 3),
                           r'"compile_config"\["optimizer"\] must be a name or a dict'),
    "metrics a dict": (_set(["compile_config", "metrics"], {"a": 1}),
                       r'"compile_config"\["metrics"\]\[\'a\'\] must be a name, a list'),
    # (a string is a saved learning-rate function's name: unknown, it asks for custom_objects)
    "learning_rate a list": (_set(["compile_config", "optimizer", "config", "learning_rate"],
                                  ["fast"]), r'"compile_config" does not describe'),
    "format_version a string": (_set(["format_version"], "2"),
                                r'"format_version" must be a whole number'),
    "build_input_shape a string": (_set(["config", "build_input_shape"], "big"),
                                   r'"config"\["build_input_shape"\] must be a list'),
    "format_version true": (_set(["format_version"], True),
                            r'"format_version" must be a whole number; it is a boolean'),
    "input_dim a string": (_set(["config", "layers", 1, "config", "input_dim"], "4"),
                           r'\["input_dim"\] must be a list of whole numbers or null'),
    "a negative size": (_set(["config", "build_input_shape"], [None, -2]),
                        "negative size -2"),
    "units missing": (lambda config: config["config"]["layers"][1]["config"].pop("units")
                      and config, "layer 'dense' \\(Dense\\) does not fit its constructor"),
}


@pytest.mark.parametrize("change, message", MALFORMED_CONFIGS.values(),
                         ids=list(MALFORMED_CONFIGS))
def test_a_malformed_config_field_gets_one_clear_error(saved, change, message):
    config, _, write = saved
    path = write(change(config))
    with pytest.raises(ModelFileError, match=f"{HOSTILE}.*{message}"):
        load_model(path)


def test_a_value_the_layer_itself_refuses_keeps_the_layers_message(saved):
    """Well-formed but invalid values get the layer's own error, naming layer and value."""
    config, _, write = saved
    config["config"]["layers"][1]["config"]["units"] = None
    with pytest.raises(ValueError, match="While loading layer 'dense' \\(Dense\\): Received "
                                         "an invalid value for `units`.*units=None"):
        load_model(write(config))


@pytest.mark.parametrize("text, problem", [
    (b"{not json", "is not valid JSON"), (b"\xff\xfe", "is not valid JSON"),
    (b"[" * 100000 + b"]" * 100000, "nests its JSON 100,000 levels deep; at most 200 are read"),
    (b'{"a": "[[[[' + b"[" * 300 + b'", "b": ' + b"[" * 201 + b"]" * 201 + b"}",
     "nests its JSON 202 levels deep"),                   # brackets in strings do not count
], ids=["not json", "not utf-8", "nested 100,000 deep", "nested 202 deep"])
def test_config_json_that_does_not_parse(saved, text, problem):
    _, _, write = saved
    with pytest.raises(ModelFileError, match=f"{HOSTILE} .*config.json {problem}"):
        load_model(write(text))


def test_string_weight_arrays_and_string_iterations(saved):
    config, parts, write = saved
    weights = weights_of(parts)
    weights["dense/bias"] = np.array(["a", "b", "c"])
    with pytest.raises(ModelFileError, match="'dense/bias.npy' must hold numbers; it holds an "
                                             "array of <U1"):
        load_model(write(weights=npz(weights)))
    with np.load(io.BytesIO(parts["optimizer.npz"])) as arrays:
        state = {name: arrays[name] for name in arrays.files}
    state["iterations"] = np.array("12")
    with pytest.raises(ModelFileError, match="'iterations.npy' must hold numbers"):
        load_model(write(optimizer=npz(state)))
    state["iterations"] = np.array(2.5)
    with pytest.raises(ModelFileError, match="'iterations' must be one whole number"):
        load_model(write(optimizer=npz(state)))


def test_an_entry_twice_and_a_foreign_npz_entry(saved, tmp_path):
    config, parts, write = saved
    twice = tmp_path / "twice.mdz"
    with zipfile.ZipFile(twice, "w") as archive:
        for name, payload in parts.items():
            archive.writestr(name, payload)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("model.weights.npz", parts["model.weights.npz"])
    with pytest.raises(ModelFileError, match="'model.weights.npz' more than once"):
        load_model(twice)
    weights = io.BytesIO()
    with zipfile.ZipFile(weights, "w") as inner:
        inner.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match="'readme.txt' is not an array"):
        load_model(write(weights=weights.getvalue()))


def test_a_good_file_still_loads_and_deflated_files_are_fine(saved):
    """The checks refuse nothing a real save writes, nor the same file recompressed."""
    config, parts, write = saved
    for path in (write(name="same.mdz"), write(name="deflated.mdz", compress=True)):
        model = load_model(path)
        assert model.optimizer.iterations == 1
        for weight in model.weights:
            np.testing.assert_array_equal(weight.data, weights_of(parts)[weight.name])


def test_load_weights_checks_headers_against_the_model(tmp_path):
    model = Sequential([Dense(3, input_shape=(2,))])
    (tmp_path / "w.npz").write_bytes(npz({"dense/kernel": np.zeros((2, 30000)),
                                          "dense/bias": np.zeros(3)}))
    with pytest.raises(ValueError, match=r"'dense/kernel' has shape \(2, 30000\) in the file "
                                         r"and \(2, 3\) in the model"):
        model.load_weights(tmp_path / "w.npz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ModelFileError, match=HOSTILE):
        model.load_weights(tmp_path / "bad.npz")


# ---- fuzzing: whatever the damage, a ValueError (usually ModelFileError), nothing raw --------

FUZZ_VALUES = [None, 7, -1, 0, "x", "relu", [], {}, True, 10 ** 12, 1.5, [None, 10 ** 6],
               {"class_name": 3}, {"class_name": "Dense", "config": {}}]


def _paths(value, prefix=()):
    """Every path into a JSON value: ("config", "layers", 1, "config", "units"), ..."""
    if prefix:
        yield prefix
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, child in items:
        yield from _paths(child, prefix + (key,))


def _load_gives_no_raw_error(path):
    try:
        load_model(path)
    except ValueError:
        pass


def test_fuzzed_configs_and_bytes_give_only_clear_errors(tmp_path):
    model = Sequential([Dense(3, activation="relu", input_shape=(2,), kernel_regularizer="l2"),
                        md.layers.Dropout(0.1), md.layers.PReLU(),
                        Dense(2, activation="softmax")])
    model.compile(optimizer=md.optimizers.SGD(0.1, momentum=0.9), metrics=["accuracy"],
                  loss=md.losses.CategoricalCrossentropy())
    model.train_on_batch(np.ones((4, 2), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]])
    model.save(tmp_path / "good.mdz")
    blob = (tmp_path / "good.mdz").read_bytes()
    with zipfile.ZipFile(tmp_path / "good.mdz") as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    base = json.loads(parts["config.json"])
    paths = list(_paths(base))
    generator = np.random.default_rng(0)
    for trial in range(150):
        config = json.loads(parts["config.json"])
        path = paths[generator.integers(len(paths))]
        target = config
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = FUZZ_VALUES[generator.integers(len(FUZZ_VALUES))]
        with zipfile.ZipFile(tmp_path / "fuzz.mdz", "w") as archive:
            for name, payload in parts.items():
                archive.writestr(name, json.dumps(config) if name == "config.json" else payload)
        _load_gives_no_raw_error(tmp_path / "fuzz.mdz")
    for trial in range(150):
        damaged = bytearray(blob)
        for index in generator.integers(len(blob), size=3):
            damaged[index] = generator.integers(256)
        (tmp_path / "flipped.mdz").write_bytes(bytes(damaged))
        _load_gives_no_raw_error(tmp_path / "flipped.mdz")
