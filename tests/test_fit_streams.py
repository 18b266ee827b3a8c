"""Issue 13 item 7: fit on generators (steps_per_epoch), steps_per_epoch on arrays as Keras
counts it, validation and evaluation from generators, to_json / model_from_json, and 1-D
inputs for a model declared with input_shape=(1,)."""
import json
import warnings

import numpy as np
import pytest

import microdense as md
from microdense.layers import Dense, Input
from microdense.models import Sequential, model_from_json


def regression(units=1, inputs=4):
    md.utils.set_random_seed(0)
    model = Sequential([Input((inputs,)), Dense(units)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def endless_batches(counter, batch=8):
    rng = np.random.default_rng(0)
    while True:
        counter.append(1)
        x = rng.normal(size=(batch, 4)).astype("float32")
        yield x, x.sum(axis=1, keepdims=True)


def test_fit_on_a_generator_takes_steps_per_epoch_batches_each_epoch():
    model, drawn = regression(), []
    before = model.get_weights()[0].copy()
    history = model.fit(endless_batches(drawn), steps_per_epoch=5, epochs=3, verbose=0)
    assert len(drawn) == 15 and len(history.history["loss"]) == 3
    assert not np.allclose(model.get_weights()[0], before)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_finite_iterable_is_one_epoch_and_running_out_warns_and_stops():
    rng = np.random.default_rng(1)
    batches = [(rng.normal(size=(4, 4)), rng.normal(size=(4, 1))) for _ in range(6)]
    model = regression()
    history = model.fit(iter(batches), epochs=1, verbose=0)        # no steps: until it ends
    assert len(history.history["loss"]) == 1
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(iter(batches), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 2            # 4 batches, then 2, then it ended


def test_steps_per_epoch_on_arrays_counts_batches_as_keras():
    x = np.random.default_rng(2).normal(size=(40, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    seen = []

    class CountBatches(md.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(0)

        def on_train_batch_end(self, batch, logs=None):
            seen[-1] += 1

    # 40 samples in batches of 8 make 5 per pass; epochs of 3: 3, then the 2 left (Keras
    # warns the input ran out), then a new pass: 3.
    with pytest.warns(UserWarning, match="ran out of data"):
        regression().fit(x, y, batch_size=8, steps_per_epoch=3, epochs=3, verbose=0,
                         callbacks=[CountBatches()])
    assert seen == [3, 2, 3]
    seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # a whole pass per epoch: no warning
        regression().fit(x, y, batch_size=8, steps_per_epoch=5, epochs=2, verbose=0,
                         callbacks=[CountBatches()])
    assert seen == [5, 5]


def test_validation_and_evaluation_from_generators():
    model = regression()
    history = model.fit(endless_batches([]), steps_per_epoch=3, epochs=2, verbose=0,
                        validation_data=endless_batches([]), validation_steps=2)
    assert len(history.history["val_loss"]) == 2
    drawn = []
    loss = model.evaluate(endless_batches(drawn), steps=4, verbose=0)
    assert len(drawn) == 4 and np.isfinite(loss)
    x = np.random.default_rng(3).normal(size=(8, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    assert np.isclose(model.evaluate([(x, y)].__iter__(), verbose=0),
                      model.evaluate(x, y, verbose=0), rtol=1e-5)


def test_generator_arguments_that_cannot_apply_say_why():
    model = regression()
    with pytest.raises(ValueError, match="`y` argument is not supported when using a generator"):
        model.fit(endless_batches([]), np.ones((8, 1)), steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(endless_batches([]), steps_per_epoch=1, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"must be a tuple \(x, y\)"):
        model.fit(iter([np.ones((2, 4))]), verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(endless_batches([]), steps_per_epoch=0, verbose=0)


def test_to_json_and_model_from_json_round_trip_the_architecture():
    model = Sequential([Input((4,)), Dense(3, activation="relu", name="hidden"),
                        Dense(2, activation="softmax")])
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    again = model_from_json(text)
    assert [layer.name for layer in again.layers] == [layer.name for layer in model.layers]
    assert again.get_config() == model.get_config()
    assert [w.shape for w in again.weights] == [w.shape for w in model.weights]
    assert md.models.model_from_json(model.to_json(indent=2)).count_params() == 23
    with pytest.raises(ValueError, match="could not parse"):
        model_from_json("{not json")
    hostile = json.loads(text)
    hostile["config"]["layers"] = {"not": "a list"}
    with pytest.raises(ValueError, match=r'corrupt or hostile.*"config"\["layers"\]'):
        model_from_json(json.dumps(hostile))


def test_one_dimensional_inputs_gain_their_feature_axis_for_input_shape_1():
    celsius = np.array([-40, -10, 0, 8, 15, 22, 38], dtype=float)
    fahrenheit = celsius * 1.8 + 32
    md.utils.set_random_seed(0)
    model = Sequential([Dense(units=1, input_shape=[1])])
    model.compile(loss="mean_squared_error", optimizer=md.optimizers.Adam(0.1))
    model.fit(celsius, fahrenheit, epochs=300, verbose=0)
    assert model.predict(np.array([100.0]), verbose=0).shape == (1, 1)
    assert abs(model.predict(np.array([100.0]), verbose=0)[0, 0] - 212) < 5
    assert model(np.array([1.0, 2.0])).shape == (2, 1)
    with pytest.raises(ValueError):
        Sequential([Input((3,)), Dense(1)]).predict(np.ones(3), verbose=0)   # (3,) is not (n, 3)
