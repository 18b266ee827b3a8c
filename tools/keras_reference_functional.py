"""Record Keras 3 reference numbers for the functional API and the normalization layers, read
by tests/test_keras_functional_parity.py (CI never needs Keras):

    KERAS_BACKEND=jax /work/kerasvenv/bin/python tools/keras_reference_functional.py

Writes tests/data/keras_reference_functional.npz (arrays, no object arrays) and
tests/data/keras_reference_functional.json (the cases and the versions that made them).

Cases (keys "<case>.<what>" in the npz):
  bn-*        one BatchNormalization layer on fixed data and weights: the output in training
              and in inference mode, the gradients of sum(output * R) with respect to the
              input, gamma and beta (training mode), and the moving statistics after one
              training call. Variants: default, momentum/epsilon, center=False, scale=False,
              axis=1 on (batch, 4, 3) inputs.
  norm-*      Normalization: adapt() on data, then the layer's mean, variance and outputs;
              axis=None; invert=True; mean/variance given.
  train-*     the models of tests/keras_functional_cases.py (one BN MLP, one two-input
              two-output model with every merge layer), trained with train_on_batch on
              alternating batches: each step's logs, then every weight (moving statistics
              included) and the predictions in inference mode, and evaluate's logs.
"""
import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

import jax  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import keras_functional_cases as cases  # noqa: E402

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
warnings.filterwarnings("ignore")

OUT_NPZ = os.path.join(ROOT, "tests", "data", "keras_reference_functional.npz")
OUT_JSON = os.path.join(ROOT, "tests", "data", "keras_reference_functional.json")
F32 = np.float32
arrays = {}


def put(key, value, dtype=F32):
    arrays[key] = np.asarray(value, dtype=dtype)


# ---- BatchNormalization, one layer ----------------------------------------------------------

BN_CASES = [
    {"id": "bn-default", "shape": [16, 5], "kwargs": {}},
    {"id": "bn-momentum_epsilon", "shape": [16, 5], "kwargs": {"momentum": 0.5, "epsilon": 0.1}},
    {"id": "bn-no_center", "shape": [16, 5], "kwargs": {"center": False}},
    {"id": "bn-no_scale", "shape": [16, 5], "kwargs": {"scale": False}},
    {"id": "bn-axis1", "shape": [16, 4, 3], "kwargs": {"axis": 1}},
]


def run_bn_case(seed, case):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(case["shape"]) * 3 + 1).astype(F32)
    r = rng.standard_normal(case["shape"]).astype(F32)
    layer = keras.layers.BatchNormalization(**case["kwargs"])
    layer.build(x.shape)
    weights = [(1 + 0.1 * rng.standard_normal(w.shape)).astype(F32) if "variance" in w.name
               or "gamma" in w.name else (0.1 * rng.standard_normal(w.shape)).astype(F32)
               for w in layer.weights]
    weights = [np.abs(w) if "variance" in v.name else w for w, v in zip(weights, layer.weights)]
    layer.set_weights(weights)
    key = case["id"]
    put(f"{key}.x", x)
    put(f"{key}.r", r)
    for i, w in enumerate(weights):
        put(f"{key}.w0.{i}", w)

    trainable = [v.value for v in layer.trainable_variables]
    frozen = [v.value for v in layer.non_trainable_variables]

    def objective(inputs, trainable_values, training):
        out, _ = layer.stateless_call(trainable_values, frozen, inputs, training=training)
        return jax.numpy.sum(out * r)

    for mode, training in (("train", True), ("infer", False)):
        out, _ = layer.stateless_call(trainable, frozen, x, training=training)
        put(f"{key}.y_{mode}", out)
        grad_x, grad_w = jax.grad(objective, argnums=(0, 1))(x, trainable, training)
        put(f"{key}.dx_{mode}", grad_x)
        for i, g in enumerate(grad_w):
            put(f"{key}.dw_{mode}.{i}", g)
    layer(x, training=True)                         # the stateful call: moving statistics move
    for i, w in enumerate(layer.get_weights()):
        put(f"{key}.w1.{i}", w)
    put(f"{key}.y_infer_after", layer(x, training=False))


# ---- Normalization --------------------------------------------------------------------------

NORM_CASES = [
    {"id": "norm-adapt", "kwargs": {}},
    {"id": "norm-axis_none", "kwargs": {"axis": None}},
    {"id": "norm-invert", "kwargs": {"invert": True}},
    {"id": "norm-given", "kwargs": {"mean": [1.0, -2.0, 0.5], "variance": [4.0, 0.25, 1.0]}},
]


