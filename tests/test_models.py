"""Sequential: building, the tutorial end to end, training arithmetic, logs, summary, errors."""
import re

import numpy as np
import pytest

import microdense as md
from microdense import backend as K
from microdense.callbacks import Callback, EarlyStopping
from microdense.layers import Dense, Dropout, Flatten, Input, reset_name_counters
from microdense.models import Sequential
from microdense.models.progbar import Progbar


@pytest.fixture(autouse=True)
def fresh_state():
    reset_name_counters()
    md.utils.set_random_seed(0)


def custom_activation(x):
    return x * K.sigmoid(x)


def blobs(n=600, dim=20, classes=10, seed=0):
    """Well separated Gaussian blobs with one-hot labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 4, (classes, dim))
    labels = rng.integers(0, classes, n)
    x = (centers[labels] + rng.normal(0, 1, (n, dim))).astype(np.float32)
    return x, np.eye(classes, dtype=np.float32)[labels], labels


def tutorial_model(input_dim=20):
    model = Sequential()
    model.add(Dense(units=64, activation="relu", input_shape=(input_dim,)))
    model.add(Dense(units=128, activation=custom_activation, kernel_regularizer="l2"))
    model.add(Dropout(0.2))
    model.add(Dense(units=32, activation="tanh"))
    model.add(Dense(units=10, activation="softmax"))
    return model


def linear_model(units=1, inputs=3, **dense_args):
    return Sequential([Dense(units, input_shape=(inputs,), **dense_args)])


# ---- the tutorial, end to end --------------------------------------------------------------

def test_tutorial_model_trains_to_high_accuracy():
    x, y, _ = blobs()
    model = tutorial_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    # min_delta makes the slow late improvements not count, so training stops early.
    stopper = EarlyStopping(monitor="val_loss", patience=2, min_delta=0.03,
                            restore_best_weights=True)
    history = model.fit(x, y, epochs=40, batch_size=32, validation_split=0.2,
                        callbacks=[stopper], verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history is model.history
    assert 0 < stopper.stopped_epoch < 39 and len(history.epoch) == stopper.stopped_epoch + 1
    assert stopper.stopped_epoch == stopper.best_epoch + 2          # patience epochs later
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9 and history.history["val_accuracy"][-1] > 0.9
    # The best epoch's weights came back: its validation loss is measured again.
    val_loss, _ = model.evaluate(x[480:], y[480:], verbose=0)
    assert val_loss == pytest.approx(history.history["val_loss"][stopper.best_epoch], rel=1e-5)
    assert model.predict(x[:5], verbose=0).shape == (5, 10)


def test_weights_exist_as_soon_as_the_input_shape_is_known():
    model = tutorial_model()
    assert model.built
    assert [w.name for w in model.weights][:4] == ["dense/kernel", "dense/bias",
                                                   "dense_1/kernel", "dense_1/bias"]
    assert [w.shape for w in model.get_weights()] == [(20, 64), (64,), (64, 128), (128,),
                                                     (128, 32), (32,), (32, 10), (10,)]
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dropout", "dense_2",
                                                      "dense_3"]
    assert model.count_params() == 20 * 64 + 64 + 64 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10
    assert model.output_shape == (None, 10)


def test_input_entry_and_lazy_build():
    model = Sequential([Input(shape=(3,)), Dense(2)])
    assert model.built and len(model.layers) == 1
    assert Sequential([Dense(2, input_dim=3)]).layers[0].kernel.shape == (3, 2)   # Keras 2
    lazy = Sequential([Dense(2), Dense(1)])
    assert not lazy.built and lazy.weights == []
    lazy.predict(np.ones((4, 5)), verbose=0)
    assert lazy.built and lazy.layers[0].kernel.shape == (5, 2)
    flat = Sequential([Flatten(input_shape=(2, 3)), Dense(4)])
    assert flat.output_shape == (None, 4) and flat.layers[1].kernel.shape == (6, 4)


def test_add_pop_and_layer_checks():
    model = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    popped = model.pop()
    assert popped.name == "dense_1" and model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="unique names"):
        model.add(Dense(1, name="dense"))
    with pytest.raises(ValueError, match="Only instances of"):
        model.add("dense")
    model.pop()
    with pytest.raises(ValueError, match="There are no layers"):
        model.pop()


def test_a_frozen_model_trains_nothing_and_says_so():
    model = linear_model(2)
    model.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.warns(UserWarning, match="does not have any trainable weights"):
        model.train_on_batch(np.ones((3, 3)), np.zeros((3, 2)))
    np.testing.assert_array_equal(model.get_weights()[0], before[0])


# ---- calling and predicting ----------------------------------------------------------------

def test_call_returns_a_graph_and_predict_matches_it():
    model = tutorial_model()
    x, _, _ = blobs(n=70)
    out = model(x)
    assert isinstance(out, md.Tensor) and out.requires_grad and out.parents
    assert out.scope.name == "dense_3"
    np.testing.assert_allclose(model.predict(x, batch_size=16, verbose=0), out.data,
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(model.predict_on_batch(x), out.data, rtol=1e-6, atol=1e-7)
    with md.no_grad():
        assert not model(x).requires_grad
    trained = model(x, training=True).data               # Dropout active: differs
    assert not np.allclose(trained, out.data)


# ---- training arithmetic -------------------------------------------------------------------

def test_sgd_steps_match_hand_written_numpy():
    """Gradients are zeroed before each step: two steps equal two numpy steps."""
    x = np.random.default_rng(1).normal(size=(8, 3)).astype(np.float32)
    y = np.random.default_rng(2).normal(size=(8, 1)).astype(np.float32)
    model = linear_model()
    model.compile(optimizer=md.optimizers.SGD(learning_rate=0.1), loss="mse")
    w, b = [a.astype(np.float64) for a in model.get_weights()]
    for _ in range(2):
        loss = model.train_on_batch(x, y)
        error = x @ w + b - y
        assert loss == pytest.approx(np.mean(error ** 2), rel=1e-5)   # before the update
        w -= 0.1 * x.T @ (2 * error / len(x))
        b -= 0.1 * (2 * error / len(x)).sum(0)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5)


def test_training_loss_includes_regularization_penalties():
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    model = linear_model(2, kernel_regularizer=md.regularizers.L2(0.5))
    model.compile(optimizer=md.optimizers.SGD(0.0), loss="mse")
    kernel, bias = model.get_weights()
    mse = np.mean((x @ kernel + bias - y) ** 2)
    expected = mse + 0.5 * np.sum(kernel ** 2)
    assert model.train_on_batch(x, y) == pytest.approx(expected, rel=1e-5)
    assert model.test_on_batch(x, y) == pytest.approx(expected, rel=1e-5)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_epoch_logs_are_batch_size_weighted_running_means():
    x, y, _ = blobs(n=70)
    model = tutorial_model()
    model.layers[2].rate = 0.0                           # no dropout: training == inference
    model.compile(optimizer=md.optimizers.SGD(0.0), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    loss, accuracy = model.evaluate(x, y, batch_size=70, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss, rel=1e-5)
    assert history.history["accuracy"][0] == pytest.approx(accuracy)


def test_validation_split_takes_the_last_fraction():
    x, y, _ = blobs(n=50)
    model = tutorial_model()
    model.compile(optimizer=md.optimizers.SGD(0.0), loss="categorical_crossentropy")
    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[40:], y[40:], verbose=0), rel=1e-5)
    separate = model.fit(x, y, epochs=1, validation_data=(x[:10], y[:10]), verbose=0)
    assert separate.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[:10], y[:10], verbose=0), rel=1e-5)


def test_batch_return_values_follow_keras():
    x, y, _ = blobs(n=16)
    model = tutorial_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.train_on_batch(x, y)
    assert isinstance(loss, float) and 0 <= accuracy <= 1
    logs = model.test_on_batch(x, y, return_dict=True)
    assert list(logs) == ["accuracy", "loss"]
    assert model.evaluate(x, y, verbose=0, return_dict=True).keys() == logs.keys()
    assert model.metrics_names == ["loss", "accuracy"]


def test_stop_training_initial_epoch_and_class_weight():
    x, y, _ = blobs(n=64)
    batches = []

    class StopAtBatchTwo(Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)
            if batch == 1:
                self.model.stop_training = True

    model = tutorial_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    history = model.fit(x, y, batch_size=8, epochs=5, callbacks=[StopAtBatchTwo()], verbose=0)
    assert batches == [0, 1] and history.epoch == [0]
    history = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3]
    weighted = model.fit(x, y, epochs=1, class_weight={0: 2.0}, verbose=0)
    assert np.isfinite(weighted.history["loss"][0])


# ---- weights -------------------------------------------------------------------------------

def test_get_set_weights_round_trip_between_models():
    source, target = tutorial_model(), tutorial_model()
    target.set_weights(source.get_weights())
    x, _, _ = blobs(n=5)
    np.testing.assert_array_equal(target.predict(x, verbose=0), source.predict(x, verbose=0))
    assert target.get_weights()[0] is not source.get_weights()[0]
    with pytest.raises(ValueError, match="expecting 8 weights"):
        target.set_weights(source.get_weights()[:-1])
    bad = source.get_weights()
    bad[0] = bad[0].T
    with pytest.raises(ValueError, match="not compatible"):
        target.set_weights(bad)
    np.testing.assert_array_equal(target.get_weights()[1], source.get_weights()[1])


# ---- summary -------------------------------------------------------------------------------

KERAS_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
│ dense (Dense)                        │ (None, 64)                  │             256 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_1 (Dense)                      │ (None, 64)                  │           4,160 │
├──────────────────────────────────────┼─────────────────────────────┼─────────────────┤
│ dense_2 (Dense)                      │ (None, 1)                   │              65 │
└──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
 Total params: 4,481 (17.50 KB)
 Trainable params: 4,481 (17.50 KB)
 Non-trainable params: 0 (0.00 B)
"""


