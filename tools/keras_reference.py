"""Record Keras 3 reference numbers that tests/test_keras_parity.py checks microdense against.

Runs under a separate virtual environment with Keras 3 on the JAX backend (CPU); CI never needs
Keras, it only reads the two files this script writes:

    python -m venv /tmp/kenv && /tmp/kenv/bin/pip install keras jax jaxlib numpy
    KERAS_BACKEND=jax /tmp/kenv/bin/python tools/keras_reference.py      # from the repo root

Writes
    tests/data/keras_reference.npz    arrays (np.savez_compressed, no object arrays)
    tests/data/keras_reference.json   the cases: layer specs, compile args, versions

Most model cases are a small Sequential, `Dense(8, tanh, input_shape=(5,)) -> Dense(k, act)`
(layer-* cases add PReLU, LeakyReLU, ELU, ReLU, Activation, Softmax, Flatten, Input), each
described by a plain-JSON spec that the test turns into microdense layers the way a user would.
For each case we record (keys "<case id>.<what>" in the npz):
    w0.<i>     initial weights (Keras's get_weights order) = glorot kernels + small random biases
    pred0      model.predict(x) with the initial weights
    loss       the value train_on_batch returned at each of the 15 steps (before that step's update)
    metric     (cases with metrics) the metrics train_on_batch returned at each step (15, n)
    w15.<i>    the weights after the 15 steps
    pred15     model.predict(x) after the 15 steps
    eval       (metric cases) model.evaluate(x, y) after the 15 steps: [loss, metrics...]
    test_on_batch   model.test_on_batch(x, y) after the 15 steps: [loss] or [loss, metrics...]
Steps alternate between two batches of different sizes, x[:10] and x[10:], so the
"sum_over_batch_size" mean is exercised. Fit cases record the History instead (hist.<key>) and
the weights at the end (w_end.<i>): shuffle=False, validation_split=0.25 or validation_data,
uneven last batches, and callbacks that steer training (LearningRateScheduler,
ReduceLROnPlateau, EarlyStopping with restore_best_weights).
Activation cases record f(x) and the vector-Jacobian product d sum(f(x) * r)/dx.
"""
import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

import jax  # noqa: E402
import keras  # noqa: E402

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
warnings.filterwarnings("ignore")            # Keras 3 warns about input_shape= (the tutorial idiom)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_NPZ = os.path.join(ROOT, "tests", "data", "keras_reference.npz")
OUT_JSON = os.path.join(ROOT, "tests", "data", "keras_reference.json")
COMMAND = ("python -m venv /tmp/kenv && /tmp/kenv/bin/pip install keras jax jaxlib numpy && "
           "KERAS_BACKEND=jax /tmp/kenv/bin/python tools/keras_reference.py")

STEPS = 15
BATCHES = [[0, 10], [10, 16]]                # train_on_batch alternates x[0:10], x[10:16]
F32 = np.float32

arrays = {}


def put(key, value, dtype=F32):
    arrays[key] = np.asarray(value, dtype=dtype)


# ---- data -----------------------------------------------------------------------------------
rng = np.random.default_rng(0)
x = rng.standard_normal((16, 5)).astype(F32)
y_reg = rng.standard_normal((16, 3)).astype(F32)
y_bin = (rng.random((16, 1)) < 0.5).astype(F32)
y_int = np.array([0, 1, 2] * 5 + [1], dtype=np.int64)[rng.permutation(16)]
y_int_col = y_int[:, None].copy()            # (16, 1) integer labels, also accepted by Keras
y_onehot = np.eye(3, dtype=F32)[y_int]
y_hinge = np.where(rng.random((16, 2)) < 0.5, -1.0, 1.0).astype(F32)
y_hinge01 = (y_hinge > 0).astype(F32)        # Keras's hinge maps {0, 1} labels to {-1, 1}
logits = rng.standard_normal((16, 3))
y_prob = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype(F32)
DATA = {"x": x, "x3": x[:, :, None].copy(), "y_reg": y_reg, "y_bin": y_bin, "y_int": y_int,
        "y_int_col": y_int_col, "y_onehot": y_onehot, "y_hinge": y_hinge,
        "y_hinge01": y_hinge01, "y_prob": y_prob}
