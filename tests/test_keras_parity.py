"""microdense against Keras 3: same starting weights, same numbers.

The reference numbers come from Keras 3.x (JAX backend, float32), recorded by
tools/keras_reference.py into tests/data/keras_reference.{npz,json}; CI needs no Keras.
Each case builds its model the way a user would (the tutorial's code with only the imports
changed), sets the initial weights Keras had, and checks against Keras:
    predictions before training, the loss (and metrics) train_on_batch returns at each of
    15 steps, the weights, predictions, evaluate and test_on_batch after them, the History and
    final weights of fit (validation, callbacks), and every activation's values and gradients.
Case ids name what they test: loss-*, opt-*, reg-*, metric-*, layer-*, init-*, fit-*, act-*.
Tolerance: rtol 1e-4, atol 1e-6 (float32 round-off differs between XLA and numpy, ~1e-7 per
op). test_weight_updates additionally compares the change of each weight over the 15 steps,
|dW_md - dW_keras| <= 1e-3 * max|dW_keras|: with Keras's default learning rates the weights
move by ~1e-2, too little for an error in the update rule to show at rtol 1e-4 of the weights.

`python tests/test_keras_parity.py` prints a table of the largest errors per case.
"""
import functools
import json
import os

import numpy as np
import pytest

import microdense as md

HERE = os.path.dirname(os.path.abspath(__file__))
REF = np.load(os.path.join(HERE, "data", "keras_reference.npz"), allow_pickle=False)
with open(os.path.join(HERE, "data", "keras_reference.json")) as _f:
    META = json.load(_f)
MODEL_CASES = {c["id"]: c for c in META["model_cases"]}
FIT_CASES = {c["id"]: c for c in META["fit_cases"]}
INFERENCE_CASES = {c["id"]: c for c in META["inference_cases"]}
ACT_CASES = {c["id"]: c for c in META["activation_cases"]}
DATA = {name: REF["data." + name] for name in META["data"]}

RTOL, ATOL = 1e-4, 1e-6
UPDATE_RTOL = 1e-3
# Cases allowed a looser tolerance, with the reason.
_SATURATED = (
    "ill-conditioned on purpose: the output kernel is scaled by 30, so probabilities sit "
    "within a few float32 ulps of the 1e-7 clip, where d loss/d p = 1/(1 - p) multiplies "
    "p (1 - p) and 1 - p has only a couple of representable float32 values; each framework's "
    "round-off (~1e-7) can be amplified ~100x. With an earlier draw of initial weights, "
    "compared step by step against Keras, the largest weight error grew 6e-8, 4e-7, 5e-7, 5e-6 "
    "over steps 1-4, then stayed ~1e-5 absolute on first-layer weights of size ~1 (no jump at "
    "any step: clipping itself, including JAX's half gradient exactly on the bound, agrees). "
    "With the current reference they pass at the default tolerance (max 4e-6 absolute).")
LOOSER = {
    "loss-binary_crossentropy_saturated": {"rtol": RTOL, "atol": 5e-5, "why": _SATURATED},
    "loss-categorical_crossentropy_saturated": {"rtol": RTOL, "atol": 5e-5, "why": _SATURATED},
}


def custom_activation(x):
    """The tutorial's custom activation; the engine differentiates it."""
    from microdense import backend as K
    return x * K.sigmoid(x)


def halve(epoch, lr):
    """A LearningRateScheduler schedule: halve the learning rate every epoch after the first."""
    return lr if epoch == 0 else lr * 0.5


CUSTOM = {"x*sigmoid(x)": custom_activation, "halve": halve}


# ---- the reference's JSON spec -> microdense objects, as a user would write them ------------
def make_obj(module, spec):
    """"adam" stays "adam"; {"class": "Adam", "learning_rate": 0.01} -> module.Adam(...);
    {"custom": name} -> CUSTOM[name]."""
    if spec is None or isinstance(spec, (str, int, float)):
        return spec
    if "custom" in spec:
        return CUSTOM[spec["custom"]]
    kwargs = {k: v for k, v in spec.items() if k != "class"}
    return getattr(module, spec["class"])(**kwargs)


