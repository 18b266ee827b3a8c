"""Serialization as Keras 3 (the "Serialization and saving" and "Customizing saving" guides):
serialize/deserialize_keras_object, custom_object_scope, registration, Model.from_config,
build configs, subclassed and functional-subclassed models, clone_model, PyDataset."""
import json
import math

import numpy as np
import pytest

import microdense as keras
from microdense import layers, saving


@keras.saving.register_keras_serializable(package="Issue20")
class Scaled(layers.Layer):
    """A layer of its own with no get_config: Keras's auto config saves its arguments."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor


class Wrapper(layers.Layer):
    """Takes a layer as an argument: get_config holds it, serialized."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, x):
        return self.inner(x)

    def get_config(self):
        return {**super().get_config(), "inner": keras.saving.serialize_keras_object(self.inner)}

    @classmethod
    def from_config(cls, config):
        config["inner"] = keras.layers.deserialize(config["inner"])
        return cls(**config)


class Unnamed(layers.Layer):
    """get_config without super(): no name in it."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units)

    def call(self, x):
        return self.dense(x)

    def get_config(self):
        return {"units": self.units}


def test_serialize_keras_object_round_trips_builtins_functions_and_registered_classes():
    for obj in (layers.Dense(3, activation="relu"), keras.optimizers.Adam(0.01),
                keras.losses.MeanSquaredError(), keras.metrics.AUC(), keras.regularizers.L2(0.1),
                keras.initializers.Constant(2.0), keras.constraints.MaxNorm(2.0)):
        config = keras.saving.serialize_keras_object(obj)
        json.dumps(config)
        again = keras.saving.deserialize_keras_object(config)
        assert type(again) is type(obj) and again.get_config() == obj.get_config()
    config = keras.saving.serialize_keras_object(keras.activations.relu)
    assert keras.utils.deserialize_keras_object(config) is keras.activations.relu
    layer = Scaled(3.0, name="s")
    config = keras.saving.serialize_keras_object(layer)
    assert config["registered_name"] == "Issue20>Scaled" and config["config"]["factor"] == 3.0
    again = keras.saving.deserialize_keras_object(config)
    assert isinstance(again, Scaled) and again.factor == 3.0 and again.name == "s"
    assert [1, "a", None] == keras.saving.serialize_keras_object((1, "a", None))


def test_layers_serialize_deserialize_and_a_layer_inside_a_config():
    wrapper = Wrapper(layers.Dense(2, name="inner_dense"), name="wrap")
    config = keras.layers.serialize(wrapper)
    json.dumps(config)
    with keras.saving.custom_object_scope({"Wrapper": Wrapper}):
        again = keras.layers.deserialize(config)
    assert isinstance(again.inner, layers.Dense) and again.inner.units == 2
    with pytest.raises(ValueError, match="custom_objects"):
        keras.layers.deserialize(config)               # outside the scope: not found
    again = keras.layers.deserialize(config, custom_objects={"Wrapper": Wrapper})
    assert again.name == "wrap"
    with keras.saving.CustomObjectScope({"Wrapper": Wrapper}):
        assert keras.saving.get_registered_object("Wrapper") is Wrapper


def test_build_config_builds_before_weights():
    dense = layers.Dense(3)
    dense(np.ones((2, 4), np.float32))
    config = keras.saving.serialize_keras_object(dense)
    assert config["build_config"] == {"input_shape": [None, 4]}
    again = keras.saving.deserialize_keras_object(config)
    assert again.built and again.kernel.shape == (4, 3)


def functional_with_custom_layers():
    inputs = keras.Input(shape=(3,))
    x = Scaled(0.5)(inputs)
    x = Unnamed(4)(x)
    outputs = Wrapper(layers.Dense(1))(x)
    return keras.Model(inputs, outputs)


def test_a_functional_model_of_custom_layers_saves_and_loads(tmp_path):
    model = functional_with_custom_layers()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    model.save(tmp_path / "m.mdz")
    loaded = keras.models.load_model(tmp_path / "m.mdz",
                                     custom_objects={"Unnamed": Unnamed, "Wrapper": Wrapper})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


def test_model_from_config_dispatches_on_the_config():
    model = functional_with_custom_layers()
    with keras.saving.custom_object_scope({"Unnamed": Unnamed, "Wrapper": Wrapper}):
        again = keras.Model.from_config(model.get_config())
    assert isinstance(again, keras.models.Functional) and len(again.layers) == len(model.layers)
    sequential = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Sequential"):
        keras.Model.from_config(sequential.get_config())
    with pytest.raises(ValueError, match="not a Sequential model's"):
        keras.Sequential.from_config(model.get_config())


class MyModel(keras.Model):
    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.first = layers.Dense(hidden, activation="relu")
        self.blocks = [layers.Dense(hidden), layers.Dense(1)]

    def call(self, x):
        x = self.first(x)
        for block in self.blocks:
            x = block(x)
        return x


def test_a_subclassed_model_saves_through_its_config_and_reloads(tmp_path):
    model = MyModel(hidden=5, name="mine")
    x = np.random.default_rng(1).normal(size=(6, 3)).astype(np.float32)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert model.get_config() == {"hidden": 5, "name": "mine", "trainable": True,
                                  "dtype": "float32"}
    model.save(tmp_path / "mine.mdz")
    loaded = keras.models.load_model(tmp_path / "mine.mdz", custom_objects={"MyModel": MyModel})
    assert isinstance(loaded, MyModel) and loaded.hidden == 5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.metrics_names == model.metrics_names == ["loss", "mae", "weighted_mae"]
    first = loaded.fit(x, x[:, :1], epochs=1, shuffle=False, verbose=0).history["loss"]
    assert first == model.fit(x, x[:, :1], epochs=1, shuffle=False, verbose=0).history["loss"]


class Residual(keras.Model):
    """A functional model made by a subclass: its own method, its own config."""

    def __init__(self, units=3, **kwargs):
        inputs = keras.Input(shape=(units,))
        outputs = layers.Add()([inputs, layers.Dense(units)(inputs)])
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.units = units

    def width(self):
        return self.units

    def get_config(self):
        return {"units": self.units, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Plain(keras.Model):
    def describe_me(self):
        return "plain"


def test_functional_subclassing_both_ways():
    model = Residual(4, name="res")
    assert isinstance(model, Residual) and isinstance(model, keras.models.Functional)
    assert model.width() == 4 and model.input_shape == (None, 4)
    out = model.predict(np.ones((2, 4), np.float32), verbose=0)
    assert out.shape == (2, 4)
    again = Residual.from_config(model.get_config())
    assert again.name == "res" and again.units == 4
    inputs = keras.Input(shape=(2,))
    plain = Plain(inputs, layers.Dense(1)(inputs))
    assert plain.describe_me() == "plain" and isinstance(plain, Plain)
    revived = Plain.from_config(plain.get_config())
    assert isinstance(revived, Plain) and len(revived.layers) == 2


def test_clone_model_has_the_same_architecture_and_new_weights():
    model = functional_with_custom_layers()
    clone = keras.models.clone_model(model)
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    clone.set_weights(model.get_weights())
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    sequential = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    assert keras.models.clone_model(sequential).input_shape == (None, 3)
    sub = keras.models.clone_model(MyModel(hidden=3))
    assert isinstance(sub, MyModel) and sub.hidden == 3


def test_input_batch_shape_keeps_the_batch_size():
    inputs = keras.Input(batch_shape=(8, 3))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert model.input_shape == (8, 3) and model.output_shape == (8, 2)
    stack = keras.Sequential([keras.Input(batch_shape=(8, 3)), layers.Dense(2)])
    assert stack.input_shape == (8, 3) and stack.output_shape == (8, 2)


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_pydataset_feeds_fit_evaluate_and_predict_like_the_arrays():
    x = np.random.default_rng(2).normal(size=(50, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)

    def model():
        keras.utils.set_random_seed(3)
        m = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
        m.compile(optimizer="sgd", loss="mse")
        return m

    batches = Batches(x, y, 16)
    from_dataset = model()
    history = from_dataset.fit(batches, epochs=3, verbose=0)
    from_arrays = model()
    expected = from_arrays.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"], rtol=1e-6)
    assert batches.epochs_ended == 3
    assert from_dataset.evaluate(batches, verbose=0) == pytest.approx(
        from_arrays.evaluate(x, y, batch_size=16, verbose=0), rel=1e-6)
    np.testing.assert_allclose(from_dataset.predict(batches, verbose=0),
                               from_arrays.predict(x, verbose=0), rtol=1e-6)


def test_a_file_naming_an_unknown_class_says_how_to_fix_it(tmp_path):
    model = MyModel()
    model(np.ones((1, 2), np.float32))
    model.save(tmp_path / "m.mdz")
    with pytest.raises(ValueError, match="register_keras_serializable"):
        saving.load_model(tmp_path / "m.mdz")


class Vocabulary(layers.Layer):
    """A layer with a file besides its weights (the customizing-saving guide's pattern)."""

    def __init__(self, words=None, **kwargs):
        super().__init__(**kwargs)
        self.words = list(words or [])

    def call(self, x):
        return x

    def save_assets(self, dir_path):
        with open(f"{dir_path}/words.txt", "w") as f:
            f.write("\n".join(self.words))

    def load_assets(self, dir_path):
        with open(f"{dir_path}/words.txt") as f:
            self.words = f.read().split("\n")

    def get_config(self):
        return {**super().get_config()}          # the words travel as an asset, not config


def test_assets_are_saved_and_loaded_with_the_model(tmp_path):
    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, Vocabulary(["a", "b"], name="vocab")(layers.Dense(2)(inputs)))
    model.save(tmp_path / "v.mdz")
    loaded = keras.models.load_model(tmp_path / "v.mdz", custom_objects={"Vocabulary": Vocabulary})
    assert loaded.get_layer("vocab").words == ["a", "b"]