for name, value in DATA.items():
    put("data." + name, value, dtype=value.dtype)


# ---- JSON spec -> Keras objects (the test has the same function for microdense) -------------
def x_sigmoid_x(t):
    """The tutorial's custom activation."""
    return t * keras.ops.sigmoid(t)


def halve(epoch, lr):
    """A LearningRateScheduler schedule: halve the learning rate every epoch after the first."""
    return lr if epoch == 0 else lr * 0.5


CUSTOM = {"x*sigmoid(x)": x_sigmoid_x, "halve": halve}


def make_obj(module, spec):
    """"adam" -> "adam"; {"class": "Adam", "learning_rate": 0.01} -> keras.optimizers.Adam(...);
    {"custom": name} -> CUSTOM[name]."""
    if spec is None or isinstance(spec, (str, int, float)):
        return spec
    if "custom" in spec:
        return CUSTOM[spec["custom"]]
    kwargs = {k: v for k, v in spec.items() if k != "class"}
    return getattr(module, spec["class"])(**kwargs)


OBJECT_ARGS = {"activation": keras.activations, "kernel_regularizer": keras.regularizers,
               "bias_regularizer": keras.regularizers, "activity_regularizer": keras.regularizers,
               "kernel_initializer": keras.initializers, "bias_initializer": keras.initializers,
               "alpha_initializer": keras.initializers}


def build(layer_specs):
    """[{"class": "Dense", "units": 8, ...}, ...] -> keras.Sequential (class defaults to Dense)."""
    model = keras.Sequential()
    for spec in layer_specs:
        kw = dict(spec)
        cls = kw.pop("class", "Dense")
        for key in ("input_shape", "shape"):
            if key in kw:
                kw[key] = tuple(kw[key])
        for key, module in OBJECT_ARGS.items():
            if key in kw:
                kw[key] = make_obj(module, kw[key])
        if cls == "Input":
            model.add(keras.Input(**kw))
        else:
            model.add(getattr(keras.layers, cls)(**kw))
    return model


def compile_model(model, spec):
    model.compile(optimizer=make_obj(keras.optimizers, spec["optimizer"]),
                  loss=make_obj(keras.losses, spec["loss"]),
                  metrics=spec.get("metrics"))


# ---- the cases ------------------------------------------------------------------------------
def mlp(k, out_activation, **first_kwargs):
    first = {"class": "Dense", "units": 8, "activation": "tanh", "input_shape": [5]}
    first.update(first_kwargs)
    return [first, {"class": "Dense", "units": k, "activation": out_activation}]


LOSS_SETUPS = [    # id, loss spec, output width, output activation, y, x
    ("mse", "mse", 3, "linear", "y_reg"),
    ("mae", "mae", 3, "linear", "y_reg"),
    ("huber", "huber", 3, "linear", "y_reg"),
    ("huber_delta0.5", {"class": "Huber", "delta": 0.5}, 3, "linear", "y_reg"),
    ("binary_crossentropy", "binary_crossentropy", 1, "sigmoid", "y_bin"),
    ("binary_crossentropy_logits", {"class": "BinaryCrossentropy", "from_logits": True}, 1,
     "linear", "y_bin"),
    ("categorical_crossentropy", "categorical_crossentropy", 3, "softmax", "y_onehot"),
    ("categorical_crossentropy_logits",
     {"class": "CategoricalCrossentropy", "from_logits": True}, 3, "linear", "y_onehot"),
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy", 3, "softmax",
     "y_int"),
    ("sparse_categorical_crossentropy_labels_16x1", "sparse_categorical_crossentropy", 3,
     "softmax", "y_int_col"),
    ("sparse_categorical_crossentropy_logits",
     {"class": "SparseCategoricalCrossentropy", "from_logits": True}, 3, "linear", "y_int"),
    ("hinge", "hinge", 2, "linear", "y_hinge"),
    ("hinge_01_labels", "hinge", 2, "linear", "y_hinge01"),
    ("kl_divergence", "kl_divergence", 3, "softmax", "y_prob"),
]

