"""microdense against Keras 3's own numbers for issue 13's coverage: learning-rate schedules,
keras.ops values and gradients, the new metrics, losses on broadcasting targets, training with
schedules and constraints, and fit/evaluate with the new metrics.

The numbers come from tools/keras_reference_coverage.py (Keras 3 on JAX, run once offline; the
versions are in the JSON). Every case in the JSON becomes a test named after it."""
import json
import math
import os

import numpy as np
import pytest

import microdense as md
from microdense import ops

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "data", "keras_reference_coverage.json")) as _f:
    REFERENCE = json.load(_f)
with np.load(os.path.join(HERE, "data", "keras_reference_coverage.npz"),
             allow_pickle=False) as _npz:
    ARRAYS = {key: _npz[key] for key in _npz.files}
CASES = REFERENCE["cases"]
STEPS = 15
BATCHES = [[0, 10], [10, 16]]


def cases_of(kind, where=lambda case: True):
    found = [case for case in CASES if case["kind"] == kind and where(case)]
    assert found, f"no {kind} cases in the reference file"
    return pytest.mark.parametrize("case", found, ids=[case["id"] for case in found])


def close(actual, expected, rtol=1e-5, atol=1e-6, what=""):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64),
                               rtol=rtol, atol=atol, err_msg=what)


def test_reference_was_made_by_keras_3():
    assert REFERENCE["versions"]["keras"].startswith("3.")
    assert REFERENCE["versions"]["backend"] == "jax"


# ---- schedules -------------------------------------------------------------------------------

@cases_of("schedule")
def test_schedule_values(case):
    schedule = md.optimizers.schedules.deserialize(
        {"class_name": case["class_name"], "config": case["config"]})
    values = [schedule(step) for step in range(100)]
    # atol: Keras computes in float32, so 1 + cos(pi t) near its zero is off by ~1e-9.
    close(values, ARRAYS[case["id"] + ".values"], rtol=2e-6, atol=1e-8)
    # The config is Keras's (same keys, same values), so saved configs travel both ways.
    assert schedule.get_config() == case["keras_config"]


# ---- ops -------------------------------------------------------------------------------------

def _input(name):
    return ARRAYS["input." + name]