def run_norm_case(seed, case):
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal((40, 3)) * [1.0, 5.0, 0.1] + [3.0, -1.0, 10.0]).astype(F32)
    x = (rng.standard_normal((7, 3)) * 2).astype(F32)
    layer = keras.layers.Normalization(**case["kwargs"])
    if "mean" not in case["kwargs"]:
        layer.adapt(data)
        put(f"{case['id']}.mean", layer.mean)
        put(f"{case['id']}.variance", layer.variance)
    put(f"{case['id']}.data", data)
    put(f"{case['id']}.x", x)
    put(f"{case['id']}.y", layer(x))


# ---- training whole models ------------------------------------------------------------------

STEPS = 6
TRAIN_CASES = [
    {"id": "train-bn_mlp", "build": "bn_mlp", "optimizer": {"class": "SGD", "learning_rate": 0.1},
     "loss": "categorical_crossentropy", "metrics": ["accuracy"]},
    {"id": "train-two_heads", "build": "residual_two_heads",
     "optimizer": {"class": "Adam", "learning_rate": 0.01},
     "loss": {"digit": "categorical_crossentropy", "amount": "mse"},
     "loss_weights": {"digit": 1.0, "amount": 0.5}, "metrics": {"digit": ["accuracy"]}},
]


def train_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((20, 5)).astype(F32)
    side = rng.standard_normal((20, 2)).astype(F32)
    digit = np.eye(3, dtype=F32)[rng.integers(0, 3, 20)]
    amount = rng.standard_normal((20, 1)).astype(F32)
    return x, side, digit, amount


def run_train_case(seed, case):
    keras.utils.set_random_seed(seed)
    model = getattr(cases, case["build"])(keras.layers, keras.Model)
    key = case["id"]
    case["layer_names"] = [layer.name for layer in model.layers]
    for layer in model.layers:
        for i, w in enumerate(layer.get_weights()):
            put(f"{key}.w0.{layer.name}.{i}", w)
    x, side, digit, amount = train_data(seed)
    for name, value in (("x", x), ("side", side), ("digit", digit), ("amount", amount)):
        put(f"{key}.data.{name}", value)
    two_heads = case["build"] == "residual_two_heads"

    def inputs(rows):
        return [x[rows], side[rows]] if two_heads else x[rows]

    def targets(rows):
        return {"digit": digit[rows], "amount": amount[rows]} if two_heads else digit[rows]

    optimizer = getattr(keras.optimizers, case["optimizer"]["class"])(
        learning_rate=case["optimizer"]["learning_rate"])
    model.compile(optimizer=optimizer, loss=case["loss"],
                  loss_weights=case.get("loss_weights"), metrics=case["metrics"])
    logs = []
    for step in range(STEPS):
        rows = slice(0, 12) if step % 2 == 0 else slice(12, 20)
        logs.append(model.train_on_batch(inputs(rows), targets(rows), return_dict=True))
    case["log_keys"] = sorted(logs[0])
    put(f"{key}.logs", [[float(entry[k]) for k in case["log_keys"]] for entry in logs])
    for layer in model.layers:
        for i, w in enumerate(layer.get_weights()):
            put(f"{key}.w_end.{layer.name}.{i}", w)
    prediction = model.predict(inputs(slice(None)), verbose=0)
    if two_heads:
        put(f"{key}.pred.digit", prediction["digit"])
        put(f"{key}.pred.amount", prediction["amount"])
    else:
        put(f"{key}.pred", prediction)
    evaluated = model.evaluate(inputs(slice(None)), targets(slice(None)), verbose=0,
                               return_dict=True)
    case["eval_keys"] = sorted(evaluated)
    put(f"{key}.eval", [float(evaluated[k]) for k in case["eval_keys"]])


def main():
    for i, case in enumerate(BN_CASES):
        run_bn_case(i, case)
    for i, case in enumerate(NORM_CASES):
        run_norm_case(100 + i, case)
    for i, case in enumerate(TRAIN_CASES):
        run_train_case(200 + i, case)
    meta = {
        "generated_by": "tools/keras_reference_functional.py",
        "command": "KERAS_BACKEND=jax /work/kerasvenv/bin/python "
                   "tools/keras_reference_functional.py",
        "keras_version": keras.__version__, "jax_version": jax.__version__,
        "numpy_version": np.__version__, "python_version": sys.version.split()[0],
        "backend": keras.backend.backend(), "steps": STEPS,
        "bn_cases": BN_CASES, "norm_cases": NORM_CASES, "train_cases": TRAIN_CASES,
    }
    for value in arrays.values():
        assert value.dtype != object
    np.savez_compressed(OUT_NPZ, **arrays)
    with open(OUT_JSON, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {len(arrays)} arrays -> {OUT_NPZ} ({os.path.getsize(OUT_NPZ)} bytes), "
          f"{OUT_JSON}")


if __name__ == "__main__":
    main()
