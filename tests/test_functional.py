"""The functional API: Input, layers called on symbolic tensors, Model(inputs, outputs), merge
layers, models as layers, feature extraction, several inputs and outputs, and all of it in
summary, plot_model, draw_graph and save/load."""
import json
import zipfile

import numpy as np
import pytest

import microdense as md
from microdense.layers import (Add, Average, Concatenate, Dense, Dropout, Input, InputLayer,
                               Maximum, Minimum, Multiply, Softmax, Subtract)
from microdense.layers.symbolic import KerasTensor
from microdense.saving import ModelFileError
from microdense.models import Functional, Model, Sequential, load_model


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def two_layer_model():
    inputs = Input(shape=(3,), name="x")
    hidden = Dense(4, activation="tanh", name="hidden")(inputs)
    outputs = Dense(2, name="out")(hidden)
    return Model(inputs, outputs, name="small")


# ---- symbolic tensors and Model(inputs, outputs) ----------------------------------------------

def test_layers_called_on_input_give_symbolic_tensors_with_shapes():
    inputs = Input(shape=(3,))
    assert isinstance(inputs, KerasTensor) and inputs.shape == (None, 3)
    hidden = Dense(4)(inputs)
    assert isinstance(hidden, KerasTensor) and hidden.shape == (None, 4)
    assert hidden.node.layer.built and hidden.node.inputs == [inputs]
    with pytest.raises(TypeError, match="symbolic: it has a shape but no values"):
        np.asarray(hidden)


def test_model_of_inputs_and_outputs_is_a_functional_model_computing_the_layers():
    model = two_layer_model()
    assert isinstance(model, Functional) and isinstance(model, Model)
    assert [layer.name for layer in model.layers] == ["x", "hidden", "out"]
    assert isinstance(model.layers[0], InputLayer)
    x = data(5, 3)
    hidden, out = model.get_layer("hidden"), model.get_layer("out")
    expected = np.tanh(x @ hidden.kernel.data + hidden.bias.data) @ out.kernel.data + \
        out.bias.data
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x).data, expected, rtol=1e-5, atol=1e-6)
    keywords = Model(inputs=model.inputs, outputs=model.outputs)
    assert keywords.name.startswith("functional")
    assert model.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_get_layer_by_name_and_index_with_errors_that_help():
    model = two_layer_model()
    assert model.get_layer(index=1) is model.get_layer("hidden")
    with pytest.raises(ValueError, match="Did you mean 'hidden'"):
        model.get_layer("hiden")
    with pytest.raises(ValueError, match="only has 3 layers"):
        model.get_layer(index=7)


def test_a_graph_that_needs_an_input_not_given_is_refused():
    a, b = Input(shape=(2,), name="a"), Input(shape=(2,), name="b")
    total = Add()([a, b])
    with pytest.raises(ValueError, match="Graph disconnected.*'b'"):
        Model(a, total)
    with pytest.raises(TypeError, match="must be a KerasTensor"):
        Model(a, md.Tensor(np.ones((1, 2))))
    with pytest.raises(TypeError, match="symbolic KerasTensor.*a real Tensor"):
        Model(a, [total, md.Tensor(np.ones((1, 2)))])


def test_two_layers_with_one_name_are_refused():
    inputs = Input(shape=(2,))
    with pytest.raises(ValueError, match='"twin" is used 2 times'):
        Model(inputs, Dense(2, name="twin")(Dense(2, name="twin")(inputs)))


def test_training_flag_reaches_layers_of_a_functional_model():
    inputs = Input(shape=(200,))
    model = Model(inputs, Dropout(0.5, seed=1)(inputs))
    x = np.ones((4, 200), np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)      # inference: identity
    dropped = model(x, training=True).data
    assert 0.3 < np.mean(dropped == 0) < 0.7 and set(np.unique(dropped)) == {0.0, 2.0}


# ---- merge layers ----------------------------------------------------------------------------

