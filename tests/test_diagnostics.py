"""diagnostics: the statistics against hand computations, the report, GradientMonitor in fit,
vanishing gradients in a deep sigmoid network, and the plots."""
import sys

import numpy as np
import pytest

import microdense as md
from microdense import diagnostics
from microdense.layers import Activation, Dense


def model_of(layers, loss="mse", width=None, weights=None):
    """A Sequential model of `layers`, built for inputs of `width` features, with the given
    [kernel, bias, kernel, bias, ...] weights."""
    model = md.models.Sequential(layers)
    model.compile(optimizer="sgd", loss=loss)
    if width is not None:
        model.build((None, width))
    if weights is not None:
        model.set_weights([np.asarray(w, np.float32) for w in weights])
    return model


def deep_net(activation, initializer, depth=10, width=32, seed=0):
    md.utils.set_random_seed(seed)
    layers = [Dense(width, activation=activation, kernel_initializer=initializer)
              for _ in range(depth - 1)] + [Dense(3, activation="softmax")]
    return model_of(layers, loss="sparse_categorical_crossentropy", width=2)


# ---- the statistics, by hand --------------------------------------------------------------

def test_gradient_norms_and_update_ratio_match_the_formulas():
    x = np.array([[1, 2], [3, 4], [0, 1]], np.float32)
    y = np.array([[1], [0], [2]], np.float32)
    w, b = np.array([[2.0], [-1.0]]), np.array([0.5])
    model = model_of([Dense(1)], loss="mse", width=2, weights=[w, b])
    (row,) = diagnostics.layer_report(model, x, y, learning_rate=0.1, print_fn=None)
    p = x @ w + b                                  # L = mean((p - y)^2)
    grad_w = 2 / 3 * x.T @ (p - y)                 # dL/dw = 2/n X^T (p - y)
    grad_b = 2 / 3 * (p - y).sum(axis=0)           # dL/db = 2/n sum(p - y)
    assert row["grad_norm"] == pytest.approx(np.linalg.norm(grad_w), rel=1e-5)
    assert row["bias_grad_norm"] == pytest.approx(np.linalg.norm(grad_b), rel=1e-5)
    assert row["weight_norm"] == pytest.approx(np.sqrt(5), rel=1e-6)
    assert row["update_ratio"] == pytest.approx(0.1 * np.linalg.norm(grad_w) / np.sqrt(5),
                                                rel=1e-5)
    assert row["activation_mean"] == pytest.approx(p.mean(), rel=1e-5)
    assert row["activation_std"] == pytest.approx(p.std(), rel=1e-5)
    assert row["dead_fraction"] is None and row["saturated_fraction"] is None
    assert all(type(v) in (float, str, type(None)) for v in row.values())


def test_relu_with_a_bias_of_minus_100_is_dead():
    x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    model = model_of([Dense(4, activation="relu")], width=1,
                     weights=[[[1, -1, 1, -1]], [-100, -100, -100, -100]])
    (row,) = diagnostics.layer_statistics(model, x, np.zeros((8, 4)))
    assert row["dead_fraction"] == 1.0
    assert row["grad_norm"] == 0.0                  # a dead unit passes no gradient
    # z = x, -x, x - 100, 100 - x: only the third unit is never positive.
    model.set_weights([np.array([[1, -1, 1, -1]], np.float32),
                       np.array([0, 0, -100, 100], np.float32)])
    (row,) = diagnostics.layer_statistics(model, x, np.zeros((8, 4)))
    assert row["dead_fraction"] == 0.25


def test_saturation_of_sigmoid_and_tanh():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.0, size=(16, 3)).astype(np.float32)
    huge = model_of([Dense(4, activation="sigmoid")], width=3,
                    weights=[1000 * np.ones((3, 4)), np.zeros(4)])
    (row,) = diagnostics.layer_statistics(huge, x, np.zeros((16, 4)))
    assert row["saturated_fraction"] == 1.0 and row["dead_fraction"] is None
    assert row["grad_norm"] < 1e-30                 # sigmoid'(z) = s(1 - s) underflows
    # tanh(0 * x) = 0 never saturates; tanh(10 x) does where |x| > atanh(0.99) / 10 = 0.265.
    x = np.array([[-1.0], [-0.1], [0.1], [1.0]], np.float32)
    model = model_of([Dense(2, activation="tanh")], width=1, weights=[[[0.0, 10.0]], [0, 0]])
    (row,) = diagnostics.layer_statistics(model, x, np.zeros((4, 2)))
    assert row["saturated_fraction"] == 0.25        # 2 of the 8 (sample, unit) entries


