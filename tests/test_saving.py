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
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_model(truncated)
    flipped = bytearray(blob)
    start = blob.index(b"dense/kernel")               # damage stored weight bytes
    flipped[start + 200: start + 260] = b"\xff" * 60
    damaged = tmp_path / "damaged.mdz"
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="truncated or corrupt"):
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
    with pytest.raises(ValueError, match="truncated or corrupt"):
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
