"""The three bugs issue 13 found while running public Keras code on microdense."""
import numpy as np
import pytest

import microdense as keras
from microdense import registry, utils


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED_OBJECTS", {})
    monkeypatch.setattr(registry, "_REGISTERED_NAMES", {})


# ---- get_custom_objects().update(...) then load_model ------------------------------------

def test_load_model_after_plain_custom_objects_update(tmp_path, clean_registry):
    """Keras's documented registration adds a key without "package>": loading used to crash
    with an IndexError for every model, whether it used the function or not."""
    def my_swish(x):
        return x * keras.ops.sigmoid(x)

    keras.utils.get_custom_objects().update({"my_swish": my_swish})
    plain = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    plain.save(tmp_path / "plain.mdz")
    keras.models.load_model(tmp_path / "plain.mdz")              # raised IndexError

    uses_it = keras.Sequential([keras.layers.Dense(2, activation=my_swish, input_shape=(3,))])
    uses_it.save(tmp_path / "uses.mdz")
    loaded = keras.models.load_model(tmp_path / "uses.mdz")      # found by its plain name
    assert loaded.layers[-1].activation is my_swish
    x = np.ones((4, 3), np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), uses_it.predict(x, verbose=0))


def test_plain_keys_do_not_hide_registered_ones(clean_registry):
    @utils.register_keras_serializable(package="mine")
    def shifted(x):
        return x + 1.0

    keras.saving.get_custom_objects().update({"other": len})
    assert utils.get_registered_object("shifted") is shifted
    assert utils.get_registered_object("other") is len


# ---- callbacks always receive a logs dict ------------------------------------------------

class RecordLogs(keras.callbacks.Callback):
    """The keras.io callbacks guide's pattern: `keys = list(logs.keys())` in every hook."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def _record(self, hook, logs):
        self.seen.setdefault(hook, []).append(logs)
        list(logs.keys())                    # crashed on None

    def on_train_begin(self, logs=None): self._record("on_train_begin", logs)
    def on_train_end(self, logs=None): self._record("on_train_end", logs)
    def on_epoch_begin(self, epoch, logs=None): self._record("on_epoch_begin", logs)
    def on_epoch_end(self, epoch, logs=None): self._record("on_epoch_end", logs)
    def on_test_begin(self, logs=None): self._record("on_test_begin", logs)
    def on_test_end(self, logs=None): self._record("on_test_end", logs)
    def on_predict_begin(self, logs=None): self._record("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._record("on_predict_end", logs)
    def on_train_batch_begin(self, batch, logs=None): self._record("on_train_batch_begin", logs)
    def on_train_batch_end(self, batch, logs=None): self._record("on_train_batch_end", logs)
    def on_test_batch_begin(self, batch, logs=None): self._record("on_test_batch_begin", logs)
    def on_test_batch_end(self, batch, logs=None): self._record("on_test_batch_end", logs)
    def on_predict_batch_begin(self, batch, logs=None):
        self._record("on_predict_batch_begin", logs)
    def on_predict_batch_end(self, batch, logs=None): self._record("on_predict_batch_end", logs)


def test_every_hook_gets_a_dict():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    y = np.zeros((8, 1), np.float32)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    recorder = RecordLogs()
    model.fit(x, y, epochs=2, batch_size=4, validation_split=0.25, callbacks=[recorder],
              verbose=0)
    model.evaluate(x, y, callbacks=[recorder], verbose=0)
    model.predict(x, callbacks=[recorder], verbose=0)
    assert len(recorder.seen) == 14                    # every hook above was called
    for hook, logs in recorder.seen.items():
        assert all(isinstance(entry, dict) for entry in logs), hook
    assert "loss" in recorder.seen["on_epoch_end"][0]


# ---- targets broadcast against predictions as in Keras's arithmetic losses ---------------

@pytest.mark.filterwarnings("ignore::RuntimeWarning")      # the loss overflows, as in Keras
def test_early_stopping_docstring_example_runs_four_epochs():
    """keras.callbacks.EarlyStopping's docstring: y of shape (5,) against a (None, 10) output,
    batch_size=1. Keras runs it (4 epochs: the loss grows, patience 3)."""
    callback = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    model = keras.models.Sequential([keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(), loss="mse")
    history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5), epochs=10, batch_size=1,
                        callbacks=[callback], verbose=0)
    assert len(history.history["loss"]) == 4


def test_arithmetic_losses_broadcast_targets_like_numpy():
    y_pred = keras.Tensor(np.array([[0.5, 1.0, 2.0]], np.float32), requires_grad=True)
    loss = keras.losses.mean_squared_error(np.array([1.0], np.float32), y_pred)
    np.testing.assert_allclose(loss.data, [(0.25 + 0 + 1) / 3], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(y_pred.grad, [[-1 / 3, 0, 2 / 3]], rtol=1e-6)


def test_shapes_that_do_not_broadcast_still_fail_clearly():
    with pytest.raises(ValueError, match=r"\(5,\) and y_pred \(5, 10\), which do not broadcast"):
        keras.losses.mean_squared_error(np.zeros(5), np.zeros((5, 10)))
    with pytest.raises(ValueError, match="binary_crossentropy: y_true and y_pred must have the "
                                         "same shape"):
        keras.losses.binary_crossentropy(np.zeros(1), np.full((1, 10), 0.5))