OPTIMIZERS = [     # id, optimizer spec (learning rates raised so 15 steps move the weights)
    ("sgd", {"class": "SGD", "learning_rate": 0.1}),
    ("sgd_momentum", {"class": "SGD", "learning_rate": 0.05, "momentum": 0.9}),
    ("sgd_nesterov", {"class": "SGD", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", {"class": "RMSprop", "learning_rate": 0.01}),
    ("rmsprop_momentum", {"class": "RMSprop", "learning_rate": 0.01, "momentum": 0.9}),
    ("rmsprop_centered", {"class": "RMSprop", "learning_rate": 0.01, "centered": True}),
    ("rmsprop_centered_momentum",
     {"class": "RMSprop", "learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("adagrad", {"class": "Adagrad", "learning_rate": 0.1}),
    ("adam", {"class": "Adam", "learning_rate": 0.01}),
    ("adam_amsgrad", {"class": "Adam", "learning_rate": 0.01, "amsgrad": True}),
    ("adamw", {"class": "AdamW", "learning_rate": 0.01, "weight_decay": 0.1}),
    # the base optimizer's options: weight decay and the three kinds of gradient clipping
    ("sgd_weight_decay", {"class": "SGD", "learning_rate": 0.1, "weight_decay": 0.05}),
    ("sgd_clipnorm", {"class": "SGD", "learning_rate": 0.1, "clipnorm": 0.1}),
    ("adam_clipvalue", {"class": "Adam", "learning_rate": 0.01, "clipvalue": 0.01}),
    ("rmsprop_global_clipnorm", {"class": "RMSprop", "learning_rate": 0.01,
                                 "global_clipnorm": 0.1}),
    # by name, every default as Keras has it
    ("sgd_default", "sgd"),
    ("rmsprop_default", "rmsprop"),
    ("adagrad_default", "adagrad"),
    ("adam_default", "adam"),
    ("adamw_default", "adamw"),
]


def model_cases():
    cases = []
    for loss_id, loss, k, act, y in LOSS_SETUPS:     # (a) every loss, with plain SGD
        cases.append({"id": "loss-%s" % loss_id, "layers": mlp(k, act), "x": "x", "y": y,
                      "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                                  "loss": loss}})
    # saturated probabilities: the output kernel is scaled by 30, so sigmoid/softmax outputs
    # come within 1e-7 of 0 or 1, where Keras clips them to [1e-7, 1 - 1e-7]
    cases.append({"id": "loss-binary_crossentropy_saturated", "layers": mlp(1, "sigmoid"),
                  "x": "x", "y": "y_bin", "last_kernel_scale": 30.0,
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                              "loss": "binary_crossentropy"}})
    cases.append({"id": "loss-categorical_crossentropy_saturated", "layers": mlp(3, "softmax"),
                  "x": "x", "y": "y_onehot", "last_kernel_scale": 30.0,
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                              "loss": "categorical_crossentropy"}})
    for opt_id, opt in OPTIMIZERS:                   # (b) every optimizer, on two losses
        cases.append({"id": "opt-%s-mse" % opt_id, "layers": mlp(3, "linear"), "x": "x",
                      "y": "y_reg", "compile": {"optimizer": opt, "loss": "mse"}})
        cases.append({"id": "opt-%s-categorical_crossentropy" % opt_id,
                      "layers": mlp(3, "softmax"), "x": "x", "y": "y_onehot",
                      "compile": {"optimizer": opt, "loss": "categorical_crossentropy"}})
    # (c) regularizers and the tutorial's custom activation
    cases.append({"id": "reg-l2-custom_activation",
                  "layers": mlp(3, "softmax", activation={"custom": "x*sigmoid(x)"},
                                kernel_regularizer="l2"),
                  "x": "x", "y": "y_onehot",
                  "compile": {"optimizer": "adam", "loss": "categorical_crossentropy",
                              "metrics": ["accuracy"]}})
    cases.append({"id": "reg-l1_bias", "layers": mlp(3, "linear", bias_regularizer="l1"),
                  "x": "x", "y": "y_reg",
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                              "loss": "mse"}})
    cases.append({"id": "reg-l1l2_kernel",
                  "layers": mlp(3, "linear", kernel_regularizer={"class": "L1L2", "l1": 0.01,
                                                                 "l2": 0.02}),
                  "x": "x", "y": "y_reg",
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                              "loss": "mse"}})
    cases.append({"id": "reg-activity_l2", "layers": mlp(3, "linear", activity_regularizer="l2"),
                  "x": "x", "y": "y_reg",
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                              "loss": "mse"}})
    # (d) metrics=["accuracy"]: Keras picks binary/categorical/sparse accuracy from the loss
    for loss, k, act, y in [("binary_crossentropy", 1, "sigmoid", "y_bin"),
                            ("categorical_crossentropy", 3, "softmax", "y_onehot"),
                            ("sparse_categorical_crossentropy", 3, "softmax", "y_int")]:
        cases.append({"id": "metric-accuracy-%s" % loss, "layers": mlp(k, act), "x": "x",
                      "y": y, "compile": {"optimizer": {"class": "Adam", "learning_rate": 0.02},
                                          "loss": loss, "metrics": ["accuracy"]}})
    for metric, loss, k, act, y in [
            ("binary_accuracy", "binary_crossentropy", 1, "sigmoid", "y_bin"),
            ("categorical_accuracy", "categorical_crossentropy", 3, "softmax", "y_onehot"),
            ("sparse_categorical_accuracy", "sparse_categorical_crossentropy", 3, "softmax",
             "y_int"),
            ("acc", "categorical_crossentropy", 3, "softmax", "y_onehot")]:
        cases.append({"id": "metric-%s" % metric, "layers": mlp(k, act), "x": "x", "y": y,
                      "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                                  "loss": loss, "metrics": [metric]}})
    cases.append({"id": "metric-mae_mse", "layers": mlp(3, "linear"), "x": "x", "y": "y_reg",
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1},
                              "loss": "mse", "metrics": ["mae", "mse"]}})
    # the other layers (PReLU's alpha is a trained weight)
    sgd = {"class": "SGD", "learning_rate": 0.1}
    d8 = {"class": "Dense", "units": 8, "input_shape": [5]}
    layer_cases = [
        ("prelu", [d8, {"class": "PReLU"}, {"class": "Dense", "units": 3,
                                            "activation": "softmax"}],
         "y_onehot", "categorical_crossentropy", {"class": "Adam", "learning_rate": 0.01}),
        ("leaky_relu_default", [d8, {"class": "LeakyReLU"}, {"class": "Dense", "units": 3}],
         "y_reg", "mse", sgd),
        ("leaky_relu_0.1", [d8, {"class": "LeakyReLU", "negative_slope": 0.1},
                            {"class": "Dense", "units": 3}], "y_reg", "mse", sgd),
        ("elu_relu", [d8, {"class": "ELU", "alpha": 0.5}, {"class": "Dense", "units": 6},
                      {"class": "ReLU", "max_value": 1.0}, {"class": "Dense", "units": 3}],
         "y_reg", "mse", sgd),
        ("input_activation_softmax",
         [{"class": "Input", "shape": [5]}, {"class": "Dense", "units": 8},
          {"class": "Activation", "activation": "tanh"}, {"class": "Dense", "units": 3},
          {"class": "Softmax"}], "y_onehot", "categorical_crossentropy", sgd),
        ("no_bias", [{"class": "Dense", "units": 8, "activation": "tanh", "use_bias": False,
                      "input_shape": [5]}, {"class": "Dense", "units": 3, "use_bias": False}],
         "y_reg", "mse", sgd),
    ]
    for name, layers, y, loss, opt in layer_cases:
        cases.append({"id": "layer-%s" % name, "layers": layers, "x": "x", "y": y,
                      "compile": {"optimizer": opt, "loss": loss}})
    cases.append({"id": "layer-flatten", "x": "x3", "y": "y_reg",
                  "layers": [{"class": "Flatten", "input_shape": [5, 1]},
                             {"class": "Dense", "units": 8, "activation": "tanh"},
                             {"class": "Dense", "units": 3}],
                  "compile": {"optimizer": sgd, "loss": "mse"}})
    # deterministic initializers: no set_weights, the initial weights themselves must match
    cases.append({"id": "init-constant_ones_zeros", "x": "x", "y": "y_reg", "set_weights": False,
                  "layers": [{"class": "Dense", "units": 8, "activation": "tanh",
                              "input_shape": [5],
                              "kernel_initializer": {"class": "Constant", "value": 0.1},
                              "bias_initializer": "ones"},
                             {"class": "Dense", "units": 3, "kernel_initializer": "ones",
                              "bias_initializer": {"class": "Constant", "value": -0.2}}],
                  "compile": {"optimizer": sgd, "loss": "mse"}})
    for case in cases:
        case.update(steps=STEPS, batches=BATCHES)
    return cases


def fit_cases():
    cases = []
    for loss, k, act, y in [("binary_crossentropy", 1, "sigmoid", "y_bin"),
                            ("categorical_crossentropy", 3, "softmax", "y_onehot"),
                            ("sparse_categorical_crossentropy", 3, "softmax", "y_int")]:
        cases.append({"id": "fit-%s" % loss, "layers": mlp(k, act), "x": "x", "y": y,
                      "compile": {"optimizer": {"class": "Adam", "learning_rate": 0.02},
                                  "loss": loss, "metrics": ["accuracy"]},
                      "fit": {"epochs": 2, "batch_size": 5, "validation_split": 0.25,
                              "shuffle": False, "verbose": 0}})
    cases.append({"id": "fit-mse-l2", "layers": mlp(3, "linear", kernel_regularizer="l2"),
                  "x": "x", "y": "y_reg",
                  "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.1,
                                            "momentum": 0.9}, "loss": "mse"},
                  "fit": {"epochs": 2, "batch_size": 5, "validation_split": 0.25,
                          "shuffle": False, "verbose": 0}})
    cases.append({"id": "fit-validation_data", "layers": mlp(3, "softmax"), "x": "x",
                  "y": "y_onehot",
                  "compile": {"optimizer": "adam", "loss": "categorical_crossentropy",
                              "metrics": ["accuracy"]},
                  "fit": {"epochs": 2, "batch_size": 4, "train_slice": [0, 12],
                          "validation_slice": [12, 16], "shuffle": False, "verbose": 0}})
    # callbacks that change training: learning-rate schedules and early stopping
    cases.append({"id": "fit-learning_rate_scheduler", "layers": mlp(3, "linear"), "x": "x",
                  "y": "y_reg", "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.2},
                                            "loss": "mse"},
                  "fit": {"epochs": 3, "batch_size": 5, "shuffle": False, "verbose": 0,
                          "callbacks": [{"class": "LearningRateScheduler",
                                         "schedule": {"custom": "halve"}}]}})
    cases.append({"id": "fit-reduce_lr_on_plateau", "layers": mlp(3, "linear"), "x": "x",
                  "y": "y_reg", "compile": {"optimizer": {"class": "SGD", "learning_rate": 0.3,
                                                          "momentum": 0.9}, "loss": "mse"},
                  "fit": {"epochs": 8, "batch_size": 4, "validation_split": 0.25,
                          "shuffle": False, "verbose": 0,
                          "callbacks": [{"class": "ReduceLROnPlateau", "monitor": "val_loss",
                                         "factor": 0.5, "patience": 1}]}})
    cases.append({"id": "fit-early_stopping_restore_best", "layers": mlp(3, "softmax"),
                  "x": "x", "y": "y_onehot",
                  "compile": {"optimizer": {"class": "Adam", "learning_rate": 0.05},
                              "loss": "categorical_crossentropy", "metrics": ["accuracy"]},
                  "fit": {"epochs": 30, "batch_size": 4, "validation_split": 0.25,
                          "shuffle": False, "verbose": 0,
                          "callbacks": [{"class": "EarlyStopping", "monitor": "val_loss",
                                         "patience": 2, "restore_best_weights": True}]}})
    return cases