def test_activation_layers_get_activation_statistics_only():
    x = np.linspace(-3, 3, 10, dtype=np.float32)[:, None]
    model = model_of([Dense(2), Activation("tanh"), md.layers.ReLU()], width=1,
                     weights=[[[1.0, -1.0]], [0.0, -5.0]])
    dense, tanh, relu = diagnostics.layer_statistics(model, x, np.zeros((10, 2)))
    assert tanh["grad_norm"] is None and tanh["activation"] == "tanh"
    assert tanh["saturated_fraction"] == pytest.approx(
        np.mean(np.abs(np.tanh(x @ [[1.0, -1.0]] + [0, -5])) > 0.99))
    assert relu["activation"] == "relu" and relu["dead_fraction"] == 0.5   # z = tanh(-x-5) < 0
    assert dense["activation"] == "linear" and dense["grad_norm"] is not None


def test_the_probe_leaves_weights_and_accumulated_gradients_alone():
    model = deep_net("tanh", "glorot_uniform", depth=3)
    x, y = md.datasets.spirals(60)
    before = model.get_weights()
    for w in model.weights:
        w.grad = np.full(w.shape, 7.0, np.float32)
    saved = [w.grad for w in model.weights]
    diagnostics.layer_report(model, x, y, print_fn=None)
    for w, grad in zip(model.weights, saved):
        assert w.grad is grad and (w.grad == 7.0).all()
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_report_table_and_notes(capsys):
    x, y = md.datasets.spirals(90)
    rows = diagnostics.layer_report(deep_net("sigmoid", "glorot_uniform", depth=6), x, y)
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:4] == ["layer", "activation", "grad_norm", "bias_grad"]
    assert len(table.splitlines()) == 2 + len(rows)
    assert "vanishing gradient" in rows[0]["notes"] and rows[-1]["notes"] == ""
    assert "vanishing gradient" in table
    assert diagnostics.format_report(rows) == table.rstrip("\n")


def test_a_nan_gradient_is_flagged_and_does_not_hide_the_others():
    """A diverged layer's NaN norm compares False with everything: it is named as diverged,
    and the other layers are still judged against the largest finite norm."""
    def row(grad):
        return {"grad_norm": grad, "dead_fraction": None, "saturated_fraction": None,
                "update_ratio": None}
    rows = [row(float("nan")), row(1e-9), row(1.0), row(float("inf"))]
    found = diagnostics.report.notes(rows)
    assert found[0] == "nan gradient (diverged)" and found[3] == "inf gradient (diverged)"
    assert found[1] == "vanishing gradient" and found[2] == ""