def test_summary_matches_keras_layout_and_totals():
    """The table Keras 3 prints for this model (copied from a Keras 3 run)."""
    model = Sequential([Dense(64, input_shape=(3,)), Dense(64), Dense(1)])
    printed = []
    model.summary(line_length=88, print_fn=printed.append)
    assert printed == [KERAS_SUMMARY]
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(np.ones((2, 3)), np.ones((2, 1)))
    printed.clear()
    model.summary(line_length=88, print_fn=printed.append)
    # Keras counts Adam's two slots per weight plus iterations and learning_rate.
    assert " Total params: 13,445 (52.52 KB)\n" in printed[0]
    assert printed[0].endswith(" Optimizer params: 8,964 (35.02 KB)\n")


def test_summary_of_unbuilt_and_frozen_layers(capsys):
    model = Sequential([Dense(4), Dense(2)])
    model.summary(line_length=88)
    out = capsys.readouterr().out
    assert "0 (unbuilt) │" in out and "│ ?" in out
    model.summary(line_length=60)                        # narrow: cells wrap, as rich does
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) == 60 for line in lines[1:-3]) and "│ (unbuilt) │" in lines[5]
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    model.summary(print_fn=lambda text: print(text, end=""))
    out = capsys.readouterr().out
    assert "Trainable params: 10 (40.00 B)" in out and "Non-trainable params: 16 (64.00 B)" in out