# ---- running a case in Keras ----------------------------------------------------------------
def initial_weights(case_index, case, model):
    """Keras's own initializers (glorot_uniform kernels), then biases 0.1 * N(0, 1) and PReLU
    alphas 0.25 + 0.1 * N(0, 1) (so every path is exercised); a case's "last_kernel_scale"
    multiplies the output layer's kernel (to saturate its activation). Cases with
    "set_weights": false keep what their (deterministic) initializers made."""
    weights = model.get_weights()
    if not case.get("set_weights", True):
        return weights
    brng = np.random.default_rng(1000 + case_index)
    names = [v.name for v in model.weights]
    for i, name in enumerate(names):
        if name == "bias":
            weights[i] = (0.1 * brng.standard_normal(weights[i].shape)).astype(F32)
        elif name == "alpha":
            weights[i] = (0.25 + 0.1 * brng.standard_normal(weights[i].shape)).astype(F32)
    last_kernel = max(i for i, name in enumerate(names) if name == "kernel")
    weights[last_kernel] = (weights[last_kernel] * case.get("last_kernel_scale", 1.0)).astype(F32)
    return weights


def start_case(index, case):
    """Seed, build and compile the case's model, set and record its starting weights."""
    keras.utils.set_random_seed(index)
    cid = case["id"]
    model = build(case["layers"])
    compile_model(model, case["compile"])
    w0 = initial_weights(index, case, model)
    model.set_weights(w0)
    case["weight_names"] = [v.path for v in model.weights]
    for i, w in enumerate(w0):
        put("%s.w0.%d" % (cid, i), w)
    return cid, model


