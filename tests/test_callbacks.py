"""Callbacks: each one's Keras 3 behaviour, driven with scripted logs and in real fits."""
import csv

import numpy as np
import pytest

import microdense as md
from microdense.callbacks import (Callback, CallbackList, CSVLogger, EarlyStopping, History,
                                  LambdaCallback, LearningRateScheduler, ModelCheckpoint,
                                  ReduceLROnPlateau, TerminateOnNaN)
from microdense.layers import Dense, reset_name_counters
from microdense.models import Sequential, load_model


@pytest.fixture(autouse=True)
def fresh_state():
    reset_name_counters()
    md.utils.set_random_seed(0)


class FakeModel:
    """Just what the monitoring callbacks touch: weights, stop_training, an optimizer, save."""

    def __init__(self):
        self.version = 0
        self.stop_training = False
        self.optimizer = md.optimizers.SGD(learning_rate=1.0)
        self.metrics = []
        self.saved = []

    def get_weights(self):
        return [np.array(self.version)]

    def set_weights(self, weights):
        self.version = int(weights[0])

    def save(self, filepath):
        self.saved.append(filepath)


def run_epochs(callback, values, key="val_loss", model=None):
    """Feed one monitored value per epoch; the fake model's weights are the epoch number.
    Returns the epochs run before the callback asked to stop."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        model.version = epoch
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {key: value})
        epochs += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return epochs, model


def small_problem(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    return x, y


def regression_model(learning_rate=0.01):
    model = Sequential([Dense(8, activation="tanh", input_shape=(3,)), Dense(1)])
    model.compile(optimizer=md.optimizers.SGD(learning_rate=learning_rate), loss="mse",
                  metrics=["mae"])
    return model


# ---- EarlyStopping -------------------------------------------------------------------------

def test_early_stopping_patience_and_restore():
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    epochs, model = run_epochs(stopper, [1.0, 0.9, 0.95, 0.96, 0.5])
    assert epochs == 4 and stopper.stopped_epoch == 3      # 2 epochs without improvement
    assert stopper.best == 0.9 and stopper.best_epoch == 1
    assert model.version == 1                              # the best epoch's weights are back


def test_early_stopping_min_delta_mode_baseline_and_warmup():
    epochs, _ = run_epochs(EarlyStopping(patience=1, min_delta=0.1), [1.0, 0.95, 0.7])
    assert epochs == 2                                     # 0.05 is not an improvement
    epochs, _ = run_epochs(EarlyStopping(monitor="val_acc", mode="max", patience=1),
                           [0.5, 0.6, 0.6], key="val_acc")
    assert epochs == 3
    # Patience restarts only when the baseline is beaten too (Keras's rule: an improvement
    # that misses the baseline neither stops training nor resets the count).
    assert run_epochs(EarlyStopping(patience=2), [1.0] * 5)[0] == 3
    assert run_epochs(EarlyStopping(patience=2, baseline=0.5), [1.0] * 5)[0] == 2
    assert run_epochs(EarlyStopping(patience=2, baseline=0.5), [1.0, 0.9, 0.8, 0.7])[0] == 4
    epochs, _ = run_epochs(EarlyStopping(patience=0, start_from_epoch=3), [1, 2, 3, 4, 5])
    assert epochs == 5                                     # epoch 3 sets best; 4 stops it
    epochs, _ = run_epochs(EarlyStopping(patience=0, start_from_epoch=3), [1, 2, 3, 4, 5, 6])
    assert epochs == 5


def test_early_stopping_auto_mode_and_missing_monitor():
    model = Sequential([Dense(2, activation="softmax", input_shape=(3,))])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    run_epochs(stopper, [0.5, 0.6], key="val_accuracy", model=model)
    assert stopper.monitor_op is md.ops.greater     # accuracy goes up (Keras: ops.greater)
    with pytest.warns(UserWarning, match="not available"):
        run_epochs(EarlyStopping(monitor="val_loss"), [0.5], key="loss")
    with pytest.raises(ValueError, match="mode='max'"):
        run_epochs(EarlyStopping(monitor="weird"), [0.5], key="weird")


@pytest.mark.parametrize("seed", range(10))
def test_early_stopping_in_fit_stops_on_a_flat_loss(seed):
    x, y = small_problem()
    md.utils.set_random_seed(seed)                         # the shuffle order, the weights
    model = regression_model(learning_rate=0.0)          # nothing changes: the loss is flat
    # With learning rate 0 the epoch loss still moves by an ulp or so, because each epoch's
    # shuffle sums the float32 batch losses in another order (how far differs between CPUs):
    # min_delta says how small a change is no change, so the stop never hangs on the last bit.
    stopper = EarlyStopping(monitor="loss", patience=3, min_delta=1e-4)
    history = model.fit(x, y, epochs=10, callbacks=[stopper], verbose=0)
    assert len(history.history["loss"]) == 4               # as Keras's docstring example


# ---- TerminateOnNaN, LambdaCallback, History ----------------------------------------------

def test_terminate_on_nan_stops_at_the_first_bad_batch(capsys):
    x, y = small_problem()
    y[5] = np.nan
    seen = []
    model = regression_model()
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(), LambdaCallback(
                            on_train_batch_end=lambda batch, logs: seen.append(batch))])
    assert seen == [0, 1] and len(history.epoch) == 1
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_raise_error_raises_before_on_train_end():
    # issue 24: Keras's TerminateOnNaN(raise_error=True) raises at once, so other callbacks'
    # on_train_end (a backup's cleanup) does not run.
    x, y = small_problem()
    y[5] = np.nan
    ended = []
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        regression_model().fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                               callbacks=[TerminateOnNaN(raise_error=True), LambdaCallback(
                                   on_train_end=lambda logs: ended.append(True))])
    assert ended == []
    assert TerminateOnNaN().raise_error is False


def test_monitor_callback_is_the_base_of_the_watching_callbacks():
    from microdense.callbacks import MonitorCallback
    assert all(issubclass(cls, MonitorCallback)
               for cls in (EarlyStopping, ReduceLROnPlateau, ModelCheckpoint))
    watcher = MonitorCallback(mode="max", min_delta=0.5)
    watcher._set_monitor_op()
    assert watcher.monitor_op is md.ops.greater
    assert watcher._is_improvement(0.75, 0) and watcher._is_improvement(0.5, None)
    assert not watcher._is_improvement(0.5, 0)
    with pytest.warns(UserWarning, match="ModelCheckpoint mode 'sideways' is unknown"):
        ModelCheckpoint("m.mdz", mode="sideways")


def test_reduce_lr_on_plateau_forgets_its_state_when_fit_starts_again():
    reducer = ReduceLROnPlateau(patience=1, cooldown=2)
    reducer.best, reducer.wait, reducer.cooldown_counter = 0.5, 3, 2
    reducer.on_train_begin()
    assert (reducer.best, reducer.wait, reducer.cooldown_counter) == (None, 0, 0)


def test_messages_go_to_logging_when_interactive_logging_is_off(capsys, caplog):
    x, y = small_problem()
    y[5] = np.nan
    md.config.disable_interactive_logging()
    try:
        with caplog.at_level("INFO", logger="microdense"):
            regression_model().fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                                   callbacks=[TerminateOnNaN()])
    finally:
        md.config.enable_interactive_logging()
    assert "Batch 1: Invalid loss, terminating training" in caplog.text
    assert "Invalid loss" not in capsys.readouterr().out
    with pytest.raises(ValueError, match="valid level for logging verbosity"):
        md.config.set_logging_verbosity("LOUD")


def test_lambda_callback_and_hook_order():
    x, y = small_problem(16)
    events = []
    callback = LambdaCallback(on_train_begin=lambda logs: events.append("train_begin"),
                              on_epoch_begin=lambda epoch, logs: events.append(f"e{epoch}"),
                              on_epoch_end=lambda epoch, logs: events.append(sorted(logs)),
                              on_train_end=lambda logs: events.append("train_end"))
    regression_model().fit(x, y, epochs=2, batch_size=8, validation_split=0.25,
                           callbacks=[callback], verbose=0)
    keys = ["loss", "mae", "val_loss", "val_mae"]
    assert events == ["train_begin", "e0", keys, "e1", keys, "train_end"]


def test_callback_base_hooks_and_list():
    class Counter(Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_batch_end(self, batch, logs=None):      # the legacy alias still fires
            self.batches += 1

    counter = Counter()
    assert counter.uses_batch_hooks() and not History().uses_batch_hooks()
    x, y = small_problem(16)
    model = regression_model()
    model.fit(x, y, batch_size=4, epochs=2, callbacks=CallbackList([counter], model=model,
                                                                   epochs=2, steps=4, verbose=0))
    assert counter.batches == 8 and counter.params["steps"] == 4


# ---- ModelCheckpoint -----------------------------------------------------------------------

def test_model_checkpoint_saves_only_improvements():
    checkpoint = ModelCheckpoint("best-{epoch:02d}.mdz", save_best_only=True)
    _, model = run_epochs(checkpoint, [1.0, 2.0, 0.5, 0.7])
    assert model.saved == ["best-01.mdz", "best-03.mdz"]
    checkpoint = ModelCheckpoint("every.mdz")
    _, model = run_epochs(checkpoint, [1.0, 2.0])
    assert model.saved == ["every.mdz", "every.mdz"]
    checkpoint = ModelCheckpoint("acc.mdz", monitor="val_acc", mode="max", save_best_only=True)
    _, model = run_epochs(checkpoint, [0.5, 0.4, 0.9], key="val_acc")
    assert len(model.saved) == 2


def test_model_checkpoint_in_fit_writes_a_loadable_best_model(tmp_path):
    x, y = small_problem()
    model = regression_model()
    path = tmp_path / "ckpt" / "best.mdz"
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[ModelCheckpoint(path, monitor="val_loss", save_best_only=True)])
    restored = load_model(path)
    assert restored.count_params() == model.count_params()
    assert [p.name for p in tmp_path.joinpath("ckpt").iterdir()] == ["best.mdz"]  # no temp


# ---- CSVLogger -----------------------------------------------------------------------------

def test_csv_logger_columns(tmp_path):
    x, y = small_problem()
    path = tmp_path / "log.csv"
    regression_model().fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                           callbacks=[CSVLogger(path)])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [row[0] for row in rows[1:]] == ["0", "1"] and len(rows) == 3
    float(rows[1][1])
    # Without validation, Keras still writes val_ columns (as NA); append adds rows only.
    regression_model().fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(path, append=True)])
    rows = list(csv.reader(open(path)))
    assert len(rows) == 4 and rows[3][0] == "0"
    other = tmp_path / "plain.csv"
    regression_model().fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(other)])
    rows = list(csv.reader(open(other)))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"] and rows[1][3:] == ["NA"] * 2


# ---- learning rate -------------------------------------------------------------------------

def test_learning_rate_scheduler_sets_the_optimizer_rate():
    x, y = small_problem(16)
    model = regression_model(learning_rate=0.1)
    seen = []
    record = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(
        float(model.optimizer.learning_rate)))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch, lr: lr * 0.5), record])
    assert seen == pytest.approx([0.05, 0.025, 0.0125])
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[LearningRateScheduler(lambda epoch: 0.001 * (epoch + 1))])  # old form
    assert float(model.optimizer.learning_rate) == pytest.approx(0.002)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e: "x")])


def test_reduce_lr_on_plateau_after_patience():
    reducer = ReduceLROnPlateau(factor=0.5, patience=2)
    assert (ReduceLROnPlateau().factor, ReduceLROnPlateau().patience,
            ReduceLROnPlateau().min_delta) == (0.1, 10, 1e-4)
    model = FakeModel()
    rates = []
    reducer.set_model(model)
    reducer.on_train_begin()
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 0.5]):
        logs = {"val_loss": value}
        reducer.on_epoch_end(epoch, logs)
        assert logs["learning_rate"] == (rates[-1] if rates else 1.0)   # the rate it began with
        rates.append(float(model.optimizer.learning_rate))
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]       # every 2 flat epochs
    reducer = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2, min_lr=0.3)
    _, model = run_epochs(reducer, [1.0] * 8)
    assert float(model.optimizer.learning_rate) == 0.3            # halved twice, floored at min_lr
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_on_plateau_multiplies_the_rate_by_factor_in_fit():
    """Keras's test_reduces_lr_with_model_fit, with a tolerance: the rate is float64 here, where
    0.1 * 0.1 is 0.010000000000000002 (Keras's float32 variable rounds it to 0.01)."""
    x, y = small_problem()
    model = regression_model()
    model.compile(optimizer=md.optimizers.Adam(0.1), loss="mse")
    reducer = ReduceLROnPlateau(patience=1, factor=0.1, monitor="val_loss", min_delta=100)
    model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[reducer])
    assert float(model.optimizer.learning_rate.value) == pytest.approx(0.01, rel=1e-12)