@pytest.mark.parametrize("layer, expected", [
    (Add, lambda a, b, c: a + b + c),
    (Multiply, lambda a, b, c: a * b * c),
    (Average, lambda a, b, c: (a + b + c) / 3),
    (Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
])
def test_elementwise_merges_compute_and_differentiate(layer, expected):
    a, b, c = (md.Tensor(data(4, 3, seed=s).astype(np.float64), requires_grad=True)
               for s in range(3))
    out = layer()([a, b, c])
    np.testing.assert_allclose(out.data, expected(a.data, b.data, c.data), rtol=1e-6)
    md.gradcheck(lambda a, b, c: layer(dtype="float64")([a, b, c]), a, b, c)


def test_subtract_and_concatenate():
    a, b = data(4, 3, seed=1), data(4, 2, seed=2)
    np.testing.assert_allclose(Subtract()([a, a[:, ::-1]]).data, a - a[:, ::-1])
    np.testing.assert_allclose(Concatenate()([a, b]).data, np.concatenate([a, b], axis=-1))
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        Subtract()([Input((3,)), Input((3,)), Input((3,))])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        Concatenate(axis=1)([Input((3, 2)), Input((3, 4))])
    with pytest.raises(ValueError, match="compatible shapes"):
        Add()([Input((3,)), Input((4,))])
    with pytest.raises(ValueError, match="list of at least 2 inputs"):
        Add()([Input((3,))])
    assert Concatenate()([Input((3,)), Input((2,))]).shape == (None, 5)


# ---- models as layers, feature extraction ------------------------------------------------------

def test_a_functional_model_is_a_layer_of_a_sequential_model():
    model = two_layer_model()
    probabilities = Sequential([model, Softmax()])
    x = data(6, 3)
    logits = model.predict(x, verbose=0)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities.predict(x, verbose=0), expected, rtol=1e-5)
    assert probabilities.layers[0] is model and len(probabilities.weights) == 4
    probabilities.compile("sgd", "categorical_crossentropy")
    before = model.get_layer("hidden").kernel.data.copy()
    probabilities.fit(x, np.eye(2)[[0, 1, 0, 1, 0, 1]], epochs=2, verbose=0)
    assert not np.allclose(before, model.get_layer("hidden").kernel.data)   # trained through