def build(case):
    """The case's model, compiled, with the initial weights Keras had. For case "loss-mse":
        model = Sequential()
        model.add(Dense(units=8, activation="tanh", input_shape=(5,)))
        model.add(Dense(units=3, activation="linear"))
        model.compile(optimizer=SGD(learning_rate=0.1), loss="mse")
        model.set_weights(keras_initial_weights)"""
    from microdense import (activations, initializers, layers, losses, optimizers,
                            regularizers)
    from microdense.models import Sequential

    object_args = {"activation": activations, "kernel_regularizer": regularizers,
                   "bias_regularizer": regularizers, "activity_regularizer": regularizers,
                   "kernel_initializer": initializers, "bias_initializer": initializers,
                   "alpha_initializer": initializers}
    model = Sequential()
    for spec in case["layers"]:
        kwargs = dict(spec)
        cls = kwargs.pop("class", "Dense")
        for key in ("input_shape", "shape"):
            if key in kwargs:
                kwargs[key] = tuple(kwargs[key])
        for key, module in object_args.items():
            if key in kwargs:
                kwargs[key] = make_obj(module, kwargs[key])
        model.add(getattr(layers, cls)(**kwargs))
    compile_spec = case["compile"]
    model.compile(optimizer=make_obj(optimizers, compile_spec["optimizer"]),
                  loss=make_obj(losses, compile_spec["loss"]),
                  metrics=compile_spec.get("metrics"))
    if case.get("set_weights", True):
        model.set_weights([w.copy() for w in reference_weights(case["id"], "w0")])
    return model


def reference_weights(case_id, which):
    n = sum(1 for key in REF.files if key.startswith("%s.%s." % (case_id, which)))
    return [REF["%s.%s.%d" % (case_id, which, i)] for i in range(n)]


def assert_weights_match(weights, case_id, which, case, when, rtol=None, atol=None):
    """Every weight against the reference's `which` ("w0", "w15", "w_end"), by name."""
    expected = reference_weights(case_id, which)
    assert len(weights) == len(expected)
    tolerances = {} if rtol is None else {"rtol": rtol, "atol": atol}
    for i, (w, e) in enumerate(zip(weights, expected)):
        assert_close(w, e, "%s: %s %s" % (case_id, weight_label(case, i), when), **tolerances)


def to_numpy(value):
    return np.asarray(getattr(value, "data", value), dtype=np.float64)


# ---- comparisons that say where and by how much ---------------------------------------------
def errors(actual, expected):
    """(max absolute error, max relative error over entries with |expected| >= 1e-3)."""
    actual, expected = to_numpy(actual), np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return np.inf, np.inf
    with np.errstate(all="ignore"):
        return _errors(actual, expected)


def _errors(actual, expected):
    finite = np.isfinite(expected) & np.isfinite(actual)
    diff = np.where(finite, np.abs(actual - expected), 0.0)
    diff = np.where((actual == expected) | finite, diff, np.inf)     # inf == inf is no error
    big = np.abs(expected) >= 1e-3
    rel = np.where(big & finite, diff / np.where(big, np.abs(expected), 1.0), 0.0)
    rel = np.where((actual == expected) | finite, rel, np.inf)
    return float(diff.max(initial=0.0)), float(rel.max(initial=0.0))


def assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    actual_np = to_numpy(actual)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual_np.shape == expected.shape, (
        "%s: shape %s, Keras has %s" % (what, actual_np.shape, expected.shape))
    ok = np.isclose(actual_np, expected, rtol=rtol, atol=atol)
    if not ok.all():
        bad = np.argwhere(~ok)
        idx = tuple(bad[0])
        abs_err, rel_err = errors(actual_np, expected)
        raise AssertionError(
            "%s differs from Keras at %d of %d entries (first at index %s: microdense %r, "
            "Keras %r); max abs error %.3g, max rel error %.3g (rtol %g, atol %g)"
            % (what, len(bad), ok.size, idx, actual_np[idx], expected[idx], abs_err, rel_err,
               rtol, atol))


def tolerance(case_id):
    return LOOSER.get(case_id, {}).get("rtol", RTOL), LOOSER.get(case_id, {}).get("atol", ATOL)