def test_an_unbuilt_model_is_built_for_the_probe():
    model = md.models.Sequential([Dense(4, activation="relu"), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((6, 3), np.float32), np.zeros((6, 1), np.float32)
    rows = diagnostics.layer_report(model, x, y, print_fn=None)
    assert model.built and [row["type"] for row in rows] == ["Dense", "Dense"]
    model.fit(x, y, epochs=1, verbose=0)                         # still trains normally


def test_a_loss_is_required():
    model = md.models.Sequential([Dense(1)])
    with pytest.raises(ValueError, match="compile the model first"):
        diagnostics.layer_statistics(model, np.zeros((2, 1)), np.zeros((2, 1)))


# ---- vanishing gradients: the picture the tutorial promises -------------------------------

def test_deep_sigmoid_gradients_vanish_where_relu_with_he_init_keeps_them():
    x, y = md.datasets.spirals(300)
    sigmoid = diagnostics.layer_statistics(deep_net("sigmoid", "glorot_uniform"), x, y)
    relu = diagnostics.layer_statistics(deep_net("relu", "he_normal"), x, y)
    first_layer_ratio = sigmoid[0]["grad_norm"] / relu[0]["grad_norm"]
    assert first_layer_ratio < 1e-3
    # In the sigmoid net each layer down multiplies the gradient by at most 1/4 (sigmoid'):
    # the first layer gets far less than the last; in the relu net they stay comparable.
    assert sigmoid[0]["grad_norm"] / sigmoid[-1]["grad_norm"] < 1e-3
    assert relu[0]["grad_norm"] / relu[-1]["grad_norm"] > 1e-2


# ---- GradientMonitor in fit ---------------------------------------------------------------

def small_net(seed=0):
    md.utils.set_random_seed(seed)
    return model_of([Dense(8, activation="relu"), Dense(8, activation="tanh"),
                     Dense(3, activation="softmax")],
                    loss="sparse_categorical_crossentropy", width=2)


def test_monitor_keys_land_in_history_and_in_the_csv(tmp_path):
    x, y = md.datasets.spirals(96)
    model = small_net()
    monitor = diagnostics.GradientMonitor(probe=(x[:32], y[:32]))
    csv_path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0,
                        callbacks=[monitor, md.callbacks.CSVLogger(csv_path)])
    relu, tanh, out = (layer.name for layer in model.layers)
    expected = {f"{relu}/dead_fraction", f"{tanh}/saturated_fraction", f"{out}/grad_norm",
                f"{relu}/grad_norm", f"{relu}/bias_grad_norm", f"{relu}/update_ratio",
                f"{tanh}/activation_mean", f"{tanh}/activation_std"}
    assert expected <= set(history.history)
    assert f"{relu}/saturated_fraction" not in history.history      # relu does not saturate
    for key in expected:
        assert len(history.history[key]) == 3
        assert all(isinstance(v, float) and np.isfinite(v) for v in history.history[key])
    assert monitor.steps == [3, 6, 9] and monitor.epochs == [0, 1, 2]
    header = csv_path.read_text().splitlines()[0].split(",")
    assert f"{relu}/grad_norm" in header and len(csv_path.read_text().splitlines()) == 4


def test_monitor_does_not_change_training():
    x, y = md.datasets.moons(64)
    plain, watched = small_net(seed=5), small_net(seed=5)
    for a, b in zip(plain.get_weights(), watched.get_weights()):
        np.testing.assert_array_equal(a, b)
    md.utils.set_random_seed(1)
    lost = plain.fit(x, y, epochs=2, batch_size=16, verbose=0).history["loss"]
    md.utils.set_random_seed(1)
    monitor = diagnostics.GradientMonitor(probe=(x, y), every_n_batches=2)
    history = watched.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[monitor])
    assert history.history["loss"] == lost
    for a, b in zip(plain.get_weights(), watched.get_weights()):
        np.testing.assert_array_equal(a, b)
    # every 2 of the 4 batches per epoch; the epoch-end records coincide with batch records
    assert monitor.steps == [2, 4, 6, 8]
    assert all(len(series) == 4 for series in monitor.history.values())


def test_update_ratio_is_the_step_sgd_actually_took():
    x, y = md.datasets.blobs(32)
    model = small_net()
    model.compile(optimizer=md.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    monitor = diagnostics.GradientMonitor(probe=(x, y), layers=[model.layers[0].name])
    before = model.layers[0].kernel.data.copy()
    model.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0, callbacks=[monitor])
    after = model.layers[0].kernel.data
    name = model.layers[0].name
    assert set(monitor.history) == {f"{name}/{s}" for s in (
        "grad_norm", "bias_grad_norm", "update_ratio", "dead_fraction", "activation_mean",
        "activation_std")}
    assert monitor.history[f"{name}/update_ratio"][0] == pytest.approx(
        np.linalg.norm(after - before) / np.linalg.norm(after), rel=1e-5)


