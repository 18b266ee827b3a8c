"""The compiled step (microdense/replay.py): for every training set-up below, compile's default
(jit_compile="auto") and jit_compile=True give the eager history and weights, and the step was
really replayed; where a set-up cannot be replayed, it trains eagerly (the same numbers) and
jit_compile=True says why, naming the file and line."""
import copy
import re
import warnings

import numpy as np
import pytest

import microdense as md
from microdense import callbacks, layers, losses, metrics, models, ops, optimizers, regularizers
from microdense.optimizers import schedules

RTOL = 1e-6


# ---- the set-ups ----------------------------------------------------------------------------

def features(n=48, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 6)).astype(np.float32)


def targets(kind, x):
    labels = (np.abs(x[:, 0] * 3).astype(int) + (x[:, 1] > 0)) % 3
    return {"onehot": np.eye(3, dtype=np.float32)[labels],
            "sparse": labels,
            "binary": (x[:, :1] > 0).astype(np.float32),
            "signed": np.where(x[:, :1] > 0, 1.0, -1.0).astype(np.float32),
            "positive": np.abs(x[:, :1]) + 0.1,
            "regression": x[:, :1] * 2 - x[:, 1:2], "two heads": None}[kind]


def mlp(outputs=3, activation="softmax", hidden="relu", extra=(), **dense):
    """A fresh model each call (layers hold state: never share them between two runs)."""
    def build():
        return models.Sequential([layers.Input((6,)), layers.Dense(8, activation=hidden, **dense),
                                  *[make() for make in extra],
                                  layers.Dense(outputs, activation=activation)])
    return build


def batch_statistic_loss(y_true, y_pred):
    """A custom loss dividing by a statistic of its batch (replay must recompute it)."""
    return ops.mean(ops.square(y_true - y_pred), axis=-1) / ops.mean(ops.square(y_true))


def frozen_first_layer():
    model = mlp()()
    model.layers[0].trainable = False
    return model


def two_inputs_two_outputs():
    """A functional model: two inputs concatenated, a class head and a regression head."""
    a, b = layers.Input((4,), name="a"), layers.Input((2,), name="b")
    h = layers.Dense(8, activation="relu")(layers.concatenate([a, b]))
    return models.Model([a, b], [layers.Dense(3, activation="softmax", name="classes")(h),
                                 layers.Dense(1, name="value")(h)])