# ---- running a case once; the tests below each check one part of the result -----------------
@functools.lru_cache(maxsize=None)
def run_model_case(case_id):
    case = MODEL_CASES[case_id]
    x, y = DATA[case["x"]], DATA[case["y"]]
    model = build(case)
    out = {"pred0": to_numpy(model.predict(x, verbose=0))}
    losses, metrics = [], []
    for step in range(case["steps"]):
        a, b = case["batches"][step % len(case["batches"])]
        result = np.atleast_1d(np.asarray(model.train_on_batch(x[a:b], y[a:b]), dtype=float))
        losses.append(result[0])
        if case["compile"].get("metrics"):
            metrics.append(result[1:])        # one column per metric, in compile order
    out["loss"] = np.array(losses)
    out["metric"] = np.array(metrics)
    out["weights"] = [to_numpy(w) for w in model.get_weights()]
    out["pred15"] = to_numpy(model.predict(x, verbose=0))
    if case["compile"].get("metrics"):
        out["eval"] = to_numpy(model.evaluate(x, y, verbose=0))
    out["test_on_batch"] = np.atleast_1d(to_numpy(model.test_on_batch(x, y)))
    return out


def weight_label(case, i):
    """"weight 2 (kernel of the 2nd layer with weights)": Keras's order, readable."""
    names = case.get("weight_names")
    if not names:
        return "weight %d" % i
    layers = []
    for name in names:
        layer = name.rsplit("/", 1)[0]
        if layer not in layers:
            layers.append(layer)
    layer, variable = names[i].rsplit("/", 1)
    k = layers.index(layer) + 1
    return "weight %d (%s of the %d%s layer with weights)" % (
        i, variable, k, {1: "st", 2: "nd", 3: "rd"}.get(k, "th"))


@pytest.mark.parametrize("case_id", sorted(c for c in MODEL_CASES
                                           if not MODEL_CASES[c].get("set_weights", True)))
def test_initial_weights_from_deterministic_initializers(case_id):
    model = build(MODEL_CASES[case_id])
    assert_weights_match(model.get_weights(), case_id, "w0", MODEL_CASES[case_id], "initially")


@pytest.mark.parametrize("case_id", sorted(MODEL_CASES))
def test_initial_predictions(case_id):
    case = MODEL_CASES[case_id]
    model = build(case)
    rtol, atol = tolerance(case_id)
    assert_close(model.predict(DATA[case["x"]], verbose=0), REF[case_id + ".pred0"],
                 "%s: predictions with the initial weights" % case_id, rtol, atol)


LOSS_CASES = sorted(c for c in MODEL_CASES if c.startswith("loss-"))


@pytest.mark.parametrize("case_id", LOSS_CASES)
def test_loss_function_on_keras_predictions(case_id):
    """The loss alone, no model: Keras's first train_on_batch loss is the loss of its initial
    predictions on the first batch, so losses.get(...)(y, pred0) must give the same number."""
    from microdense import losses
    case = MODEL_CASES[case_id]
    a, b = case["batches"][0]
    spec = case["compile"]["loss"]
    loss_fn = losses.get(spec) if isinstance(spec, str) else make_obj(losses, spec)
    y_pred = md.Tensor(REF[case_id + ".pred0"][a:b])
    value = np.mean(to_numpy(loss_fn(DATA[case["y"]][a:b], y_pred)))   # per-sample -> mean
    assert_close(value, REF[case_id + ".loss"][0],
                 "%s: loss of Keras's initial predictions on x[%d:%d]" % (case_id, a, b))


@pytest.mark.parametrize("case_id", sorted(MODEL_CASES))
def test_train_on_batch_losses(case_id):
    out = run_model_case(case_id)
    rtol, atol = tolerance(case_id)
    assert np.all(np.isfinite(out["loss"])), "%s: non-finite loss %s" % (case_id, out["loss"])
    assert_close(out["loss"], REF[case_id + ".loss"],
                 "%s: train_on_batch loss at steps 1..15" % case_id, rtol, atol)


@pytest.mark.parametrize("case_id", sorted(MODEL_CASES))
def test_weights_after_15_steps(case_id):
    out = run_model_case(case_id)
    rtol, atol = tolerance(case_id)
    assert_weights_match(out["weights"], case_id, "w15", MODEL_CASES[case_id], "after 15 steps",
                         rtol, atol)


@pytest.mark.parametrize("case_id", sorted(MODEL_CASES))
def test_weight_updates(case_id):
    out = run_model_case(case_id)
    for i, (w, e15, e0) in enumerate(zip(out["weights"], reference_weights(case_id, "w15"),
                                         reference_weights(case_id, "w0"))):
        expected_step = e15.astype(np.float64) - e0
        atol = UPDATE_RTOL * np.abs(expected_step).max() + 1e-7
        assert_close(w - e0, expected_step, "%s: change of %s over 15 steps"
                     % (case_id, weight_label(MODEL_CASES[case_id], i)), rtol=0.0, atol=atol)


