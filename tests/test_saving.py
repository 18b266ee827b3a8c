"""Saving: round trips, exact resumption, custom objects, corrupt files, atomic writes."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import microdense as md
from microdense import backend as K
from microdense import saving
from microdense.layers import Dense, Dropout, PReLU, reset_name_counters
from microdense.models import Sequential, load_model


@pytest.fixture(autouse=True)
def fresh_state():
    reset_name_counters()
    md.utils.set_random_seed(0)


def custom_activation(x):
    return x * K.sigmoid(x)


def data(n=40):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    labels = (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1)
    return x, np.eye(3, dtype=np.float32)[labels]


def make_model(dropout=True):
    layers = [Dense(8, activation="relu", input_shape=(4,)),
              Dense(8, activation=custom_activation, kernel_regularizer="l2")]
    layers += [Dropout(0.2)] if dropout else []
    layers += [PReLU(), Dense(3, activation="softmax")]
    model = Sequential(layers)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


CUSTOM = {"custom_activation": custom_activation}


def test_round_trip_same_predictions_and_config(tmp_path):
    x, y = data()
    model = make_model()
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.mdz"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "model.weights.npz",
                                              "optimizer.npz"]
        config = json.loads(archive.read("config.json"))
    assert config["config"]["layers"][2]["config"]["activation"] == "custom_activation"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "categorical_crossentropy"
    restored = load_model(path, custom_objects=CUSTOM)
    assert [layer.name for layer in restored.layers] == [layer.name for layer in model.layers]
    assert [w.name for w in restored.weights] == [w.name for w in model.weights]
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert restored.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    assert restored.metrics_names == ["loss", "accuracy"]
    assert restored.optimizer.iterations == model.optimizer.iterations


def test_optimizer_state_resumes_training_exactly(tmp_path):
    x, y = data()
    model = make_model(dropout=False)
    for start in range(0, 40, 10):
        model.train_on_batch(x[start:start + 10], y[start:start + 10])
    model.save(tmp_path / "m.mdz")
    restored = load_model(tmp_path / "m.mdz", custom_objects=CUSTOM)
    for twin in (model, restored):                     # continue both the same way
        for start in range(0, 40, 10):
            twin.train_on_batch(x[start:start + 10], y[start:start + 10])
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_missing_custom_activation_error_says_how_to_fix_it(tmp_path):
    path = tmp_path / "m.mdz"
    make_model().save(path)
    with pytest.raises(ValueError) as error:
        load_model(path)
    message = str(error.value)
    assert "custom_activation" in message and "custom_objects" in message
    assert "register_keras_serializable" in message and "dense_1" in message


def test_registered_activation_loads_without_custom_objects(tmp_path):
    @saving.register_keras_serializable(package="Tests")
    def gated(x):
        return x * md.sigmoid(x)

    model = Sequential([Dense(2, activation=gated, input_shape=(3,))])
    model.save(tmp_path / "r.mdz")
    restored = load_model(tmp_path / "r.mdz")
    assert restored.layers[0].activation is gated
    assert restored.layers[0].get_config()["activation"] == "Tests>gated"


def test_uncompiled_and_unbuilt_models_round_trip(tmp_path):
    model = Sequential([Dense(3), Dense(1)])
    model.save(tmp_path / "u.mdz")
    restored = load_model(tmp_path / "u.mdz")
    assert not restored.built and not restored.compiled and len(restored.layers) == 2
    built = Sequential([Dense(3, input_shape=(2,))])
    built.save(tmp_path / "b.mdz")
    assert load_model(tmp_path / "b.mdz").layers[0].kernel.shape == (2, 3)


def test_truncated_or_foreign_files_give_clear_errors(tmp_path):
    path = tmp_path / "m.mdz"
    make_model().save(path)
    blob = path.read_bytes()
    truncated = tmp_path / "truncated.mdz"
    truncated.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(saving.ModelFileError, match="corrupt or hostile model file .*truncated"):
        load_model(truncated)
    flipped = bytearray(blob)
    start = blob.index(b"dense/kernel")               # damage stored weight bytes
    flipped[start + 200: start + 260] = b"\xff" * 60
    damaged = tmp_path / "damaged.mdz"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(saving.ModelFileError, match="corrupt or hostile model file"):
        load_model(damaged)
    foreign = tmp_path / "other.zip"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="not a microdense model file"):
        load_model(foreign)
    with pytest.raises(ValueError, match="File not found"):
        load_model(tmp_path / "nothing.mdz")


def test_loading_never_unpickles(tmp_path):
    """A file whose weights are a pickled object array is refused, not executed."""
    path = tmp_path / "m.mdz"
    model = Sequential([Dense(1, input_shape=(2,))])
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = archive.read("config.json")
    buffer = io.BytesIO()
    np.savez(buffer, **{"dense/kernel": np.array([object()], dtype=object),
                        "dense/bias": np.zeros(1)}, allow_pickle=True)
    evil = tmp_path / "evil.mdz"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("model.weights.npz", buffer.getvalue())
    with pytest.raises(saving.ModelFileError, match="'dense/kernel.npy' must hold numbers; it "
                                                    "holds an array of object"):
        load_model(evil)


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.mdz"
    model = make_model()
    model.save(path)
    before = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def crash_on_weights(self, name, payload, *args, **kwargs):
        if name == "model.weights.npz":
            raise OSError("disk full")
        return real_writestr(self, name, payload, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", crash_on_weights)
    model.fit(*data(), epochs=1, verbose=0)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.mdz"]              # the temporary file is gone
    monkeypatch.undo()
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)


def test_save_and_load_weights(tmp_path):
    x, _ = data()
    source, target = make_model(), make_model()
    source.save_weights(tmp_path / "w.weights.npz")
    with pytest.raises(ValueError, match="do not match"):
        Sequential([Dense(2, input_shape=(4,))]).load_weights(tmp_path / "w.weights.npz")
    target = Sequential.from_config(source.get_config(), custom_objects=CUSTOM)
    target.load_weights(tmp_path / "w.weights.npz")
    np.testing.assert_array_equal(target.predict(x, verbose=0), source.predict(x, verbose=0))
    source.save(tmp_path / "full.mdz")                    # a model file works too
    target.load_weights(tmp_path / "full.mdz")


def test_compile_settings_round_trip(tmp_path):
    """Loss objects, metric objects and a user's loss function come back compiled."""
    def my_loss(y_true, y_pred):
        return md.ops.mean((y_true - y_pred) * (y_true - y_pred), axis=-1)

    x, y = data()
    model = Sequential([Dense(3, input_dim=4)])
    model.compile(optimizer=md.optimizers.SGD(0.1, momentum=0.9),
                  loss=md.losses.CategoricalCrossentropy(from_logits=True),
                  metrics=[md.metrics.CategoricalAccuracy(), "mse", my_loss])
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "c.mdz")
    restored = load_model(tmp_path / "c.mdz", custom_objects={"my_loss": my_loss})
    assert restored.metrics_names == ["loss", "categorical_accuracy", "mse", "my_loss"]
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    assert restored.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    uncompiled = load_model(tmp_path / "c.mdz", compile=False,
                            custom_objects={"my_loss": my_loss})
    assert not uncompiled.compiled
    plain = Sequential([Dense(3, input_dim=4)])
    plain.compile(optimizer="adam", loss=my_loss)
    plain.save(tmp_path / "f.mdz")
    with pytest.raises(ValueError, match="my_loss"):
        load_model(tmp_path / "f.mdz")