class FreezeFirstLayer(callbacks.Callback):
    """Freezes the first Dense during fit: the replay must follow (its L2 penalty goes)."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            self.model.layers[0].trainable = False


SETUPS = {
    # name: (build, target kind, compile kwargs, fit kwargs)
    "sgd": (mlp(), "onehot", dict(optimizer="sgd", loss="categorical_crossentropy"), {}),
    "sgd momentum nesterov": (mlp(), "onehot", dict(
        optimizer=optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        loss="categorical_crossentropy"), {}),
    "adam": (mlp(), "onehot", dict(optimizer="adam", loss="categorical_crossentropy"), {}),
    "adamw": (mlp(), "onehot", dict(optimizer=optimizers.AdamW(0.01),
                                    loss="categorical_crossentropy"), {}),
    "rmsprop": (mlp(1, None), "regression", dict(optimizer="rmsprop", loss="mse"), {}),
    "adagrad": (mlp(1, None), "regression", dict(optimizer="adagrad", loss="mae"), {}),
    "exponential decay": (mlp(), "onehot", dict(
        optimizer=optimizers.SGD(schedules.ExponentialDecay(0.1, 3, 0.5)),
        loss="categorical_crossentropy"), {}),
    "cosine decay adam": (mlp(), "onehot", dict(
        optimizer=optimizers.Adam(schedules.CosineDecay(0.01, 10)),
        loss="categorical_crossentropy"), {}),
    "sparse cce": (mlp(), "sparse", dict(optimizer="adam",
                                         loss="sparse_categorical_crossentropy"), {}),
    "sparse cce from logits": (mlp(3, None), "sparse", dict(
        optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True)), {}),
    "cce from logits": (mlp(3, None), "onehot", dict(
        optimizer="adam", loss=losses.CategoricalCrossentropy(from_logits=True)), {}),
    "label smoothing": (mlp(), "onehot", dict(
        optimizer="adam", loss=losses.CategoricalCrossentropy(label_smoothing=0.1)), {}),
    "bce": (mlp(1, "sigmoid"), "binary", dict(optimizer="adam", loss="binary_crossentropy",
                                              metrics=["accuracy"]), {}),
    "bce from logits, smoothing": (mlp(1, None), "binary", dict(
        optimizer="adam", loss=losses.BinaryCrossentropy(from_logits=True,
                                                         label_smoothing=0.2)), {}),
    "huber": (mlp(1, None), "regression", dict(optimizer="adam", loss="huber"), {}),
    "mape and msle": (mlp(1, "softplus"), "positive", dict(
        optimizer="adam", loss="mean_absolute_percentage_error", metrics=["msle"]), {}),
    "kld and poisson": (mlp(3, "softmax"), "onehot", dict(
        optimizer="adam", loss="kl_divergence", metrics=["poisson"]), {}),
    "hinge": (mlp(1, "tanh"), "binary", dict(optimizer="adam", loss="hinge"), {}),
    "squared hinge, signed labels": (mlp(1, "tanh"), "signed", dict(
        optimizer="adam", loss="squared_hinge"), {}),
    "custom loss reading batch statistics": (mlp(1, None), "regression", dict(
        optimizer="adam", loss=batch_statistic_loss), {}),
    "l1 l2 regularizers": (mlp(kernel_regularizer=regularizers.L1L2(0.01, 0.01),
                               bias_regularizer="l2"), "onehot",
                           dict(optimizer="adam", loss="categorical_crossentropy"), {}),
    "activity regularizer": (mlp(activity_regularizer=regularizers.L2(0.01)), "onehot",
                             dict(optimizer="adam", loss="categorical_crossentropy"), {}),
    "dropout": (mlp(extra=(lambda: layers.Dropout(0.5),)), "onehot",
                dict(optimizer="adam", loss="categorical_crossentropy",
                     metrics=["accuracy"]), {}),
    "dropout, batch size 1": (mlp(extra=(lambda: layers.Dropout(0.3),)), "onehot",
                              dict(optimizer="adam", loss="categorical_crossentropy"),
                              dict(batch_size=1, epochs=1)),
    "batch normalization": (mlp(extra=(layers.BatchNormalization,)), "onehot",
                            dict(optimizer="adam", loss="categorical_crossentropy"), {}),
    "batch renormalization": (mlp(extra=(lambda: layers.BatchNormalization(
        renorm=True, renorm_clipping={"rmax": 1.5, "rmin": 0.5, "dmax": 0.5},
        renorm_momentum=0.9),)), "onehot",
        dict(optimizer="adam", loss="categorical_crossentropy"), {}),
    "batch size 7 (a short last batch)": (mlp(), "onehot", dict(
        optimizer="adam", loss="categorical_crossentropy"), dict(batch_size=7)),
    "full batch": (mlp(), "onehot", dict(optimizer="adam", loss="categorical_crossentropy"),
                   dict(batch_size=48, epochs=5)),
    "class weights": (mlp(), "sparse", dict(optimizer="adam",
                                            loss="sparse_categorical_crossentropy",
                                            metrics=["accuracy"]),
                      dict(class_weight={0: 1.0, 1: 3.0, 2: 0.5})),
    "sample weights": (mlp(1, None), "regression", dict(optimizer="adam", loss="mse"),
                       dict(sample_weight=np.linspace(0.1, 2, 48).astype(np.float32))),
    "metrics incl. AUC": (mlp(1, "sigmoid"), "binary", dict(
        optimizer="adam", loss="binary_crossentropy",
        metrics=[metrics.AUC(), metrics.Precision(), metrics.Recall(), "accuracy"]), {}),
    "learning-rate callbacks": (mlp(), "onehot", dict(optimizer="adam",
                                                      loss="categorical_crossentropy"),
                                dict(callbacks=[callbacks.LearningRateScheduler(
                                    lambda epoch, lr: lr * 0.5),
                                    callbacks.ReduceLROnPlateau(patience=0)])),
    "a layer frozen during fit": (mlp(kernel_regularizer=regularizers.L2(0.1)), "onehot",
                                  dict(optimizer="adam", loss="categorical_crossentropy"),
                                  dict(callbacks=[FreezeFirstLayer()])),
    "msle": (mlp(1, "softplus"), "positive", dict(optimizer="adam",
                                                  loss="mean_squared_logarithmic_error"), {}),
    "poisson": (mlp(1, "softplus"), "positive", dict(optimizer="adam", loss="poisson"), {}),
    "kernel constraints": (mlp(kernel_constraint=md.constraints.MaxNorm(0.5)), "onehot",
                           dict(optimizer="sgd", loss="categorical_crossentropy"), {}),
    "a layer frozen before compile": (frozen_first_layer, "onehot", dict(
        optimizer="adam", loss="categorical_crossentropy"), {}),
    "two inputs, two outputs": (two_inputs_two_outputs, "two heads", dict(
        optimizer="adam", loss=["categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
        metrics=[["accuracy"], ["mae"]]), {}),
    "tanh and validation": (mlp(hidden="tanh"), "onehot", dict(
        optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"]),
        dict(validation_split=0.25)),
}


def train(setup, jit_compile):
    build, kind, compile_kwargs, fit_kwargs = copy.deepcopy(setup)   # optimizers have state
    md.utils.set_random_seed(7)
    model = build()
    x = features()
    y = targets(kind, x)
    if kind == "two heads":
        x, y = [x[:, :4], x[:, 4:]], [targets("onehot", x), targets("regression", x)]
    model.compile(**compile_kwargs, jit_compile=jit_compile)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, y, **{"batch_size": 16, "epochs": 3, "verbose": 0,
                                     "shuffle": True, **fit_kwargs})
    replay_warnings = [w for w in caught if "cannot be replayed" in str(w.message)]
    return model, history.history, replay_warnings


def assert_same_training(eager, other):
    (model_a, history_a, _), (model_b, history_b, _) = eager, other
    assert history_a.keys() == history_b.keys()
    for name in history_a:
        np.testing.assert_allclose(history_b[name], history_a[name], rtol=RTOL, atol=1e-7,
                                   err_msg=name)
    for a, b in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=1e-7)


@pytest.mark.parametrize("name", SETUPS)
def test_the_compiled_step_gives_the_eager_numbers_and_replays(name):
    eager = train(SETUPS[name], jit_compile=False)
    assert eager[0]._compiled_step is None
    for jit_compile in ("auto", True):
        compiled = train(SETUPS[name], jit_compile=jit_compile)
        assert_same_training(eager, compiled)
        step = compiled[0]._compiled_step
        assert step.refused is None, step.refused
        assert step.replayed_steps > 0                 # it did replay, not fall back
        assert not compiled[2]                         # and said nothing


def test_there_are_at_least_30_setups():
    assert len(SETUPS) >= 30


# ---- set-ups that cannot be replayed: eager numbers, and (with True) one warning -------------

def python_if_loss(y_true, y_pred):
    """A Python `if` on a value of the step: a replay would keep the branch it recorded."""
    error = ops.mean(ops.square(y_true - y_pred), axis=-1)
    if ops.mean(error) > 1.0:
        return error * 0.5
    return error


def item_loss(y_true, y_pred):
    """A value read into Python with float(): the replay could not follow it."""
    scale = float(ops.mean(ops.square(y_true)))
    return ops.mean(ops.square(y_true - y_pred), axis=-1) / scale


def hidden_read_loss(y_true, y_pred):
    """Reads .data directly, which no hook sees: the proof against eager catches it."""
    scale = float(np.mean(y_true.data ** 2))
    return ops.mean(ops.square(y_true - y_pred), axis=-1) / scale


def custom_op_activation(x):
    """A user primitive (md.custom_op): its forward is not a record a replay can rerun."""
    def backward(g):
        return (g * np.cos(x.data),)
    return md.custom_op(np.sin(x.data), (x,), backward, "sin")


NOT_REPLAYABLE = {
    # name: (set-up, what the warning says)
    "an if on a value": ((mlp(1, None), "regression", dict(optimizer="adam",
                                                           loss=python_if_loss), {}),
                         r"bool\(tensor\).*test_replay.py:\d+"),
    "float() of a value": ((mlp(1, None), "regression", dict(optimizer="adam",
                                                             loss=item_loss), {}),
                           r"float\(tensor\).*test_replay.py:\d+"),
    "a .data read the hooks miss": ((mlp(1, None), "regression",
                                     dict(optimizer="adam", loss=hidden_read_loss), {}),
                                    r"differs from eager: op 'div'"),
    "md.custom_op": ((mlp(1, None, hidden=custom_op_activation), "regression",
                      dict(optimizer="adam", loss="mse"), {}), r"op 'sin'.*custom_op"),
}


@pytest.mark.parametrize("name", NOT_REPLAYABLE)
def test_what_cannot_be_replayed_trains_eagerly_with_one_warning(name):
    setup, says = NOT_REPLAYABLE[name]
    eager = train(setup, jit_compile=False)
    silent = train(setup, jit_compile="auto")
    loud = train(setup, jit_compile=True)
    for compiled in (silent, loud):
        assert_same_training(eager, compiled)
        assert compiled[0]._compiled_step.refused is not None
    assert not silent[2]
    assert len(loud[2]) == 1
    assert re.search(says, str(loud[2][0].message)), str(loud[2][0].message)


def test_run_eagerly_and_jit_false_never_replay():
    for kwargs in (dict(run_eagerly=True), dict(jit_compile=False)):
        model = mlp()()
        model.compile(optimizer="adam", loss="categorical_crossentropy", **kwargs)
        assert model._compiled_step is None


def test_compile_refuses_an_unknown_jit_compile():
    model = mlp()()
    with pytest.raises(ValueError, match="jit_compile must be True, False or 'auto'"):
        model.compile(optimizer="adam", loss="mse", jit_compile="yes")


# ---- the program itself ---------------------------------------------------------------------

def test_metrics_receive_each_steps_own_predictions():
    """A metric that keeps its y_pred arrays sees different arrays for different batches."""
    kept = []

    def keeper(y_true, y_pred):
        kept.append(np.asarray(y_pred))
        return ops.mean(y_pred, axis=-1) * 0.0

    model = mlp()()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=[keeper])
    x = features()
    model.fit(x, targets("onehot", x), batch_size=16, epochs=2, verbose=0, shuffle=False)
    assert model._compiled_step.replayed_steps > 0
    assert not any(a is b for i, a in enumerate(kept) for b in kept[i + 1:])
    assert not np.array_equal(kept[0], kept[3])       # same batch, one epoch later: trained


def test_replay_reads_weights_given_new_arrays():
    """`w.data = ...` between steps: the replay reads the new array, as eager does."""
    runs = []
    for jit_compile in (False, "auto"):
        md.utils.set_random_seed(3)
        model = mlp()()
        model.compile(optimizer="sgd", loss="categorical_crossentropy", jit_compile=jit_compile)
        x = features()
        y = targets("onehot", x)
        losses_seen = []
        for step in range(6):
            if step == 4:
                kernel = model.layers[0].kernel
                kernel.data = np.full_like(kernel.data, 0.1)
            losses_seen.append(float(model.train_on_batch(x[:16], y[:16])))
        runs.append(losses_seen)
    np.testing.assert_allclose(runs[1], runs[0], rtol=RTOL)


def test_a_recorded_program_replays_a_plain_tensor_graph():
    from microdense import recording
    from microdense.replay import Program, Tape
    x = md.Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    w = md.Tensor(np.ones((3, 2)), requires_grad=True)
    tape = Tape()
    with recording.taping(tape):
        loss = md.tanh(x @ w).sum()
    program = Program(tape, [], loss, [])
    loss.backward()
    values, grads = program.run([], [x, w])
    assert values[program.loss] == loss.data
    np.testing.assert_array_equal(grads[0], x.grad)
    np.testing.assert_array_equal(grads[1], w.grad)
    w.data *= 2                                         # a new value, read at the next run
    values, _ = program.run([], [x, w])
    assert values[program.loss] == md.tanh(x @ w).sum().data


@pytest.mark.parametrize("kwargs", [dict(jit_compile=False), dict(jit_compile=True),
                                    dict(run_eagerly=True), {}])
def test_load_model_keeps_how_the_step_runs(tmp_path, kwargs):
    model = mlp()()
    model.compile(optimizer="adam", loss="categorical_crossentropy", **kwargs)
    model.save(tmp_path / "m.keras")
    restored = md.models.load_model(tmp_path / "m.keras")
    assert (restored.jit_compile, restored.run_eagerly) == (model.jit_compile, model.run_eagerly)
    assert (restored._compiled_step is None) == (model._compiled_step is None)


def test_auto_trains_eagerly_where_replaying_is_not_faster(monkeypatch):
    """The proof steps time both ways; "auto" keeps the faster (the numbers are the same)."""
    from microdense import replay
    monkeypatch.setattr(replay, "SLOWER_BY", 0.0)          # as if replaying never paid
    eager = train(SETUPS["adam"], jit_compile=False)
    auto, forced = train(SETUPS["adam"], jit_compile="auto"), train(SETUPS["adam"], True)
    assert_same_training(eager, auto)
    assert auto[0]._compiled_step.replayed_steps == 0 and auto[0]._compiled_step.refused is None
    assert forced[0]._compiled_step.replayed_steps > 0    # True replays all the same