@pytest.mark.parametrize("case_id", sorted(MODEL_CASES))
def test_predictions_after_15_steps(case_id):
    out = run_model_case(case_id)
    rtol, atol = tolerance(case_id)
    assert_close(out["pred15"], REF[case_id + ".pred15"],
                 "%s: predictions after 15 steps" % case_id, rtol, atol)


@pytest.mark.parametrize("case_id", sorted(MODEL_CASES))
def test_test_on_batch_after_15_steps(case_id):
    out = run_model_case(case_id)
    rtol, atol = tolerance(case_id)
    assert_close(out["test_on_batch"], REF[case_id + ".test_on_batch"],
                 "%s: test_on_batch(x, y) after 15 steps, [loss] + metrics" % case_id, rtol, atol)


METRIC_CASES = sorted(c for c in MODEL_CASES if MODEL_CASES[c]["compile"].get("metrics"))


@pytest.mark.parametrize("case_id", METRIC_CASES)
def test_metrics_and_evaluate(case_id):
    out = run_model_case(case_id)
    metrics = MODEL_CASES[case_id]["compile"]["metrics"]
    assert_close(out["metric"], REF[case_id + ".metric"],
                 "%s: metrics %s returned by train_on_batch at steps 1..15 (one column each)"
                 % (case_id, metrics))
    assert_close(out["eval"], REF[case_id + ".eval"],
                 "%s: evaluate(x, y) -> [loss] + %s after 15 steps" % (case_id, metrics))


# ---- fit: History with validation_split --------------------------------------------------------
@functools.lru_cache(maxsize=None)
def run_fit_case(case_id):
    from microdense import callbacks
    case = FIT_CASES[case_id]
    model = build(case)
    kwargs = dict(case["fit"])
    x, y = DATA[case["x"]], DATA[case["y"]]
    a, b = kwargs.pop("train_slice", [0, len(x)])
    if "validation_slice" in kwargs:
        c, d = kwargs.pop("validation_slice")
        kwargs["validation_data"] = (x[c:d], y[c:d])
    kwargs["callbacks"] = [make_obj(callbacks, {k: make_obj(None, v) if isinstance(v, dict)
                                                else v for k, v in spec.items()})
                           for spec in kwargs.pop("callbacks", [])]
    history = model.fit(x[a:b], y[a:b], **kwargs)
    return ({key: np.asarray(v, dtype=float) for key, v in history.history.items()},
            [to_numpy(w) for w in model.get_weights()])


@pytest.mark.parametrize("case_id", sorted(FIT_CASES))
def test_fit_history(case_id):
    history, weights = run_fit_case(case_id)
    case = FIT_CASES[case_id]
    expected_keys = case["history_keys"]
    assert sorted(history) == expected_keys, (
        "%s: History keys %s, Keras has %s" % (case_id, sorted(history), expected_keys))
    for key in expected_keys:
        assert_close(history[key], REF["%s.hist.%s" % (case_id, key)],
                     "%s: history.history[%r], one entry per epoch (Keras ran %d of %d epochs)"
                     % (case_id, key, case["epochs_run"], case["fit"]["epochs"]))


@pytest.mark.parametrize("case_id", sorted(FIT_CASES))
def test_weights_after_fit(case_id):
    history, weights = run_fit_case(case_id)
    assert_weights_match(weights, case_id, "w_end", FIT_CASES[case_id], "after fit")


# ---- inference only: the tutorial's model, Dropout included ---------------------------------
@pytest.mark.parametrize("case_id", sorted(INFERENCE_CASES))
def test_inference(case_id):
    """Dropout is random in training, so this model is compared in inference only:
    predict, evaluate(batch_size=5) -> [loss incl. the l2 penalty, accuracy], test_on_batch."""
    case = INFERENCE_CASES[case_id]
    model = build(case)
    x, y = DATA[case["x"]], DATA[case["y"]]
    assert_close(model.predict(x, verbose=0), REF[case_id + ".pred0"],
                 "%s: predictions (Dropout inactive)" % case_id)
    assert_close(model.evaluate(x, y, verbose=0, batch_size=5), REF[case_id + ".eval"],
                 "%s: evaluate(x, y, batch_size=5) -> [loss, accuracy]" % case_id)
    assert_close(np.atleast_1d(to_numpy(model.test_on_batch(x, y))),
                 REF[case_id + ".test_on_batch"], "%s: test_on_batch(x, y)" % case_id)


