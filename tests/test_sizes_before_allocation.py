"""Every size a file or a JSON text declares is checked against a limit before an array
exists, so a refused input costs a few MB however much it asks for. The limits are stated
(saving/file_format.py) and each caller may raise its own: load_model(max_bytes=),
model_from_json(max_weights=). Peak memory is measured with tracemalloc, which sees numpy's
allocations as well as Python's."""
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

import microdense as md
from microdense.saving import file_format as model_file
from microdense.layers import Dense, Input, reset_name_counters
from microdense.models import Sequential, load_model, model_from_json
from microdense.saving import ModelFileError


@pytest.fixture(autouse=True)
def fresh_names():
    reset_name_counters()


def peak_mb(action, error, match):
    """Run action(), which must raise `error` matching `match`; the peak memory it used, MB."""
    tracemalloc.start()
    try:
        with pytest.raises(error, match=match):
            action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def dense_json(units, count, input_size):
    layers = [{"class_name": "InputLayer", "config": {"name": "input_layer",
                                                      "batch_shape": [None, input_size]}}]
    layers += [{"class_name": "Dense", "config": {"name": f"dense_{i}", "units": units}}
               for i in range(count)]
    return json.dumps({"class_name": "Sequential", "config": {"name": "big", "layers": layers}})


# ---- model_from_json: the weights a config builds --------------------------------------------

def test_sixteen_8000_by_8000_layers_are_refused_before_the_first_is_allocated():
    text = dense_json(8000, 16, 8000)                    # 16 x 256 MB of float32, in 1.2 KB
    assert len(text) < 1400
    peak = peak_mb(lambda: model_from_json(text), ModelFileError,
                   r"the model config builds more weights than allowed: weight "
                   r"'dense_0/kernel' of shape \(8000, 8000\) takes the model past 8,388,608 "
                   r"values \(checked before allocating\).*max_weights=64_000_000")
    assert peak < 20, f"{peak:.1f} MB"


def test_a_one_layer_4_gb_model_is_refused_and_max_weights_lets_a_trusted_one_through():
    peak = peak_mb(lambda: model_from_json(dense_json(32768, 1, 32768)), ModelFileError,
                   r"weight 'dense_0/kernel' of shape \(32768, 32768\)")
    assert peak < 20, f"{peak:.1f} MB"
    text = dense_json(3000, 1, 3000)                     # 9,003,000 values: over the default
    with pytest.raises(ModelFileError, match="max_weights=9_000_000"):
        model_from_json(text)
    reset_name_counters()
    assert model_from_json(text, max_weights=10 ** 7).count_params() == 9_003_000


def test_a_json_input_shape_is_checked_before_the_build_sample():
    peak = peak_mb(lambda: model_from_json(dense_json(1, 1, 10 ** 9)), ModelFileError,
                   r"input shape \[None, 1000000000\] asks for more values per sample")
    assert peak < 20, f"{peak:.1f} MB"


def test_a_config_of_too_many_layers_is_refused_before_building_any(monkeypatch):
    text = dense_json(1, 20_001, 1)                   # 2 weights each: within max_weights
    peak = peak_mb(lambda: model_from_json(text), ModelFileError,
                   r'"config" declares 20,002 layers; at most 20,000 are built.*raise '
                   r"microdense.saving.file_format.MAX_CONFIG_LAYERS")
    assert peak < 30, f"{peak:.1f} MB"                 # parsing the 1.3 MB of JSON
    monkeypatch.setattr(model_file, "MAX_CONFIG_LAYERS", 2)
    with pytest.raises(ModelFileError, match="declares 3 layers; at most 2"):
        model_from_json(dense_json(1, 2, 1))


# ---- load_model: what the file declares ------------------------------------------------------

def small_trained_model(path):
    model = Sequential([Input((4,)), Dense(2)])
    model.compile("adam", "mse")
    model.fit(np.ones((4, 4), np.float32), np.ones((4, 2), np.float32), verbose=0)
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def compressed_npz(name, array):
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{name: array})
    return buffer.getvalue()


def test_an_800_mb_optimizer_entry_in_a_padded_file_is_refused_before_reading(tmp_path):
    """iterations declared as 200M float32 zeros (800 MB, under a MB deflated), in a file
    padded with 50 MB of random bytes nobody reads: the padding buys no budget, and the
    entry's shape is checked (a step count is one number) before any state is read."""
    parts = small_trained_model(tmp_path / "good.mdz")
    huge = compressed_npz("iterations", np.zeros(200_000_000, np.float32))
    assert len(huge) < 1 << 20
    bad = tmp_path / "bad.mdz"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("config.json", parts["config.json"])
        archive.writestr("model.weights.npz", parts["model.weights.npz"])
        archive.writestr("padding.bin", np.random.default_rng(0).bytes(50 << 20))
        archive.writestr("optimizer.npz", huge)
    peak = peak_mb(lambda: load_model(bad), ModelFileError,
                   r"optimizer.npz entry 'iterations' has shape \(200000000,\); it is one "
                   r"number")
    assert peak < 30, f"{peak:.1f} MB"