class ScaledBlock(layers.Layer):
    """Inner layers in a list and a weight made in __init__ (before any name is restored)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.inner = [layers.Dense(units, activation="relu"), layers.Dense(units)]
        self.scale = self.add_weight(shape=(units,), initializer="ones")

    def call(self, x):
        return self.inner[1](self.inner[0](x)) * self.scale


class BlockNet(keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [ScaledBlock(4), ScaledBlock(4)]
        self.head = layers.Dense(1)

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def test_a_model_of_blocks_with_weights_made_in_init_reloads_and_resumes(tmp_path):
    x = np.random.default_rng(4).random((16, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    net = BlockNet()
    net.compile(optimizer="adam", loss="mse")
    net.fit(x, y, epochs=2, verbose=0)
    net.save(tmp_path / "net.mdz")
    objects = {"BlockNet": BlockNet, "ScaledBlock": ScaledBlock}
    loaded = keras.models.load_model(tmp_path / "net.mdz", custom_objects=objects)
    assert [w.name for w in loaded.weights] == [w.name for w in net.weights]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), net.predict(x, verbose=0))
    resumed = loaded.fit(x, y, epochs=1, shuffle=False, verbose=0).history["loss"]
    assert resumed == net.fit(x, y, epochs=1, shuffle=False, verbose=0).history["loss"]