def run_model_case(index, case):
    cid, model = start_case(index, case)
    xs, ys = DATA[case["x"]], DATA[case["y"]]
    put(cid + ".pred0", model.predict(xs, verbose=0))
    losses, metrics = [], []
    for step in range(case["steps"]):
        a, b = case["batches"][step % len(case["batches"])]
        out = model.train_on_batch(xs[a:b], ys[a:b])
        if case["compile"].get("metrics"):
            losses.append(out[0])
            metrics.append(out[1:])           # one column per metric, in compile order
        else:
            losses.append(out)
    put(cid + ".loss", losses)
    if metrics:
        put(cid + ".metric", metrics)
        put(cid + ".eval", model.evaluate(xs, ys, verbose=0))
    for i, w in enumerate(model.get_weights()):
        put("%s.w15.%d" % (cid, i), w)
    put(cid + ".pred15", model.predict(xs, verbose=0))
    put(cid + ".test_on_batch", np.atleast_1d(model.test_on_batch(xs, ys)))
    if case.get("set_weights", True) is False:
        case["weights_from_initializers"] = True
    assert np.all(np.isfinite(losses)), cid


def run_fit_case(index, case):
    cid, model = start_case(index, case)
    kwargs = dict(case["fit"])
    xs, ys = DATA[case["x"]], DATA[case["y"]]
    a, b = kwargs.pop("train_slice", [0, len(xs)])
    if "validation_slice" in kwargs:
        c, d = kwargs.pop("validation_slice")
        kwargs["validation_data"] = (xs[c:d], ys[c:d])
    kwargs["callbacks"] = [make_obj(keras.callbacks, {k: make_obj(None, v) if isinstance(v, dict)
                                                      else v for k, v in spec.items()})
                           for spec in kwargs.pop("callbacks", [])]
    history = model.fit(xs[a:b], ys[a:b], **kwargs)
    case["history_keys"] = sorted(history.history)
    case["epochs_run"] = len(history.epoch)
    for key, values in history.history.items():
        put("%s.hist.%s" % (cid, key), values)
    for i, w in enumerate(model.get_weights()):
        put("%s.w_end.%d" % (cid, i), w)