def test_padding_a_file_buys_no_budget(tmp_path):
    """What a file may unpack to is counted from the entries read: 50 MB of padding next to
    a weights entry declaring 64 MB (64 KB deflated) does not let it through."""
    parts = small_trained_model(tmp_path / "good.mdz")
    bad = tmp_path / "bad.mdz"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("config.json", parts["config.json"])
        archive.writestr("padding.bin", np.random.default_rng(0).bytes(50 << 20))
        archive.writestr(zipfile.ZipInfo("model.weights.npz"), bytes(64 << 20),
                         compress_type=zipfile.ZIP_DEFLATED)
    peak = peak_mb(lambda: load_model(bad), ModelFileError,
                   r"model.weights.npz declares 67,108,864 bytes, more than a file of this "
                   r"size may unpack to \(16,\d{3},\d{3} bytes left\)")
    assert peak < 30, f"{peak:.1f} MB"


def test_optimizer_entries_must_be_a_scalar_step_count_and_the_optimizers_own_slots(tmp_path):
    parts = small_trained_model(tmp_path / "good.mdz")
    with np.load(io.BytesIO(parts["optimizer.npz"])) as arrays:
        state = {name: arrays[name] for name in arrays.files}

    def write(changed):
        buffer = io.BytesIO()
        np.savez(buffer, **changed)
        path = tmp_path / "bad.mdz"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", parts["config.json"])
            archive.writestr("model.weights.npz", parts["model.weights.npz"])
            archive.writestr("optimizer.npz", buffer.getvalue())
        return path

    with pytest.raises(ModelFileError, match=r"'iterations' has shape \(3,\); it is one number"):
        load_model(write(dict(state, iterations=np.zeros(3, np.int64))))
    extra = dict(state, **{f"dense/kernel/copy{i}": np.zeros((4, 2), np.float32)
                           for i in range(3)})
    with pytest.raises(ModelFileError, match=r"'dense/kernel/copy0' is not a state of Adam "
                                             r"\(its states: momentum, velocity\)"):
        load_model(write(extra))
    assert load_model(write(state)).optimizer.iterations == 1


def test_load_model_max_bytes_is_the_callers_limit(tmp_path):
    small_trained_model(tmp_path / "good.mdz")
    with pytest.raises(ModelFileError, match=r"its arrays declare \d+ bytes, more than "
                                             r"max_bytes=10.*max_bytes="):
        load_model(tmp_path / "good.mdz", max_bytes=10)
    assert load_model(tmp_path / "good.mdz").count_params() == 10
    assert model_file.MAX_FILE_BYTES == 4 << 30 and model_file.MAX_BUILD_WEIGHTS == 1 << 23


def test_load_weights_refuses_an_array_no_weight_has_before_reading_it(tmp_path):
    model = Sequential([Input((2,)), Dense(3)])
    buffer = io.BytesIO()                   # 8 MB stored: within what the file may unpack to
    np.savez(buffer, **{"dense/kernel": np.zeros((2, 3), np.float32),
                        "dense/bias": np.zeros(3, np.float32),
                        "junk": np.zeros(2_000_000, np.float32)})
    (tmp_path / "w.npz").write_bytes(buffer.getvalue())
    peak = peak_mb(lambda: model.load_weights(tmp_path / "w.npz"), ValueError,
                   r"the file holds 3 arrays, the model 2 weights")
    assert peak < 8 + 5, f"{peak:.1f} MB"           # the file's bytes, not its arrays too
    buffer = io.BytesIO()
    np.savez(buffer, a=np.ones((2, 3), np.float32), b=np.ones((30,), np.float32))
    (tmp_path / "v.npz").write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match=r"'b' has shape \(30,\) in the file and \(3,\) in the "
                                         r"model \(as 'dense/bias', by position\)"):
        model.load_weights(tmp_path / "v.npz")


# ---- JSON nesting: a stated depth, a clear error ---------------------------------------------

def test_deeply_nested_json_gets_a_clear_error_not_a_recursion_error():
    for text in ["[" * 100_000 + "]" * 100_000,
                 '{"class_name": "Sequential", "config": ' + '{"a": ' * 5000 + "1"
                 + "}" * 5001]:
        with pytest.raises(ModelFileError, match=r"'<json>': the text nests its JSON "
                                                 r"[\d,]+ levels deep; at most 200 are read"):
            model_from_json(text)
    assert model_file.MAX_JSON_DEPTH == 200