def test_a_users_layer_class_round_trips(tmp_path):
    @saving.register_keras_serializable(package="Tests")
    class Shift(md.layers.Layer):
        def __init__(self, amount=1.0, **kwargs):
            super().__init__(**kwargs)
            self.amount = amount

        def build(self, input_shape):
            self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="b")

        def call(self, x):
            return x + self.b + self.amount

        def get_config(self):
            return {**super().get_config(), "amount": self.amount}

    x, _ = data()
    model = Sequential([Dense(3, input_shape=(4,)), Shift(0.5)])
    model.layers[1].b.data[:] = [1.0, 2.0, 3.0]
    model.save(tmp_path / "s.mdz")
    restored = load_model(tmp_path / "s.mdz")
    assert type(restored.layers[1]) is Shift and restored.layers[1].amount == 0.5
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    with zipfile.ZipFile(tmp_path / "s.mdz") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["config"]["layers"][2]["class_name"] == "Tests>Shift"


# ---- optimizer state follows its weight (the fine-tuning pattern) ------------------------

def equal_shapes_model():
    model = Sequential([Dense(4, activation="tanh", input_shape=(4,)),
                        Dense(4, activation="tanh"), Dense(4)])
    model.compile(optimizer="adam", loss="mse")
    return model


def test_freeze_unfreeze_save_load_resume_is_bit_identical_to_not_saving(tmp_path):
    """Adam first sees layers 1 and 2 (layer 0 frozen), then layer 0: the loaded model sees
    them in layer order. Every moment must still reach its own weight."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)).astype(np.float32)
    y = rng.normal(size=(30, 4)).astype(np.float32)
    model = equal_shapes_model()
    model.layers[0].trainable = False
    for _ in range(3):
        model.train_on_batch(x, y)
    model.layers[0].trainable = True
    for _ in range(3):
        model.train_on_batch(x, y)
    model.save(tmp_path / "tuned.mdz")
    restored = load_model(tmp_path / "tuned.mdz")
    for twin in (model, restored):
        for _ in range(4):
            twin.train_on_batch(x, y)
    for ours, theirs in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    with zipfile.ZipFile(tmp_path / "tuned.mdz") as archive:
        with np.load(io.BytesIO(archive.read("optimizer.npz"))) as state:
            assert "dense/kernel/momentum" in state.files


def test_a_format_1_file_with_positional_optimizer_state_still_loads(tmp_path):
    x, y = (np.random.default_rng(1).normal(size=(8, 4)).astype(np.float32) for _ in range(2))
    model = equal_shapes_model()
    model.train_on_batch(x, y)
    model.save(tmp_path / "new.mdz")
    state = model.optimizer.get_state()
    old = {"iterations": state["iterations"]}                 # as format 1 wrote it
    for index, weight in enumerate(model.trainable_weights):
        for slot in ("momentum", "velocity"):
            old[f"{slot}/{index}"] = state[f"{weight.name}/{slot}"]
    with zipfile.ZipFile(tmp_path / "new.mdz") as archive:
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.npz")
    config["format_version"] = 1
    with zipfile.ZipFile(tmp_path / "old.mdz", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.npz", weights)
        archive.writestr("optimizer.npz", saving.saving_api._npz_bytes(old))
    restored = load_model(tmp_path / "old.mdz")
    restored.optimizer.build(restored.trainable_weights)       # what the next step does
    for key, value in restored.optimizer.get_state().items():
        np.testing.assert_array_equal(value, state[key])


# ---- every saved path is unique, and save checks what it wrote ------------------------------

class TwoWeights(md.layers.Layer):
    def __init__(self, second_name="w", **kwargs):
        super().__init__(**kwargs)
        self.second_name = second_name

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        self.v = self.add_weight(shape=(input_shape[-1],), initializer="ones",
                                 name=self.second_name)

    def call(self, x):
        return x * self.w * self.v


def test_slash_in_a_layer_or_weight_name_is_refused_as_in_keras():
    with pytest.raises(ValueError, match="cannot contain character `/`. Received: name='a/b'"):
        Dense(3, name="a/b")
    with pytest.raises(ValueError, match="Weight of layer 'two_weights'.*name='b/c'"):
        Sequential([md.layers.Input(shape=(2,)), TwoWeights(second_name="b/c")])


def test_save_refuses_duplicate_paths_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "m.mdz"
    Sequential([Dense(2, input_shape=(2,))]).save(path)
    before = path.read_bytes()
    twins = Sequential([md.layers.Input(shape=(2,)), TwoWeights()])    # two weights "w"
    with pytest.raises(ValueError, match="layer 'two_weights' has two weights named 'w'"):
        twins.save(path)
    with pytest.raises(ValueError, match="two weights named 'w'"):
        twins.save_weights(tmp_path / "w.weights.npz")
    renamed = Sequential([Dense(2, input_shape=(2,), name="d")])
    renamed.layers[0].kernel.name = "d/b/c"                       # set behind add_weight's back
    with pytest.raises(ValueError, match="Cannot save weight 'd/b/c' of layer 'd'"):
        renamed.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.mdz"]


def test_save_refuses_a_file_that_does_not_read_back_the_same(tmp_path, monkeypatch):
    path = tmp_path / "m.mdz"
    model = make_model()
    model.save(path)
    before = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def damage_weights(self, name, payload, *args, **kwargs):   # a bit flips on the way out
        if name == "model.weights.npz":
            payload = bytearray(payload)
            payload[payload.index(b"\n", payload.index(b"'descr'")) + 5] ^= 1   # array data
            payload = bytes(payload)
        return real_writestr(self, name, payload, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", damage_weights)
    with pytest.raises(ValueError, match="Not saved.*would not load back.*Bad CRC.*is unchanged"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.mdz"]


# ---- atomic saving keeps what the target was ----------------------------------------------

@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits and symbolic links")
def test_save_keeps_the_mode_and_writes_through_a_symlink(tmp_path):
    x, _ = data()
    path = tmp_path / "private.mdz"
    model = make_model()
    model.save(path)
    os.chmod(path, 0o600)
    model.fit(*data(), epochs=1, verbose=0)
    model.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    link = tmp_path / "latest.mdz"
    link.symlink_to(path.name)
    model.fit(*data(), epochs=1, verbose=0)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == path.name
    restored = load_model(path, custom_objects=CUSTOM)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert os.stat(path).st_mode & 0o777 == 0o600
    model.save_weights(link)                                     # save_weights alike
    assert link.is_symlink() and os.stat(path).st_mode & 0o777 == 0o600


def test_a_240_character_file_name_saves(tmp_path):
    path = tmp_path / ("m" * 236 + ".mdz")
    make_model().save(path)
    assert load_model(path, custom_objects=CUSTOM).layers[0].name == "dense"
    assert os.listdir(tmp_path) == [path.name]