def test_monitor_without_a_probe_measures_fits_first_256_training_rows():
    x, y = md.datasets.spirals(400)
    records = []
    for probe in (None, (x[:256], y[:256])):
        md.layers.reset_name_counters()                       # the same layer names
        model = small_net(seed=3)
        md.utils.set_random_seed(4)
        monitor = diagnostics.GradientMonitor(probe=probe)
        model.fit(x, y, epochs=2, batch_size=64, validation_split=0.1, verbose=0,
                  callbacks=[monitor])
        records.append(monitor.history)
    assert records[0].keys() == records[1].keys() and records[0]
    for key, series in records[0].items():
        assert series == pytest.approx(records[1][key], rel=1e-6, abs=1e-9), key
    # The first 256 rows, not another sample: a probe of other rows measures otherwise.
    md.layers.reset_name_counters()
    model = small_net(seed=3)
    md.utils.set_random_seed(4)
    other = diagnostics.GradientMonitor(probe=(x[-256:], y[-256:]))
    model.fit(x, y, epochs=2, batch_size=64, validation_split=0.1, verbose=0, callbacks=[other])
    name = f"{model.layers[0].name}/grad_norm"
    assert other.history[name] != pytest.approx(records[0][name], rel=1e-3)


def test_monitor_arguments_are_checked():
    with pytest.raises(ValueError, match="probe is \\(x, y\\)"):
        diagnostics.GradientMonitor(probe=np.zeros(3))
    x, y = md.datasets.xor(8)
    monitor = diagnostics.GradientMonitor()                   # outside fit: nothing to probe
    monitor.set_model(small_net())
    with pytest.raises(ValueError, match="outside fit, pass probe=\\(x, y\\)"):
        monitor.on_epoch_end(0, {})
    model = small_net()
    monitor = diagnostics.GradientMonitor(probe=(x, y), layers=["no_such_layer"])
    with pytest.raises(ValueError, match="no layer named no_such_layer"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor])


# ---- plots --------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_plots_write_png_files(tmp_path):
    pytest.importorskip("matplotlib")
    x, y = md.datasets.spirals(60)
    model = small_net()
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25,
                        callbacks=[diagnostics.GradientMonitor(probe=(x, y))])
    files = {"curves.png": lambda f: diagnostics.plot_history(history, to_file=f),
             "grads.png": lambda f: diagnostics.plot_gradient_norms(history, to_file=f),
             "hists.png": lambda f: diagnostics.plot_activation_histograms(model, x, to_file=f)}
    for name, draw in files.items():
        figure = draw(tmp_path / name)
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE
        assert figure.axes                                   # the Figure is returned
    with pytest.raises(ValueError, match="GradientMonitor"):
        diagnostics.plot_gradient_norms({"loss": [1.0]})


def test_plots_without_matplotlib_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # `import matplotlib` now fails
    with pytest.raises(ImportError, match=r"pip install microdense\[plot\]"):
        diagnostics.plot_history({"loss": [1.0, 0.5]})
    with pytest.raises(ImportError, match=r"pip install microdense\[plot\]"):
        diagnostics.plot_activation_histograms(small_net(), np.zeros((2, 2)))


@pytest.mark.parametrize("optimizer", [md.optimizers.Adam(1e-3), md.optimizers.SGD(0.1),
                                       md.optimizers.RMSprop(1e-3)], ids=lambda o: o.name)
def test_report_update_ratio_is_the_compiled_optimizers_real_step(optimizer):
    x, y = md.datasets.spirals(64)
    model = small_net()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)      # the optimizer has state now
    state, weights = optimizer.get_state(), model.get_weights()
    rows = diagnostics.layer_report(model, x, y, print_fn=None)
    for a, b in zip(model.get_weights(), weights):              # nothing moved ...
        np.testing.assert_array_equal(a, b)
    for key, value in optimizer.get_state().items():            # ... nor the optimizer
        np.testing.assert_array_equal(value, state[key])
    before = [layer.kernel.data.copy() for layer in model.layers]
    model.train_on_batch(x, y)                                   # the step it predicted
    for row, layer, old in zip(rows, model.layers, before):
        after = layer.kernel.data
        actual = np.linalg.norm(after - old) / np.linalg.norm(after)
        assert row["update_ratio"] == pytest.approx(actual, rel=1e-3)
    if optimizer.name == "adam":                                 # Adam's step is ~lr per entry,
        sgd_formula = 1e-3 * rows[0]["grad_norm"] / rows[0]["weight_norm"]
        assert rows[0]["update_ratio"] > 3 * sgd_formula       # far from SGD's lr * |g| / |W|
