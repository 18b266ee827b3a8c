"""Trace and replay (microdense/replay.py, compile(jit_compile=True)): the same numbers as
eager training, step after step, and a clear refusal where a replay would be wrong."""
import warnings

import numpy as np
import pytest

import microdense as md
from microdense.layers import Dense, Dropout
from microdense.models import Sequential
from microdense.replay import Replay, ReplayError


def make_model(jit_compile, hidden="tanh", output="sigmoid", loss="binary_crossentropy",
               optimizer="sgd", units=(2, 8, 8, 1), extra_layers=()):
    model = Sequential([Dense(units[1], activation=hidden, input_shape=(units[0],)),
                        *extra_layers,
                        Dense(units[2], activation=hidden),
                        Dense(units[3], activation=output)])
    model.compile(optimizer=optimizer, loss=loss, jit_compile=jit_compile)
    weights = np.random.default_rng(0)
    model.set_weights([weights.normal(size=w.shape).astype(np.float32) * 0.5
                       for w in model.get_weights()])
    return model


def batches(shape, targets, count=5, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        x = rng.normal(size=shape).astype(np.float32)
        if targets == "binary":
            y = rng.integers(0, 2, (shape[0], 1)).astype(np.float32)
        elif targets == "onehot":
            y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, shape[0])]
        else:
            y = rng.normal(size=(shape[0], 1)).astype(np.float32)
        yield x, y


@pytest.mark.parametrize("case", [
    dict(hidden="tanh", output="sigmoid", loss="binary_crossentropy", optimizer="sgd",
         units=(2, 8, 8, 1), targets="binary"),
    dict(hidden="relu", output="softmax", loss="categorical_crossentropy", optimizer="adam",
         units=(5, 8, 8, 4), targets="onehot"),
    dict(hidden="tanh", output=None, loss="mean_squared_error", optimizer="rmsprop",
         units=(3, 6, 6, 1), targets="real"),
], ids=["bce-sgd", "cce-adam", "mse-rmsprop"])
def test_replayed_training_gives_the_eager_numbers(case):
    targets = case.pop("targets")
    eager, replayed = make_model("auto", **case), make_model(True, **case)
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # a fallback to eager would warn
        for x, y in batches((16, case["units"][0]), targets):
            losses = [float(model.train_on_batch(x, y)) for model in (eager, replayed)]
            assert losses[0] == losses[1]
    for a, b in zip(eager.get_weights(), replayed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert replayed._replay_step.replays             # it did replay, not fall back


def test_fit_with_a_smaller_last_batch_traces_each_shape_and_matches_eager():
    eager, replayed = make_model("auto"), make_model(True)
    x, y = next(batches((37, 2), "binary"))
    logs = [model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]
            for model in (eager, replayed)]
    np.testing.assert_allclose(logs[1], logs[0], rtol=1e-6)
    assert len(replayed._replay_step.replays) == 2   # batches of 16 and of 5


def test_a_graph_with_a_dropout_mask_is_refused_and_trains_eagerly():
    model = make_model(True, extra_layers=(Dropout(0.5),))
    x, y = next(batches((16, 2), "binary"))
    with pytest.warns(UserWarning, match="constant array of shape .* not a declared input"):
        model.train_on_batch(x, y)
    assert np.isfinite(float(model.train_on_batch(x, y)))     # the next steps: eager, no warning


def test_an_op_without_a_kernel_is_refused_naming_it():
    x = md.Tensor(np.linspace(0.1, 1, 6, dtype=np.float32), requires_grad=True)
    with pytest.raises(ReplayError, match="op 'log' has no replay kernel"):
        Replay(md.log(x).sum())


def test_feeding_an_input_of_another_shape_is_refused():
    x = md.tensor.constant(np.ones((4, 3), np.float32))
    w = md.Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    replay = Replay(md.tanh(x @ w).sum(), inputs=[x])
    with pytest.raises(ReplayError, match=r"traced for an input of shape \(4, 3\).*\(5, 3\)"):
        replay.feed(x, np.ones((5, 3), np.float32))


def test_a_replayed_chain_follows_new_leaf_values_like_eager():
    x = md.Tensor(np.random.default_rng(0).normal(size=8).astype(np.float32),
                  requires_grad=True)

    def chain():
        h = x
        for i in range(30):
            h = md.tanh(h) if i % 3 == 0 else (h * 1.5 if i % 3 == 1 else h + 0.1)
        return (h ** 2.0).sum() / 3.0

    replay = Replay(chain())
    for step in range(3):
        x.data *= 0.9                                  # the weights change in place
        loss = chain()
        x.grad = None
        loss.backward()
        expected_loss, expected_grad = float(loss.data), x.grad.copy()
        assert replay.run() == expected_loss
        np.testing.assert_array_equal(x.grad, expected_grad)


def test_a_weight_given_a_new_array_is_noticed_and_traced_again():
    eager, replayed = make_model("auto"), make_model(True)
    data = list(batches((16, 2), "binary", count=4))
    for model in (eager, replayed):
        for x, y in data[:2]:
            model.train_on_batch(x, y)
        kernel = model.layers[0].kernel
        kernel.data = kernel.data * 0.5          # rebinds the array a trace would hold
        losses = [float(model.train_on_batch(x, y)) for x, y in data[2:]]
        model.final_losses = losses
    assert replayed.final_losses == eager.final_losses
    with pytest.raises(ReplayError, match="was given a new array"):
        x = md.Tensor(np.ones(3, np.float32), requires_grad=True)
        replay = Replay((x * 2.0).sum())
        x.data = np.zeros(3, np.float32)
        replay.run()