def inference_cases():
    """The issue's tutorial model (Dropout included): Dropout is random in training, so only
    inference is compared: predict, evaluate (the l2 penalty is part of the loss) and
    test_on_batch, from set initial weights."""
    layers = [{"class": "Dense", "units": 64, "activation": "relu", "input_shape": [5]},
              {"class": "Dense", "units": 128, "activation": {"custom": "x*sigmoid(x)"},
               "kernel_regularizer": "l2"},
              {"class": "Dropout", "rate": 0.2},
              {"class": "Dense", "units": 32, "activation": "tanh"},
              {"class": "Dense", "units": 3, "activation": "softmax"}]
    return [{"id": "inference-tutorial_model", "layers": layers, "x": "x", "y": "y_onehot",
             "compile": {"optimizer": "adam", "loss": "categorical_crossentropy",
                         "metrics": ["accuracy"]}}]


def run_inference_case(index, case):
    cid, model = start_case(index, case)
    xs, ys = DATA[case["x"]], DATA[case["y"]]
    put(cid + ".pred0", model.predict(xs, verbose=0))
    put(cid + ".eval", model.evaluate(xs, ys, verbose=0, batch_size=5))
    put(cid + ".test_on_batch", np.atleast_1d(model.test_on_batch(xs, ys)))