# ---- progress output -----------------------------------------------------------------------

def test_verbose_modes(capsys):
    x, y, _ = blobs(n=40)
    model = tutorial_model()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, validation_split=0.25)      # "auto", not a terminal: one line
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"1/1 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: "
                        r"\d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", lines[1])
    model.fit(x, y, epochs=1, verbose=1)                   # the bar, even when not a terminal
    out = capsys.readouterr().out
    assert "━" * 20 in out and "Epoch" not in out           # one epoch: no "Epoch 1/1"
    with pytest.raises(ValueError, match="verbose"):
        model.fit(x, y, verbose=3)


def test_progbar_line_formats(capsys):
    bar = Progbar(target=10, verbose=2)
    bar.update(10, [("loss", 0.12345), ("tiny", 1e-5)])
    line = capsys.readouterr().out
    assert re.fullmatch(r"10/10 - \d+s - \d+(us|ms|s)/step - loss: 0\.1235 - tiny: "
                        r"1\.0000e-05\n", line)
    bar = Progbar(target=4, verbose=1)
    bar.update(4, [("loss", 1.5)])
    assert "\x1b[32m" + "━" * 20 in capsys.readouterr().out


# ---- errors --------------------------------------------------------------------------------

def test_errors_a_newcomer_can_act_on():
    x, y, labels = blobs(n=10)
    model = tutorial_model()
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before calling `fit"):
        model.fit(x, y)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(ValueError, match="'x' sizes: 10, 'y' sizes: 9"):
        model.fit(x, y[:9])
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 20, but "
                                         r"received input with shape \(10, 19\)"):
        model.fit(x[:, :19], y)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(x, labels, verbose=0)
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        model.compile(optimizer="adma", loss="mse")
    with pytest.raises(ValueError, match="Did you mean 'categorical_crossentropy'"):
        model.compile(optimizer="adam", loss="categorical_crossentropie")
    with pytest.raises(ValueError, match="Did you mean 'accuracy'"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])
    assert model.metrics_names == ["loss", "accuracy"]    # a failed compile changed nothing
    with pytest.raises(ValueError, match=r"list or tuple, e.g. metrics=\['accuracy'\]"):
        model.compile(optimizer="adam", loss="mse", metrics="accuracy")
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(x[:1], y[:1], validation_split=0.2)
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(x, y, batch_size=0)


# ---- a model is a Layer (Keras's Model(Trainer, Layer)) ---------------------------------------

def test_a_model_is_a_layer_and_shares_its_weight_methods():
    model = linear_model(2)
    assert isinstance(model, md.layers.Layer) and isinstance(model, md.models.Model)
    for method in ("set_weights", "get_weights", "count_params", "zero_grad"):
        assert getattr(Sequential, method) is getattr(md.layers.Layer, method)
    assert model.count_params() == 3 * 2 + 2
    with pytest.raises(ValueError, match=r"`sequential_1.build\(batch_input_shape\)`"):
        Sequential([Dense(2)]).count_params()


def test_trainer_state_is_declared_per_model():
    a, b = linear_model(), linear_model()
    assert (a.compiled, a.optimizer, a.loss, a.history, a.stop_training) == \
        (False, None, None, None, False)
    assert a.metrics == [] and a.metrics_names == ["loss"]
    for name in ("compiled", "optimizer", "loss", "history", "stop_training"):
        assert name in vars(a)                        # set in __init__, not a class default
    a.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    assert not b.compiled and b.metrics_names == ["loss"]


def test_a_model_can_be_a_layer_of_a_bigger_model():
    x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-1.0], [2.0]], np.float32)
    inner = Sequential([Dense(4, activation="tanh"), Dense(4)], name="inner")
    outer = Sequential([Input((3,)), inner, Dense(1)])
    assert outer.layers[0] is inner and len(outer.weights) == 6
    assert outer.count_params() == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    assert outer.compute_output_shape((None, 3)) == (None, 1)
    outer.compile(optimizer=md.optimizers.SGD(0.05), loss="mse")
    first = outer.evaluate(x, y, verbose=0)
    outer.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert outer.evaluate(x, y, verbose=0) < first / 2
    inner.trainable = False                               # freezing the inner model
    assert len(outer.trainable_weights) == 2 and not inner.trainable_weights


def test_freezing_one_layer_keeps_the_model_trainable_through_saving(tmp_path):
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    assert model.trainable                               # as Keras: the model's own flag
    model.save(tmp_path / "m.mdz")
    restored = md.models.load_model(tmp_path / "m.mdz")
    assert [layer.trainable for layer in restored.layers] == [False, True]
    model.trainable = False
    assert not any(layer.trainable for layer in model.layers) and not model.trainable_weights


def test_compute_loss_is_the_public_extension_point():
    class CenteredOutputs(Sequential):
        """Trains its outputs towards zero mean, with no compiled loss at all."""

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            # x, y and y_pred are tensors, as Keras passes its backend's tensors
            assert isinstance(x, md.Tensor) and y_pred.shape == (len(x), 2)
            return md.mean(y_pred) ** 2

    model = CenteredOutputs([Dense(2, input_shape=(3,), bias_initializer="ones")])
    model.compile(optimizer=md.optimizers.SGD(0.05))
    x = np.ones((4, 3), np.float32)
    before = model.train_on_batch(x, np.zeros((4, 2)))
    model.fit(x, np.zeros((4, 2)), epochs=30, verbose=0)
    assert model.test_on_batch(x, np.zeros((4, 2))) < 1e-3 * before
    plain = linear_model()
    plain.compile(optimizer="sgd", loss="mse")
    assert plain.compute_loss(y=np.zeros((2, 1)), y_pred=md.Tensor(np.ones((2, 1)))).item() == 1


# ---- gradients after training ----------------------------------------------------------------

def test_a_training_step_leaves_no_gradient_behind():
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 2), np.float32)
    model = linear_model(2)
    model.compile(optimizer=md.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, y)
    assert all(w.grad is None for w in model.weights)
    model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert all(w.grad is None for w in model.weights)
    # A gradient left by the user's own backward() does not leak into the next step.
    twin = linear_model(2)
    twin.set_weights(model.get_weights())
    twin.compile(optimizer=md.optimizers.SGD(0.1), loss="mse")
    md.losses.MeanSquaredError()(y, model(x)).backward()
    model.train_on_batch(x, y)
    twin.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_zero_grad_forgets_the_gradients_of_a_layer_and_of_a_model():
    model = linear_model(2)
    loss = model(np.ones((2, 3))).sum()
    loss.backward()
    model.layers[0].zero_grad()
    assert model.layers[0].kernel.grad is None
    loss.backward()
    model.zero_grad()
    assert all(w.grad is None for w in model.weights)


def test_drawing_after_fit_shows_the_gradient_of_the_drawn_batch():
    """The demo's flow: fit, then one loss by hand, backward, draw. The drawn parameter
    gradients are those of that one batch, not a sum with fit's last step."""
    x, y, _ = blobs(n=64, dim=3, classes=2)
    model = Sequential([Dense(3, activation="tanh", input_shape=(3,)),
                        Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    loss = md.losses.CategoricalCrossentropy()(y[:4], model(x[:4]))
    loss.backward()
    source = md.draw_graph(loss).source

    fresh = Sequential([Dense(3, activation="tanh", input_shape=(3,)),
                        Dense(2, activation="softmax")])
    fresh.set_weights(model.get_weights())
    md.losses.CategoricalCrossentropy()(y[:4], fresh(x[:4])).backward()
    for drawn, reference in zip(model.weights, fresh.weights):
        np.testing.assert_allclose(drawn.grad, reference.grad, rtol=1e-5, atol=1e-8)
        if drawn.ndim == 1:                               # biases are drawn value by value
            listed = "[" + ", ".join(f"{v:.4g}" for v in drawn.grad) + "]"
            node = [line for line in source.splitlines() if f"<b>{drawn.name}</b>" in line]
            assert len(node) == 1 and f"| grad {listed}" in node[0]       # in its tooltip


def test_input_shape_errors_say_how_to_fix_the_data():
    model = Sequential([Dense(10, input_shape=(64,))])
    model.compile(optimizer="sgd", loss="mse")
    images = np.zeros((1797, 8, 8), np.float32)           # the digits, not flattened
    flatten = (r"received input with shape \(1797, 8, 8\)\. Each sample has shape \(8, 8\), "
               r"the same 64 values as the expected \(64,\): put a Flatten\(\) layer first, or "
               r"reshape the data with x\.reshape\(len\(x\), 64\)\.")
    for run in (lambda: model.predict(images, verbose=0), lambda: model(images),
                lambda: model.fit(images, np.zeros((1797, 10)), verbose=0),
                lambda: model.layers[0](images)):
        with pytest.raises(ValueError, match=flatten):
            run()
    one_sample = r"one sample without its batch axis: pass x\[None\] \(shape \(1, 64\)\)"
    for run in (lambda: model.predict(np.zeros(64), verbose=0),
                lambda: model.layers[0](np.zeros(64))):
        with pytest.raises(ValueError, match=one_sample):
            run()
    with pytest.raises(ValueError, match=r"no batch axis.*x\[None\].*x\[:, None\]"):
        Sequential([Dense(2)]).predict(np.zeros(5), verbose=0)     # not built yet
    with pytest.raises(ValueError, match=r"shape \(3, 63\)$"):       # no hint that fits
        model.predict(np.zeros((3, 63)), verbose=0)