# ---- activations: values and gradients, large magnitudes included -----------------------------
def run_activation(name):
    from microdense import activations
    fn = activations.get(name)
    x_values = md.Tensor(REF["act.x_values"][None, :])
    value = to_numpy(fn(x_values))[0]
    x = md.Tensor(REF["act.x_grad"][None, :], requires_grad=True)
    (fn(x) * md.Tensor(REF["act.r"][None, :])).sum().backward()
    return value, to_numpy(x.grad)[0]


@pytest.mark.parametrize("case_id", sorted(ACT_CASES))
def test_activation(case_id):
    name = ACT_CASES[case_id]["activation"]
    with np.errstate(all="ignore"):
        value, grad = run_activation(name)
    assert_close(value, REF["act.%s.value" % name], "%s(x) at x = %s"
                 % (name, REF["act.x_values"].tolist()))
    assert_close(grad, REF["act.%s.grad" % name], "d sum(%s(x) * r)/dx at x = %s"
                 % (name, REF["act.x_grad"].tolist()))


def test_reference_metadata():
    """The reference files say what made them, and stay small."""
    assert META["keras_version"].startswith("3.")
    assert META["backend"] == "jax" and META["floatx"] == "float32"
    size = sum(os.path.getsize(os.path.join(HERE, "data", "keras_reference." + ext))
               for ext in ("npz", "json"))
    assert size < 2_000_000


# ---- `python tests/test_keras_parity.py`: a table of the largest errors ----------------------
def _report():
    print("Keras %s (JAX %s) reference; errors = max abs / max rel (|Keras| >= 1e-3)"
          % (META["keras_version"], META["jax_version"]))

    def fmt(actual, expected):
        return "%.1e/%.1e" % errors(actual, expected)

    for case_id in sorted(MODEL_CASES):
        try:
            out = run_model_case(case_id)
        except Exception as exc:  # noqa: BLE001  (a report, not a test)
            print("%-50s ERROR %s: %s" % (case_id, type(exc).__name__, exc))
            continue
        w_err = max(errors(w, e) for w, e in zip(out["weights"],
                                                  reference_weights(case_id, "w15")))
        line = "%-50s pred0 %s  loss %s  w15 %.1e/%.1e  pred15 %s  test %s" % (
            case_id, fmt(out["pred0"], REF[case_id + ".pred0"]),
            fmt(out["loss"], REF[case_id + ".loss"]), w_err[0], w_err[1],
            fmt(out["pred15"], REF[case_id + ".pred15"]),
            fmt(out["test_on_batch"], REF[case_id + ".test_on_batch"]))
        if case_id in METRIC_CASES:
            line += "  metrics %s  eval %s" % (fmt(out["metric"], REF[case_id + ".metric"]),
                                           fmt(out["eval"], REF[case_id + ".eval"]))
        print(line)
    for case_id in sorted(FIT_CASES):
        try:
            history, weights = run_fit_case(case_id)
            w_err = max(errors(w, e) for w, e in zip(weights, reference_weights(case_id,
                                                                                "w_end")))
            print("%-50s %s  weights %.1e/%.1e" % (case_id, "  ".join(
                "%s %s" % (k, fmt(history.get(k, np.nan), REF["%s.hist.%s" % (case_id, k)]))
                for k in FIT_CASES[case_id]["history_keys"]), w_err[0], w_err[1]))
        except Exception as exc:  # noqa: BLE001
            print("%-50s ERROR %s: %s" % (case_id, type(exc).__name__, exc))
    for case_id in sorted(ACT_CASES):
        name = ACT_CASES[case_id]["activation"]
        try:
            with np.errstate(all="ignore"):
                value, grad = run_activation(name)
            print("%-50s value %s  grad %s" % (case_id, fmt(value, REF["act.%s.value" % name]),
                                               fmt(grad, REF["act.%s.grad" % name])))
        except Exception as exc:  # noqa: BLE001
            print("%-50s ERROR %s: %s" % (case_id, type(exc).__name__, exc))


if __name__ == "__main__":
    _report()