def test_a_model_called_on_a_symbolic_tensor_and_a_shared_layer():
    inner = two_layer_model()
    inputs = Input(shape=(3,))
    shared = Dense(3, name="shared")
    outputs = inner(shared(shared(inputs)))              # the same Dense twice: one weight set
    model = Model(inputs, outputs)
    assert [layer.name for layer in model.layers][1:] == ["shared", "small"]
    assert len(model.weights) == 2 + 4
    x = data(2, 3)
    kernel, bias = shared.kernel.data, shared.bias.data
    twice = (x @ kernel + bias) @ kernel + bias
    np.testing.assert_allclose(model.predict(x, verbose=0), inner.predict(twice, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_feature_extraction_through_intermediate_outputs():
    sequential = Sequential([Input(shape=(3,)), Dense(4, activation="relu"), Dense(2)])
    extractor = Model(inputs=sequential.inputs,
                      outputs=[layer.output for layer in sequential.layers])
    x = data(5, 3)
    features = extractor.predict(x, verbose=0)
    assert [f.shape for f in features] == [(5, 4), (5, 2)]
    first = sequential.layers[0]
    np.testing.assert_allclose(features[0], np.maximum(x @ first.kernel.data + first.bias.data,
                                                       0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(features[1], sequential.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(AttributeError, match="never been called on a symbolic tensor"):
        _ = Dense(2).output


# ---- several inputs and outputs ---------------------------------------------------------------

def two_heads():
    a, b = Input(shape=(3,), name="a"), Input(shape=(2,), name="b")
    joined = Concatenate(name="joined")([a, b])
    first = Dense(2, activation="softmax", name="first")(joined)
    second = Dense(1, name="second")(joined)
    return Model([a, b], [first, second])


def test_several_inputs_and_outputs_fit_evaluate_predict_with_lists_and_dicts():
    model = two_heads()
    assert model.input_names == ["a", "b"] and model.output_names == ["first", "second"]
    xa, xb = data(8, 3, seed=1), data(8, 2, seed=2)
    y_first, y_second = np.eye(2)[[0, 1] * 4].astype(np.float32), data(8, 1, seed=3)
    model.compile("sgd", loss=["categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                  metrics=[["accuracy"], ["mae"]])
    as_lists = model.evaluate([xa, xb], [y_first, y_second], verbose=0, return_dict=True)
    as_dicts = model.evaluate({"a": xa, "b": xb}, {"first": y_first, "second": y_second},
                              verbose=0, return_dict=True)
    assert as_lists == as_dicts
    assert list(as_lists) == ["first_accuracy", "first_loss", "loss", "second_loss",
                              "second_mae"]
    assert as_lists["loss"] == pytest.approx(as_lists["first_loss"]
                                             + 0.5 * as_lists["second_loss"], rel=1e-5)
    first, second = model.predict([xa, xb], verbose=0)
    mse = np.mean((second - y_second) ** 2)
    assert as_lists["second_loss"] == pytest.approx(mse, rel=1e-5)
    history = model.fit([xa, xb], [y_first, y_second], epochs=3, batch_size=4, verbose=0,
                        validation_split=0.25)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "val_second_mae" in history.history
    values = model.evaluate([xa, xb], [y_first, y_second], verbose=0)
    assert len(values) == 5                        # loss, both output losses, both metrics
    with pytest.raises(ValueError, match="only supported for Models with a single output"):
        model.fit([xa, xb], [y_first, y_second], class_weight={0: 1.0, 1: 2.0}, verbose=0)


def test_a_loss_per_output_by_name_and_errors_naming_the_outputs():
    model = two_heads()
    with pytest.raises(ValueError, match="Did you mean 'second'"):
        model.compile("sgd", loss={"first": "mse", "secnd": "mse"})
    model.compile("sgd", loss={"second": "mse"})             # "first" trains nothing
    xa, xb = data(4, 3), data(4, 2)
    logs = model.evaluate([xa, xb], [np.zeros((4, 2)), np.zeros((4, 1))], verbose=0,
                          return_dict=True)
    assert list(logs) == ["loss", "second_loss"]
    with pytest.raises(ValueError, match=r"missing the key\(s\) \['b'\]"):
        model.predict({"a": xa}, verbose=0)
    with pytest.raises(ValueError, match="has 2 inputs"):
        model.predict(xa, verbose=0)
    with pytest.raises(ValueError, match=r'Input 1 of layer .* expected shape=\(None, 2\)'):
        model.predict([xa, xa], verbose=0)


def test_dict_outputs_come_back_as_dicts():
    inputs = Input(shape=(3,))
    model = Model(inputs, {"mean": Dense(1)(inputs), "scale": Dense(1)(inputs)})
    prediction = model.predict(data(4, 3), verbose=0)
    assert sorted(prediction) == ["mean", "scale"] and prediction["mean"].shape == (4, 1)


# ---- summary, plot_model, draw_graph ----------------------------------------------------------

def test_summary_shows_connections_of_a_graph_and_not_of_a_chain():
    lines = []
    two_heads().summary(print_fn=lines.append, line_length=108)
    text = lines[0]
    assert "Connected to" in text and "a[0][0], b[0][0]" in text
    assert "joined[0][0]" in text and "Total params: 18" in text
    lines = []
    two_layer_model().summary(print_fn=lines.append)
    assert "Connected to" not in lines[0] and "x (InputLayer)" in lines[0]


def test_plot_model_draws_an_arrow_per_connection():
    source = md.plot_model(two_heads(), to_file=None).source
    boxes = {name: f"layer{i}" for i, name in
             enumerate(["a", "b", "joined", "first", "second"])}
    for tail, head in [("a", "joined"), ("b", "joined"), ("joined", "first"),
                       ("joined", "second")]:
        assert f"{boxes[tail]} -> {boxes[head]}" in source
    assert "[(None, 3), (None, 2)] → (None, 5)" in source


def test_draw_graph_of_a_functional_model_has_a_box_per_layer():
    model = two_heads()
    a = md.Tensor(data(2, 3), requires_grad=True, name="a")
    first, second = model([a, data(2, 2)])
    loss = first.sum() + second.sum()
    loss.backward()
    source = md.draw_graph(loss).source
    assert source.count("subgraph cluster_") == 3
    assert "<b>joined</b> · Concatenate()" in source
    assert "<b>first</b> · Dense(2, activation=softmax)" in source
    assert "<b>second</b> · Dense(1)" in source


# ---- save and load -----------------------------------------------------------------------------

def test_save_and_load_a_functional_model_with_two_heads(tmp_path):
    model = two_heads()
    model.compile("adam", loss={"first": "categorical_crossentropy", "second": "mse"},
                  loss_weights={"first": 1.0, "second": 0.5}, metrics={"first": ["accuracy"]})
    x = [data(6, 3), data(6, 2)]
    y = [np.eye(2)[[0, 1, 1, 0, 0, 1]].astype(np.float32), data(6, 1)]
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "heads.mdz")
    restored = load_model(tmp_path / "heads.mdz")
    assert isinstance(restored, Functional)
    assert restored.get_config() == model.get_config()
    for a, b in zip(model.predict(x, verbose=0), restored.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)
    assert restored.evaluate(x, y, verbose=0, return_dict=True) == \
        model.evaluate(x, y, verbose=0, return_dict=True)
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)       # training continues the same
    restored.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_save_and_load_models_inside_models(tmp_path):
    inner = two_layer_model()
    outer = Sequential([inner, Softmax()])
    outer.save(tmp_path / "outer.mdz")
    restored = load_model(tmp_path / "outer.mdz")
    x = data(3, 3)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), outer.predict(x, verbose=0))
    inputs = Input(shape=(3,))
    wrapper = Model(inputs, Dense(1)(inner(inputs)))
    wrapper.save(tmp_path / "wrapper.mdz")
    again = load_model(tmp_path / "wrapper.mdz")
    assert [type(layer).__name__ for layer in again.layers] == ["InputLayer", "Functional",
                                                                "Dense"]
    np.testing.assert_array_equal(again.predict(x, verbose=0), wrapper.predict(x, verbose=0))


def _rewrite_config(path, change):
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(entries["config.json"])
    change(config["config"])
    entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, raw in entries.items():
            archive.writestr(name, raw)


@pytest.mark.parametrize("change, message", [
    (lambda c: c["nodes"][0].update(args=[["nowhere", 0, 0]]), "no earlier node made"),
    (lambda c: c["nodes"][0].update(args=[["x", 5, 0]]), "no earlier node made"),
    (lambda c: c["nodes"][0].update(args="x"), r'\["args"\] must be a list'),
    (lambda c: c["nodes"][0].update(args=[["x", "0", 0]]), r"must be a whole number"),
    (lambda c: c["nodes"][0].update(layer="ghost"), "unknown layer 'ghost'"),
    (lambda c: c["nodes"][0].update(several="yes"), "must be true or false"),
    (lambda c: c.update(outputs=[]), "non-empty list of tensors"),
    (lambda c: c.update(nodes={"a": 1}), r'\["nodes"\] must be a list'),
])
def test_a_malformed_functional_config_gets_one_clear_error(tmp_path, change, message):
    path = tmp_path / "model.mdz"
    two_layer_model().save(path)
    _rewrite_config(path, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


# ---- a subclassed model ----------------------------------------------------------------------

class TwoDense(Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Dense(8, activation="relu")
        self.dropout = Dropout(0.5, seed=0)
        self.out = Dense(3, activation="softmax")

    def call(self, inputs, training=False):
        return self.out(self.dropout(self.hidden(inputs), training=training))


def test_a_subclassed_model_tracks_its_layers_builds_on_data_and_trains(tmp_path):
    model = TwoDense(name="two_dense")
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    x, y = data(16, 4), np.random.default_rng(1).integers(0, 3, 16)
    model.compile("adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    before = model.evaluate(x, y, verbose=0)[0]             # builds on this data
    assert model.built and model.output_shape == (None, 3)
    history = model.fit(x, y, epochs=20, verbose=0)
    assert len(model.weights) == 4 and len(history.history["loss"]) == 20
    assert model.evaluate(x, y, verbose=0)[0] < before
    hidden, out = model.hidden, model.out
    expected = np.maximum(x @ hidden.kernel.data + hidden.bias.data, 0) @ out.kernel.data + \
        out.bias.data
    expected = np.exp(expected) / np.exp(expected).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    lines = []
    model.summary(print_fn=lines.append)
    assert "(Dropout)" in lines[0] and "Trainable params: 67" in lines[0]
    # Saved whole through get_config (issue 20): loading finds the class by its name.
    model.save(tmp_path / "sub.mdz")
    with pytest.raises(ValueError, match="custom_objects"):
        load_model(tmp_path / "sub.mdz")
    loaded = load_model(tmp_path / "sub.mdz", custom_objects={"TwoDense": TwoDense})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save_weights(tmp_path / "sub.weights.npz")
    again = TwoDense()
    again.predict(x[:1], verbose=0)                         # build, then load the weights
    again.load_weights(tmp_path / "sub.weights.npz")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_diagnostics_report_each_layer_call_of_a_functional_model():
    inputs = Input(shape=(3,), name="x")
    h = Dense(4, name="first")(inputs)
    outputs = Dense(2, activation="softmax", name="head")(Add(name="skip")([h, Dense(4)(h)]))
    model = Model(inputs, outputs)
    model.compile("adam", "categorical_crossentropy")
    rows = md.diagnostics.layer_report(model, data(8, 3), np.eye(2)[[0, 1] * 4],
                                       print_fn=lambda text: None)
    assert [row["layer"] for row in rows] == [layer.name for layer in model.layers]
    by_name = {row["layer"]: row for row in rows}
    assert by_name["first"]["grad_norm"] > 0 and by_name["skip"]["grad_norm"] is None


def test_to_json_round_trips_a_functional_model_and_a_subclassed_one():
    model = two_heads()
    rebuilt = md.models.model_from_json(model.to_json())
    assert isinstance(rebuilt, Functional) and rebuilt.get_config() == model.get_config()
    # A subclassed model's JSON names its class (found in your code) and its get_config.
    text = TwoDense(name="two").to_json()
    again = md.models.model_from_json(text, custom_objects={"TwoDense": TwoDense})
    assert isinstance(again, TwoDense) and again.name == "two"


# ---- Dot ----------------------------------------------------------------------------------

def np_dot(a, b, axes):
    """Keras's merging_test reference: a tensordot per sample."""
    if isinstance(axes, int):
        axes = (axes, axes)
    axes = [axis if axis < 0 else axis - 1 for axis in axes]
    out = np.stack([np.tensordot(a[i], b[i], axes) for i in range(a.shape[0])])
    return out[:, None] if out.ndim == 1 else out


@pytest.mark.parametrize("shape_a, shape_b, axes, expected", [
    ((2, 4), (2, 4), -1, (2, 1)), ((2, 4, 5), (2, 4, 5), -1, (2, 4, 4)),
    ((2, 4, 5), (2, 4, 5), 1, (2, 5, 5)), ((3, 2, 5), (3, 5, 4), (2, 1), (3, 2, 4)),
    ((1, 3, 2), (1, 1, 2, 3), (-2, -1), (1, 2, 1, 2))])
def test_dot_matches_a_tensordot_per_sample(shape_a, shape_b, axes, expected):
    from microdense.layers import Dot
    a, b = data(*shape_a), data(*shape_b, seed=1)
    out = Dot(axes=axes)([md.Tensor(a), md.Tensor(b)])
    assert out.shape == expected
    np.testing.assert_allclose(out.data, np_dot(a, b, axes), rtol=1e-5, atol=1e-6)
    symbolic = Dot(axes=axes)([Input(shape_a[1:]), Input(shape_b[1:])])
    assert symbolic.shape == (None,) + expected[1:]
    assert md.gradcheck(lambda x, y: Dot(axes=axes, dtype="float64")([x, y]),
                        a.astype(np.float64), b.astype(np.float64))


def test_dot_normalize_gives_cosine_similarity_and_config_round_trips():
    from microdense.layers import Dot, dot
    a, b = data(5, 3), data(5, 3, seed=1)
    out = dot([md.Tensor(a), md.Tensor(b)], axes=1, normalize=True)
    cosine = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(out.data[:, 0], cosine, rtol=1e-5)
    layer = Dot(axes=(1, 2), normalize=True, name="similarity")
    config = layer.get_config()
    assert config["axes"] == (1, 2) and config["normalize"] is True
    assert Dot.from_config(config).get_config() == config
    assert md.layers.ALL_LAYERS["Dot"] is Dot


def test_dot_errors_are_kerass():
    from microdense.layers import Dot
    with pytest.raises(ValueError, match="Incompatible input shapes: axis values 4"):
        Dot(axes=-1)([Input((4,)), Input((5,))])
    with pytest.raises(ValueError, match="should be called on a list of 2 inputs"):
        Dot(axes=-1)([Input((4,)), Input((4,)), Input((4,))])
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        Dot(axes="last")
    with pytest.raises(ValueError, match="it should contain two integers"):
        Dot(axes=(1, 2, 3))


def test_a_model_with_dot_trains_saves_and_loads(tmp_path):
    from microdense.layers import Dot
    a, b = Input((4,), name="a"), Input((4,), name="b")
    score = Dot(axes=-1, normalize=True)([Dense(6)(a), Dense(6)(b)])
    model = Model([a, b], Dense(1, activation="sigmoid")(score))
    x1, x2 = data(32, 4), data(32, 4, seed=1)
    y = (np.sum(x1 * x2, axis=1, keepdims=True) > 0).astype(np.float32)
    model.compile(optimizer="nadam", loss="binary_focal_crossentropy", jit_compile=True)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit([x1, x2], y, epochs=2, batch_size=8, verbose=0)
    assert model._compiled_step.replayed_steps > 0
    model.save(tmp_path / "dot.keras")
    again = load_model(tmp_path / "dot.keras")
    np.testing.assert_allclose(again.predict([x1, x2], verbose=0),
                               model.predict([x1, x2], verbose=0), rtol=1e-6)