# ---- (e) activations ------------------------------------------------------------------------
ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign",
               "elu", "selu", "gelu", "silu", "swish", "linear", "exponential", "hard_sigmoid",
               "hard_silu", "leaky_relu", "relu6", "mish"]
# values include kinks (0, +-3, 6) and large magnitudes; gradients are taken away from kinks,
# where frameworks legitimately pick different subgradients
X_VALUES = np.array([-100, -30, -10, -6, -3, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3, 6,
                     10, 30, 100], dtype=F32)
X_GRAD = np.array([-100, -30, -10, -5, -2.5, -1.5, -0.7, -0.2, -1e-3, 1e-3, 0.2, 0.7, 1.5,
                   2.5, 5, 7, 10, 30, 100], dtype=F32)


def activation_cases():
    put("act.x_values", X_VALUES)
    put("act.x_grad", X_GRAD)
    r = np.random.default_rng(7).standard_normal(X_GRAD.shape).astype(F32)
    put("act.r", r)
    cases = []
    for name in ACTIVATIONS:
        fn = keras.activations.get(name)
        # softmax/log_softmax act along the last axis: also feed rows of a (1, n) matrix
        put("act.%s.value" % name, np.asarray(fn(jax.numpy.asarray(X_VALUES[None, :])))[0])
        _, vjp = jax.vjp(lambda t: fn(t), jax.numpy.asarray(X_GRAD[None, :]))
        put("act.%s.grad" % name, np.asarray(vjp(jax.numpy.asarray(r[None, :]))[0])[0])
        cases.append({"id": "act-" + name, "activation": name, "shape": [1, len(X_VALUES)]})
    return cases


def main():
    cases = model_cases()
    for i, case in enumerate(cases):
        run_model_case(i, case)
    fits = fit_cases()
    for i, case in enumerate(fits):
        run_fit_case(500 + i, case)
    inference = inference_cases()
    for i, case in enumerate(inference):
        run_inference_case(900 + i, case)
    acts = activation_cases()
    meta = {
        "generated_by": "tools/keras_reference.py",
        "command": COMMAND,
        "keras_version": keras.__version__, "jax_version": jax.__version__,
        "jaxlib_version": jax.lib.__version__ if hasattr(jax.lib, "__version__") else None,
        "numpy_version": np.__version__, "python_version": sys.version.split()[0],
        "backend": keras.backend.backend(), "floatx": keras.backend.floatx(),
        "custom_activations": {"x*sigmoid(x)": "x * sigmoid(x) (the tutorial's custom_activation)"},
        "initial_weights": "Keras's glorot_uniform kernels (keras.utils.set_random_seed(case "
                           "index)), biases replaced by 0.1 * N(0, 1), PReLU alphas by "
                           "0.25 + 0.1 * N(0, 1); init-* cases keep their initializers",
        "data": {name: {"shape": list(v.shape), "dtype": str(v.dtype)} for name, v in DATA.items()},
        "model_cases": cases, "fit_cases": fits, "inference_cases": inference,
        "activation_cases": acts,
    }
    for value in arrays.values():
        assert value.dtype != object
    os.makedirs(os.path.dirname(OUT_NPZ), exist_ok=True)
    np.savez_compressed(OUT_NPZ, **arrays)
    with open(OUT_JSON, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print("wrote %d arrays, %d model cases, %d fit cases, %d inference cases, %d activations "
          "-> %s (%d bytes), %s" % (len(arrays), len(cases), len(fits), len(inference),
                                    len(acts), OUT_NPZ, os.path.getsize(OUT_NPZ), OUT_JSON))


if __name__ == "__main__":
    main()