def _op_call(case, tensors=None):
    tensors = tensors or {}
    def value(name):
        return tensors.get(name, _input(name))
    args = [[value(n) for n in name] if isinstance(name, list) else value(name)
            for name in case["inputs"]]
    kwargs = {k: (_input(v) if isinstance(v, str) and "input." + v in ARRAYS else v)
              for k, v in case["kwargs"].items()}
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    out = getattr(ops, case["op"])(*args, **kwargs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


@cases_of("op")
def test_op_values(case):
    outputs = _op_call(case)
    assert len(outputs) == case["outputs"]
    for i, out in enumerate(outputs):
        expected = ARRAYS[f"{case['id']}.out{i}"]
        actual = np.asarray(getattr(out, "data", out))
        assert actual.shape == expected.shape, (case["id"], actual.shape, expected.shape)
        if expected.dtype.kind in "biu":
            np.testing.assert_array_equal(actual, expected, err_msg=case["id"])
        else:
            close(actual, expected, what=case["id"])
            if case["grad"] and isinstance(out, md.Tensor):
                assert out.dtype == np.float32, f"{case['id']} gave {out.dtype}"


@cases_of("op", where=lambda case: case["grad"])    # the others Keras cannot differentiate
def test_op_gradients(case):
    tensors = {name: md.Tensor(_input(name), requires_grad=True) for name in case["grad_inputs"]}
    outputs = _op_call(case, tensors)
    total = None
    for i, out in enumerate(outputs):
        if not isinstance(out, md.Tensor) or out.dtype.kind != "f":
            continue                      # top_k's indices: no gradient
        term = (out * ARRAYS[f"{case['id']}.cotangent{i}"]).sum()
        total = term if total is None else total + term
    total.backward()
    for name, tensor in tensors.items():
        expected = ARRAYS[f"{case['id']}.grad.{name}"]
        grad = tensor.grad if tensor.grad is not None else np.zeros_like(expected)
        close(grad, expected, rtol=1e-4, atol=1e-5, what=f"{case['id']} d/d{name}")


# ---- metrics ---------------------------------------------------------------------------------

@cases_of("metric")
def test_metric_values(case):
    data = lambda key: ARRAYS["metric_data." + key]    # noqa: E731
    metric = getattr(md.metrics, case["class_name"])(**case["kwargs"])
    for batch, after in enumerate(("after1", "after2")):
        weight = data("weights")[batch] if case["weighted"] else None
        metric.update_state(data(case["y_true"])[batch], data(case["y_pred"])[batch],
                            sample_weight=weight)
        close(metric.result(), ARRAYS[f"{case['id']}.{after}"], rtol=1e-5, atol=1e-6,
              what=f"{case['id']} {after}")
    metric.reset_state()
    close(metric.result(), ARRAYS[f"{case['id']}.reset"], what=f"{case['id']} reset")


@cases_of("metric")
def test_metric_config_round_trip(case):
    metric = getattr(md.metrics, case["class_name"])(**case["kwargs"])
    rebuilt = md.metrics.deserialize(md.metrics.serialize(metric))
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == metric.get_config()


# ---- losses on broadcasting targets ----------------------------------------------------------

@cases_of("loss")
def test_loss_broadcasts_targets_like_keras(case):
    y_true = ARRAYS["loss_data." + case["y_true"]]
    y_pred = md.Tensor(ARRAYS["loss_data." + case["y_pred"]], requires_grad=True)
    values = getattr(md.losses, case["loss"])(y_true, y_pred)
    close(values.data, ARRAYS[case["id"] + ".values"], rtol=1e-5, what=case["id"])
    md.ops.mean(values).backward()
    close(y_pred.grad, ARRAYS[case["id"] + ".grad"], rtol=1e-4, atol=1e-7, what=case["id"])


# ---- training with schedules and constraints -------------------------------------------------

def _optimizer(spec):
    kwargs = {k: v for k, v in spec.items() if k != "class"}
    if isinstance(kwargs["learning_rate"], dict):
        kwargs["learning_rate"] = md.optimizers.schedules.deserialize(kwargs["learning_rate"])
    return getattr(md.optimizers, spec["class"])(**kwargs)


def _constraints(layer_spec):
    return {k: md.constraints.deserialize(v) for k, v in layer_spec.items()}


def _train_model(case):
    model = md.Sequential([
        md.Input(shape=(5,)),
        md.layers.Dense(8, activation="tanh", **_constraints(case["layers"][0])),
        md.layers.Dense(3, activation="softmax", **_constraints(case["layers"][1]))])
    model.compile(optimizer=_optimizer(case["optimizer"]), loss="categorical_crossentropy")
    model.set_weights([ARRAYS[f"train_data.w0.{i}"] for i in range(4)])
    return model


@cases_of("train")
def test_training_matches_keras(case):
    model = _train_model(case)
    x, y = ARRAYS["train_data.x"], ARRAYS["train_data.y_onehot"]
    losses, learning_rates = [], []
    for step in range(STEPS):
        lo, hi = BATCHES[step % 2]
        learning_rates.append(model.optimizer.learning_rate)
        losses.append(model.train_on_batch(x[lo:hi], y[lo:hi]))
    close(learning_rates, ARRAYS[case["id"] + ".learning_rate"], rtol=2e-6, what="lr")
    close(losses, ARRAYS[case["id"] + ".loss"], rtol=1e-4, what="losses")
    for i, weight in enumerate(model.get_weights()):
        close(weight, ARRAYS[f"{case['id']}.w15.{i}"], rtol=1e-4, atol=1e-6,
              what=f"weight {i}")


@cases_of("train")
def test_schedules_and_constraints_survive_save_and_load(case, tmp_path):
    """Train 7 steps, save, load, train 8 more: the same weights as 15 steps in one go (the
    schedule resumes from the saved iterations; the constraints are in the layer configs)."""
    x, y = ARRAYS["train_data.x"], ARRAYS["train_data.y_onehot"]
    model = _train_model(case)
    for step in range(STEPS):
        if step == 7:
            model.save(tmp_path / "model.mdz")
            model = md.models.load_model(tmp_path / "model.mdz")
        lo, hi = BATCHES[step % 2]
        model.train_on_batch(x[lo:hi], y[lo:hi])
    for i, weight in enumerate(model.get_weights()):
        close(weight, ARRAYS[f"{case['id']}.w15.{i}"], rtol=1e-4, atol=1e-6,
              what=f"weight {i}")


# ---- fit / evaluate with the new metrics -----------------------------------------------------

def _w0():
    return [ARRAYS[f"train_data.w0.{i}"] for i in range(4)]


@cases_of("fit")
def test_fit_logs_the_new_metrics_as_keras(case):
    w = _w0()
    model = md.Sequential([md.Input(shape=(5,)), md.layers.Dense(8, activation="tanh"),
                           md.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=md.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=[md.metrics.AUC(), md.metrics.Precision(), md.metrics.Recall(),
                           "accuracy"])
    model.set_weights([w[0], w[1], w[2][:, :1], w[3][:1]])
    history = model.fit(ARRAYS["train_data.x"], ARRAYS["train_data.y_binary"], epochs=3,
                        batch_size=6, shuffle=False, verbose=0)
    assert sorted(history.history) == case["keys"]
    for key in case["keys"]:
        close(history.history[key], ARRAYS[f"{case['id']}.hist.{key}"], rtol=1e-4, what=key)


@cases_of("evaluate")
def test_evaluate_with_top_k_and_rmse(case):
    model = md.Sequential([md.Input(shape=(5,)), md.layers.Dense(8, activation="tanh"),
                           md.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  metrics=[md.metrics.TopKCategoricalAccuracy(k=2),
                           md.metrics.RootMeanSquaredError()])
    model.set_weights(_w0())
    results = model.evaluate(ARRAYS["train_data.x"], ARRAYS["train_data.y_onehot"],
                             batch_size=5, verbose=0, return_dict=True)
    assert sorted(results) == case["keys"]
    for key in case["keys"]:
        close(results[key], ARRAYS[f"{case['id']}.{key}"], rtol=1e-5, what=key)


@cases_of("early_stopping")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")       # the loss overflows, in Keras too
def test_early_stopping_docstring_example(case):
    model = md.models.Sequential([md.layers.Dense(10)])
    model.compile(md.optimizers.SGD(), loss="mse")
    model.build((None, 20))
    model.set_weights([ARRAYS[case["id"] + ".w0.0"], np.zeros(10, np.float32)])
    history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5), epochs=10, batch_size=1,
                        callbacks=[md.callbacks.EarlyStopping(monitor="loss", patience=3)],
                        verbose=0, shuffle=False)
    expected = ARRAYS[case["id"] + ".loss"]
    assert len(history.history["loss"]) == len(expected) == 4
    finite = [math.isfinite(v) for v in expected]
    assert [math.isfinite(v) for v in history.history["loss"]] == finite
    close(np.asarray(history.history["loss"])[finite], expected[finite], rtol=1e-4)
