"""microdense against Keras 3: BatchNormalization, Normalization and functional models.

Reference numbers: tools/keras_reference_functional.py (Keras 3 on JAX, float32) wrote
tests/data/keras_reference_functional.{npz,json}; CI needs no Keras. The models are built by
tests/keras_functional_cases.py, the same lines for both frameworks. Tolerance as the other
parity test: rtol 1e-4, atol 1e-6 (float32 round-off differs between XLA and numpy).
"""
import json
import os

import numpy as np
import pytest

import microdense as md
from microdense.models import Model

import keras_functional_cases as cases

HERE = os.path.dirname(os.path.abspath(__file__))
REF = np.load(os.path.join(HERE, "data", "keras_reference_functional.npz"), allow_pickle=False)
with open(os.path.join(HERE, "data", "keras_reference_functional.json")) as _f:
    META = json.load(_f)
RTOL, ATOL = 1e-4, 1e-6


def close(actual, key, atol=ATOL, shape=False):
    expected = REF[key].reshape(np.shape(actual)) if shape else REF[key]
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=RTOL, atol=atol,
                               err_msg=f"differs from Keras's {key}")


# ---- BatchNormalization, one layer ----------------------------------------------------------

@pytest.mark.parametrize("case", META["bn_cases"], ids=[c["id"] for c in META["bn_cases"]])
def test_batch_normalization_matches_keras(case):
    key = case["id"]
    x, r = REF[f"{key}.x"], REF[f"{key}.r"]

    def fresh():
        layer = md.layers.BatchNormalization(**case["kwargs"])
        layer(x[:1])                                    # build (inference mode: no update)
        layer.set_weights([REF[f"{key}.w0.{i}"] for i in range(len(layer.weights))])
        return layer

    for mode, training in (("train", True), ("infer", False)):
        layer = fresh()
        inputs = md.Tensor(x, requires_grad=True)
        out = layer(inputs, training=training)
        close(out.data, f"{key}.y_{mode}")
        (out * md.Tensor(r)).sum().backward()
        close(inputs.grad, f"{key}.dx_{mode}", atol=1e-5)
        for i, weight in enumerate(layer.trainable_weights):
            close(weight.grad, f"{key}.dw_{mode}.{i}", atol=1e-5)
    layer = fresh()
    layer(x, training=True)                             # the moving statistics move once
    for i, weight in enumerate(layer.get_weights()):
        close(weight, f"{key}.w1.{i}")
    close(layer(x, training=False).data, f"{key}.y_infer_after")


# ---- Normalization --------------------------------------------------------------------------

@pytest.mark.parametrize("case", META["norm_cases"], ids=[c["id"] for c in META["norm_cases"]])
def test_normalization_matches_keras(case):
    key = case["id"]
    layer = md.layers.Normalization(**case["kwargs"])
    if "mean" not in case["kwargs"]:
        layer.adapt(REF[f"{key}.data"])
        # Keras's layer.mean is shaped to broadcast, (1, 3); ours is the weight, (3,).
        close(layer.mean.data, f"{key}.mean", shape=True)
        close(layer.variance.data, f"{key}.variance", atol=1e-5, shape=True)
    close(layer(REF[f"{key}.x"]).data, f"{key}.y")


# ---- training whole models ------------------------------------------------------------------

def _data(key):
    return {name: REF[f"{key}.data.{name}"] for name in ("x", "side", "digit", "amount")}


@pytest.mark.parametrize("case", META["train_cases"],
                         ids=[c["id"] for c in META["train_cases"]])
def test_training_a_functional_model_matches_keras(case):
    key = case["id"]
    md.layers.reset_name_counters()
    model = getattr(cases, case["build"])(md.layers, Model)
    assert [layer.name for layer in model.layers] == case["layer_names"]   # Keras's order
    for layer in model.layers:
        layer.set_weights([REF[f"{key}.w0.{layer.name}.{i}"]
                           for i in range(len(layer.weights))])
    data = _data(key)
    two_heads = case["build"] == "residual_two_heads"

    def inputs(rows):
        return [data["x"][rows], data["side"][rows]] if two_heads else data["x"][rows]

    def targets(rows):
        if two_heads:
            return {"digit": data["digit"][rows], "amount": data["amount"][rows]}
        return data["digit"][rows]

    optimizer = getattr(md.optimizers, case["optimizer"]["class"])(
        learning_rate=case["optimizer"]["learning_rate"])
    model.compile(optimizer=optimizer, loss=case["loss"],
                  loss_weights=case.get("loss_weights"), metrics=case["metrics"])
    logs = []
    for step in range(META["steps"]):
        rows = slice(0, 12) if step % 2 == 0 else slice(12, 20)
        entry = model.train_on_batch(inputs(rows), targets(rows), return_dict=True)
        assert sorted(entry) == case["log_keys"]
        logs.append([entry[k] for k in case["log_keys"]])
    close(logs, f"{key}.logs")
    for layer in model.layers:                          # moving statistics included
        for i, weight in enumerate(layer.get_weights()):
            close(weight, f"{key}.w_end.{layer.name}.{i}", atol=1e-5)
    prediction = model.predict(inputs(slice(None)), verbose=0)
    if two_heads:
        assert sorted(prediction) == ["amount", "digit"]
        close(prediction["digit"], f"{key}.pred.digit")
        close(prediction["amount"], f"{key}.pred.amount")
    else:
        close(prediction, f"{key}.pred")
    evaluated = model.evaluate(inputs(slice(None)), targets(slice(None)), verbose=0,
                               return_dict=True)
    assert sorted(evaluated) == case["eval_keys"]
    close([evaluated[k] for k in case["eval_keys"]], f"{key}.eval")
