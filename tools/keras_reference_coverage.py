"""Record Keras 3 reference numbers for issue 13's coverage work, which
tests/test_keras_coverage_parity.py checks microdense against.

Same route as tools/keras_reference.py (read tools/README.md), separate files so that one stays
untouched:

    python -m venv /work/kerasvenv && /work/kerasvenv/bin/pip install keras jax jaxlib numpy
    KERAS_BACKEND=jax /work/kerasvenv/bin/python tools/keras_reference_coverage.py

Writes
    tests/data/keras_reference_coverage.npz    arrays, keys "<case id>.<what>"
    tests/data/keras_reference_coverage.json   the cases (plain JSON specs) and the versions

Cases
    schedule-*   a learning-rate schedule's value at steps 0..99 (config in the JSON)
    op-*         a keras.ops function: its output(s) on fixed inputs and, where Keras
                 differentiates it, the vector-Jacobian product d sum(out * r)/d input
    metric-*     a metric after update_state on two batches (with and without sample weights)
    loss-*       a loss on targets that broadcast against the predictions (Keras's arithmetic)
    train-*      15 train_on_batch steps of a small model: an optimizer with a schedule, or
                 Dense layers with kernel/bias constraints; the losses and final weights
    fit-*        fit/evaluate with the new metrics compiled in; EarlyStopping's docstring example
"""
import json
import os
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

import jax  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_NPZ = os.path.join(ROOT, "tests", "data", "keras_reference_coverage.npz")
OUT_JSON = os.path.join(ROOT, "tests", "data", "keras_reference_coverage.json")
F32 = np.float32
STEPS = 15
BATCHES = [[0, 10], [10, 16]]

arrays = {}
cases = []


def put(key, value, dtype=None):
    value = np.asarray(value)
    arrays[key] = value.astype(dtype) if dtype is not None else value


def add_case(case):
    assert all(c["id"] != case["id"] for c in cases), case["id"]
    cases.append(case)


rng = np.random.default_rng(13)


# ---- schedules -------------------------------------------------------------------------------
SCHEDULES = [
    ("exponential", "ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10,
                                         "decay_rate": 0.9}),
    ("exponential_staircase", "ExponentialDecay", {"initial_learning_rate": 0.1,
                                                   "decay_steps": 7, "decay_rate": 0.5,
                                                   "staircase": True}),
    ("inverse_time", "InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 5,
                                          "decay_rate": 0.5}),
    ("inverse_time_staircase", "InverseTimeDecay", {"initial_learning_rate": 0.1,
                                                    "decay_steps": 5, "decay_rate": 0.5,
                                                    "staircase": True}),
    ("piecewise", "PiecewiseConstantDecay", {"boundaries": [10, 20],
                                             "values": [0.1, 0.05, 0.01]}),
    ("polynomial", "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30,
                                       "end_learning_rate": 0.001, "power": 0.5}),
    ("polynomial_cycle", "PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30,
                                             "end_learning_rate": 0.01, "power": 2.0,
                                             "cycle": True}),
    ("cosine", "CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 40, "alpha": 0.1}),
    ("cosine_warmup", "CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 40,
                                      "warmup_target": 0.1, "warmup_steps": 10}),
    ("cosine_restarts", "CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                                "first_decay_steps": 10}),
    ("cosine_restarts_constant", "CosineDecayRestarts", {"initial_learning_rate": 0.1,
                                                         "first_decay_steps": 8, "t_mul": 1.0,
                                                         "m_mul": 0.5, "alpha": 0.05}),
]


def schedule_cases():
    for name, class_name, config in SCHEDULES:
        schedule = getattr(keras.optimizers.schedules, class_name)(**config)
        case_id = f"schedule-{name}"
        put(case_id + ".values", [float(schedule(step)) for step in range(100)], F32)
        add_case({"id": case_id, "kind": "schedule", "class_name": class_name,
                  "config": config, "keras_config": json.loads(json.dumps(
                      keras.optimizers.schedules.serialize(schedule)["config"]))})


# ---- ops ---------------------------------------------------------------------------------------
def uniform(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype(F32)


def away_from_zero(*shape):
    values = uniform(*shape)
    return np.where(np.abs(values) < 0.2, 0.5, values).astype(F32)


INPUTS = {
    "a34": uniform(3, 4), "b34": uniform(3, 4), "b4": uniform(4), "c45": uniform(4, 5),
    "pos34": rng.uniform(0.3, 2.0, (3, 4)).astype(F32), "nz34": away_from_zero(3, 4),
    "a234": uniform(2, 3, 4), "v5": uniform(5), "w3": uniform(3), "mask34": uniform(3, 4) > 0,
    "small34": rng.uniform(-0.4, 0.9, (3, 4)).astype(F32), "labels": np.array([0, 2, 1, -1, 3]),
    "idx": np.array([2, 0, 2]), "idx34": np.array([[3, 0], [1, 1], [2, 0]]),
    "probs": rng.uniform(0, 1, (5, 4)).astype(F32), "targets": np.array([0, 3, 1, 2, 0]),
    "ties": np.array([[0.1, 0.5, 0.5, 0.2], [0.3, 0.3, 0.3, 0.1]], F32),
    "halves": np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.7, -0.2], F32),
}
for key, value in INPUTS.items():
    put("input." + key, value)

# (id, op, input names, kwargs, differentiable in Keras)
OPS = [
    ("square", "square", ["a34"], {}, True),
    ("subtract", "subtract", ["a34", "b4"], {}, True),
    ("multiply", "multiply", ["a34", "b34"], {}, True),
    ("divide", "divide", ["a34", "pos34"], {}, True),
    ("true_divide", "true_divide", ["a34", "pos34"], {}, True),
    ("negative", "negative", ["a34"], {}, True),
    ("reciprocal", "reciprocal", ["pos34"], {}, True),
    ("absolute", "absolute", ["nz34"], {}, True),
    ("log1p", "log1p", ["pos34"], {}, True),
    ("expm1", "expm1", ["a34"], {}, True),
    ("add", "add", ["a34", "b4"], {}, True),
    ("power", "power", ["pos34", "b4"], {}, True),
    ("exp", "exp", ["a34"], {}, True),
    ("log", "log", ["pos34"], {}, True),
    ("sqrt", "sqrt", ["pos34"], {}, True),
    ("abs", "abs", ["nz34"], {}, True),
    ("maximum", "maximum", ["a34", "b4"], {}, True),
    ("minimum", "minimum", ["a34", "b34"], {}, True),
    ("clip", "clip", ["a34"], {"x_min": -0.5, "x_max": 0.8}, True),
    ("where", "where", ["mask34", "a34", "b34"], {}, True),
    ("matmul", "matmul", ["a34", "c45"], {}, True),
    ("dot_2d", "dot", ["a34", "c45"], {}, True),
    ("dot_3d_1d", "dot", ["a234", "b4"], {}, True),
    ("outer", "outer", ["w3", "v5"], {}, True),
    ("mean", "mean", ["a234"], {"axis": 1}, True),
    ("sum_keepdims", "sum", ["a234"], {"axis": [0, 2], "keepdims": True}, True),
    ("max", "max", ["a34"], {"axis": 0}, True),
    ("min", "min", ["a34"], {"axis": -1, "keepdims": True}, True),
    ("var", "var", ["a34"], {}, True),
    ("var_axis", "var", ["a234"], {"axis": 1, "keepdims": True}, True),
    ("std", "std", ["a34"], {"axis": 0}, True),
    ("norm", "norm", ["a34"], {}, True),
    ("norm_l1", "norm", ["a34"], {"ord": 1, "axis": 1}, True),
    ("norm_inf", "norm", ["a34"], {"ord": float("inf"), "axis": -1}, True),
    ("norm_3", "norm", ["nz34"], {"ord": 3, "axis": 0}, True),
    ("norm_fro", "norm", ["a234"], {"axis": [1, 2]}, True),
    ("norm_matrix_1", "norm", ["a34"], {"ord": 1, "axis": [0, 1]}, True),
    ("norm_matrix_inf", "norm", ["a34"], {"ord": float("inf"), "axis": [0, 1]}, True),
    ("logsumexp", "logsumexp", ["a34"], {"axis": 1}, True),
    ("softmax", "softmax", ["a34"], {"axis": 0}, True),
    ("log_softmax", "log_softmax", ["a34"], {}, True),
    ("reshape", "reshape", ["a234"], {"newshape": [4, 6]}, True),
    ("transpose", "transpose", ["a234"], {"axes": [2, 0, 1]}, True),
    ("expand_dims", "expand_dims", ["a34"], {"axis": 1}, True),
    ("squeeze", "squeeze", ["a34"], {}, True),
    ("concatenate", "concatenate", [["a34", "b34"]], {"axis": 1}, True),
    ("stack", "stack", [["a34", "b34"]], {"axis": -1}, True),
    ("ravel", "ravel", ["a234"], {}, True),
    ("broadcast_to", "broadcast_to", ["b4"], {"shape": [3, 4]}, True),
    ("take", "take", ["a34"], {"indices": "idx", "axis": 1}, True),
    ("take_flat", "take", ["a34"], {"indices": "idx"}, True),
    ("take_along_axis", "take_along_axis", ["a34"], {"indices": "idx34", "axis": 1}, True),
    ("tile", "tile", ["a34"], {"repeats": [2, 1]}, True),
    ("repeat", "repeat", ["a34"], {"repeats": 2, "axis": 0}, True),
    ("split", "split", ["a34"], {"indices_or_sections": 2, "axis": 1}, True),
    ("top_k", "top_k", ["a34"], {"k": 2}, True),
    ("relu", "relu", ["nz34"], {}, True),
    ("sigmoid", "sigmoid", ["a34"], {}, True),
    ("tanh", "tanh", ["a34"], {}, True),
    ("relu6", "relu6", ["nz34"], {}, True),
    ("leaky_relu", "leaky_relu", ["nz34"], {"negative_slope": 0.1}, True),
    ("elu", "elu", ["nz34"], {}, True),
    ("selu", "selu", ["nz34"], {}, True),
    ("gelu", "gelu", ["a34"], {}, True),
    ("gelu_exact", "gelu", ["a34"], {"approximate": False}, True),
    ("silu", "silu", ["a34"], {}, True),
    ("swish", "swish", ["a34"], {}, True),
    ("softplus", "softplus", ["a34"], {}, True),
    ("softsign", "softsign", ["nz34"], {}, True),
    ("hard_sigmoid", "hard_sigmoid", ["small34"], {}, True),
    ("hard_silu", "hard_silu", ["small34"], {}, True),
    ("log_sigmoid", "log_sigmoid", ["a34"], {}, True),
    ("normalize", "normalize", ["a34"], {"axis": 0}, True),
    ("moments", "moments", ["a234"], {"axes": [0, 2]}, True),
    ("convert_to_tensor", "convert_to_tensor", ["a34"], {}, True),
    ("cast", "cast", ["a34"], {"dtype": "float32"}, True),
    # values only: Keras has no gradient here either (integers, booleans, piecewise constants)
    ("one_hot", "one_hot", ["labels"], {"num_classes": 4}, False),
    ("one_hot_axis0", "one_hot", ["labels"], {"num_classes": 3, "axis": 0}, False),
    ("argmax", "argmax", ["a34"], {"axis": 1}, False),
    ("argmax_flat", "argmax", ["a34"], {}, False),
    ("argmin", "argmin", ["a34"], {"axis": 0}, False),
    ("argsort", "argsort", ["a34"], {}, False),
    ("sign", "sign", ["nz34"], {}, False),
    ("floor", "floor", ["halves"], {}, False),
    ("ceil", "ceil", ["halves"], {}, False),
    ("round", "round", ["halves"], {}, False),
    ("equal", "equal", ["a34", "a34"], {}, False),
    ("greater", "greater", ["a34", "b4"], {}, False),
    ("less_equal", "less_equal", ["a34", "b34"], {}, False),
    ("logical_and", "logical_and", ["mask34", "mask34"], {}, False),
    ("all", "all", ["mask34"], {"axis": 0}, False),
    ("any", "any", ["mask34"], {"axis": 1}, False),
    ("in_top_k", "in_top_k", ["targets", "probs"], {"k": 2}, False),
    ("in_top_k_ties", "in_top_k", ["targets2", "ties"], {"k": 1}, False),
    ("cast_int", "cast", ["a34"], {"dtype": "int32"}, False),
    ("ones", "ones", [], {"shape": [2, 3]}, False),
    ("zeros", "zeros", [], {"shape": [3]}, False),
    ("full", "full", [], {"shape": [2, 2], "fill_value": 0.5}, False),
    ("zeros_like", "zeros_like", ["a34"], {}, False),
    ("ones_like", "ones_like", ["a34"], {}, False),
    ("eye", "eye", [], {"N": 3, "M": 4, "k": 1}, False),
    ("identity", "identity", [], {"n": 3}, False),
    ("arange", "arange", [], {"start": 2, "stop": 11, "step": 3}, False),
    ("linspace", "linspace", [], {"start": 0.0, "stop": 1.0, "num": 5}, False),
    ("shape", "shape", ["a234"], {}, False),
    ("ndim", "ndim", ["a234"], {}, False),
    ("size", "size", ["a234"], {}, False),
]
INPUTS2 = {"targets2": np.array([2, 0])}
for key, value in INPUTS2.items():
    put("input." + key, value)
INPUTS.update(INPUTS2)


def op_arguments(names, kwargs):
    args = [[INPUTS[n] for n in name] if isinstance(name, list) else INPUTS[name]
            for name in names]
    kwargs = {k: (INPUTS[v] if isinstance(v, str) and v in INPUTS else v)
              for k, v in kwargs.items()}
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    return args, kwargs


def op_cases():
    for case_id, name, input_names, kwargs, differentiable in OPS:
        fn = getattr(ops, name)
        args, kw = op_arguments(input_names, kwargs)
        outputs = fn(*args, **kw)
        outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
        key = f"op-{case_id}"
        for i, out in enumerate(outputs):
            put(f"{key}.out{i}", np.asarray(out))
        case = {"id": key, "kind": "op", "op": name, "inputs": input_names,
                "kwargs": kwargs, "outputs": len(outputs), "grad": differentiable}
        if differentiable:
            # Gradients with respect to the float inputs (a list input: each of its arrays).
            flat_names = [n for name_ in input_names
                          for n in (name_ if isinstance(name_, list) else [name_])]
            float_names = [n for n in flat_names if INPUTS[n].dtype == F32]
            cotangents = [rng.standard_normal(np.shape(o)).astype(F32) for o in outputs]

            def f(*floats):
                values = dict(zip(float_names, floats))
                a = [[values.get(n, INPUTS[n]) for n in name_] if isinstance(name_, list)
                     else values.get(name_, INPUTS[name_]) for name_ in input_names]
                out = fn(*a, **kw)
                out = list(out) if isinstance(out, (tuple, list)) else [out]
                # top_k's indices carry no gradient: only float outputs enter the sum.
                return sum(jax.numpy.sum(o * r) for o, r in zip(out, cotangents)
                           if o.dtype == jax.numpy.float32)

            grads = jax.grad(f, argnums=tuple(range(len(float_names))))(
                *[INPUTS[n] for n in float_names])
            for i, r in enumerate(cotangents):
                put(f"{key}.cotangent{i}", r)
            for n, g in zip(float_names, grads):
                put(f"{key}.grad.{n}", np.asarray(g))
            case["grad_inputs"] = float_names
        add_case(case)


# ---- metrics -------------------------------------------------------------------------------
y_bin_true = (rng.random((2, 12, 1)) < 0.5).astype(F32)
y_bin_pred = rng.random((2, 12, 1)).astype(F32)
y_bin_logit = rng.standard_normal((2, 12, 1)).astype(F32) * 2
y_cat_int = rng.integers(0, 5, (2, 12))
y_cat_true = np.eye(5, dtype=F32)[y_cat_int]
y_cat_pred = rng.random((2, 12, 5)).astype(F32)
y_multi_true = (rng.random((2, 12, 3)) < 0.4).astype(F32)
y_multi_pred = rng.random((2, 12, 3)).astype(F32)
y_reg_true = rng.standard_normal((2, 12, 3)).astype(F32)
y_reg_pred = rng.standard_normal((2, 12, 3)).astype(F32)
weights = rng.uniform(0, 2, (2, 12)).astype(F32)
METRIC_DATA = {"bin_true": y_bin_true, "bin_pred": y_bin_pred, "bin_logit": y_bin_logit,
               "cat_int": y_cat_int, "cat_true": y_cat_true, "cat_pred": y_cat_pred,
               "multi_true": y_multi_true, "multi_pred": y_multi_pred,
               "reg_true": y_reg_true, "reg_pred": y_reg_pred, "weights": weights}
for key, value in METRIC_DATA.items():
    put("metric_data." + key, value)

# (id, class, kwargs, y_true data, y_pred data)
METRICS = [
    ("precision", "Precision", {}, "bin_true", "bin_pred"),
    ("precision_thresholds", "Precision", {"thresholds": [0.2, 0.5, 0.8]}, "bin_true",
     "bin_pred"),
    ("precision_multilabel", "Precision", {"thresholds": 0.3}, "multi_true", "multi_pred"),
    ("precision_top_k", "Precision", {"top_k": 2}, "multi_true", "multi_pred"),
    ("precision_class_id", "Precision", {"class_id": 1}, "multi_true", "multi_pred"),
    ("recall", "Recall", {}, "bin_true", "bin_pred"),
    ("recall_thresholds", "Recall", {"thresholds": [0.1, 0.6]}, "multi_true", "multi_pred"),
    ("recall_top_k", "Recall", {"top_k": 1, "class_id": 2}, "multi_true", "multi_pred"),
    ("auc", "AUC", {}, "bin_true", "bin_pred"),
    ("auc_pr", "AUC", {"curve": "PR"}, "bin_true", "bin_pred"),
    ("auc_minoring", "AUC", {"summation_method": "minoring", "num_thresholds": 20},
     "bin_true", "bin_pred"),
    ("auc_majoring_pr", "AUC", {"curve": "PR", "summation_method": "majoring"}, "bin_true",
     "bin_pred"),
    ("auc_thresholds", "AUC", {"thresholds": [0.1, 0.35, 0.5, 0.9]}, "multi_true",
     "multi_pred"),
    ("auc_from_logits", "AUC", {"from_logits": True}, "bin_true", "bin_logit"),
    ("rmse", "RootMeanSquaredError", {}, "reg_true", "reg_pred"),
    ("top_k", "TopKCategoricalAccuracy", {"k": 2}, "cat_true", "cat_pred"),
    ("top_k_default", "TopKCategoricalAccuracy", {}, "cat_true", "cat_pred"),
    ("sparse_top_k", "SparseTopKCategoricalAccuracy", {"k": 3}, "cat_int", "cat_pred"),
]


def metric_cases():
    for case_id, class_name, kwargs, true_key, pred_key in METRICS:
        for weighted in (False, True):
            metric = getattr(keras.metrics, class_name)(**kwargs)
            results = []
            for batch in range(2):
                sw = weights[batch] if weighted else None
                metric.update_state(METRIC_DATA[true_key][batch], METRIC_DATA[pred_key][batch],
                                    sample_weight=sw)
                results.append(np.asarray(metric.result()))
            key = f"metric-{case_id}{'-weighted' if weighted else ''}"
            put(key + ".after1", results[0])
            put(key + ".after2", results[1])
            metric.reset_state()
            put(key + ".reset", np.asarray(metric.result()))
            add_case({"id": key, "kind": "metric", "class_name": class_name,
                      "kwargs": kwargs, "y_true": true_key, "y_pred": pred_key,
                      "weighted": weighted})


# ---- losses whose targets broadcast ----------------------------------------------------------
LOSS_DATA = {"t1": uniform(1), "p1x5": uniform(1, 5), "t10": uniform(10),
             "p4x10": uniform(4, 10), "t4x1x3": uniform(4, 1, 3), "p4x2x3": uniform(4, 2, 3),
             "h10": np.where(uniform(10) > 0, 1.0, -1.0).astype(F32),
             "pp4x10": rng.uniform(0.05, 0.95, (4, 10)).astype(F32),
             "tp10": rng.uniform(0.05, 0.95, 10).astype(F32)}
for key, value in LOSS_DATA.items():
    put("loss_data." + key, value)

LOSSES = [("mse_n1", "mean_squared_error", "t1", "p1x5"),
          ("mse_row", "mean_squared_error", "t10", "p4x10"),
          ("mae_row", "mean_absolute_error", "t10", "p4x10"),
          ("huber_row", "huber", "t10", "p4x10"),
          ("mse_3d", "mean_squared_error", "t4x1x3", "p4x2x3"),
          ("hinge_row", "hinge", "h10", "p4x10"),
          ("squared_hinge_row", "squared_hinge", "h10", "p4x10"),
          ("kld_row", "kl_divergence", "tp10", "pp4x10"),
          ("poisson_row", "poisson", "tp10", "pp4x10"),
          ("mape_row", "mean_absolute_percentage_error", "t10", "p4x10"),
          ("msle_row", "mean_squared_logarithmic_error", "tp10", "pp4x10")]


def loss_cases():
    for case_id, name, t, p in LOSSES:
        fn = getattr(keras.losses, name)
        values = fn(LOSS_DATA[t], LOSS_DATA[p])
        key = f"loss-{case_id}"
        put(key + ".values", np.asarray(values))
        grad = jax.grad(lambda pred: jax.numpy.mean(fn(LOSS_DATA[t], pred)))(LOSS_DATA[p])
        put(key + ".grad", np.asarray(grad))
        add_case({"id": key, "kind": "loss", "loss": name, "y_true": t, "y_pred": p})


# ---- training with schedules and constraints ---------------------------------------------------
x = rng.standard_normal((16, 5)).astype(F32)
y_int = rng.integers(0, 3, 16)
y_onehot = np.eye(3, dtype=F32)[y_int]
y_binary = (x[:, :1] + 0.5 * rng.standard_normal((16, 1)) > 0).astype(F32)
for key, value in {"x": x, "y_onehot": y_onehot, "y_binary": y_binary}.items():
    put("train_data." + key, value)

TRAIN = [
    ("sgd_exponential", {"class": "SGD", "learning_rate": {
        "class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.5,
                                                     "decay_steps": 3, "decay_rate": 0.5}}},
     [{}, {}]),
    ("adam_cosine_restarts", {"class": "Adam", "learning_rate": {
        "class_name": "CosineDecayRestarts", "config": {"initial_learning_rate": 0.05,
                                                        "first_decay_steps": 4}}}, [{}, {}]),
    ("rmsprop_piecewise", {"class": "RMSprop", "learning_rate": {
        "class_name": "PiecewiseConstantDecay", "config": {"boundaries": [4, 8],
                                                           "values": [0.01, 0.005, 0.001]}}},
     [{}, {}]),
    ("sgd_momentum_polynomial", {"class": "SGD", "momentum": 0.9, "learning_rate": {
        "class_name": "PolynomialDecay", "config": {"initial_learning_rate": 0.2,
                                                    "decay_steps": 10, "power": 2.0}}},
     [{}, {}]),
    ("constraints_maxnorm_nonneg", {"class": "SGD", "learning_rate": 0.5},
     [{"kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 0.5}},
       "bias_constraint": {"class_name": "NonNeg", "config": {}}},
      {"kernel_constraint": {"class_name": "UnitNorm", "config": {"axis": 0}}}]),
    ("constraints_minmax", {"class": "Adam", "learning_rate": 0.05},
     [{"kernel_constraint": {"class_name": "MinMaxNorm",
                             "config": {"min_value": 0.2, "max_value": 0.6, "rate": 0.5}}},
      {"kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 1.0,
                                                                 "axis": 1}},
       "bias_constraint": {"class_name": "NonNeg", "config": {}}}]),
]


def initial_weights():
    """Glorot-like kernels and small biases, fixed by the seed (shared by every train case)."""
    return [rng.uniform(-0.6, 0.6, (5, 8)).astype(F32), rng.uniform(-0.1, 0.1, 8).astype(F32),
            rng.uniform(-0.6, 0.6, (8, 3)).astype(F32), rng.uniform(-0.1, 0.1, 3).astype(F32)]


W0 = initial_weights()
for i, w in enumerate(W0):
    put(f"train_data.w0.{i}", w)


def keras_optimizer(spec):
    kwargs = {k: v for k, v in spec.items() if k != "class"}
    if isinstance(kwargs["learning_rate"], dict):
        kwargs["learning_rate"] = keras.optimizers.schedules.deserialize(
            kwargs["learning_rate"])
    return getattr(keras.optimizers, spec["class"])(**kwargs)


def keras_constraints(layer_spec):
    return {k: keras.constraints.deserialize(v) for k, v in layer_spec.items()}


def train_cases():
    for case_id, optimizer, layer_specs in TRAIN:
        model = keras.Sequential([
            keras.Input(shape=(5,)),
            keras.layers.Dense(8, activation="tanh", **keras_constraints(layer_specs[0])),
            keras.layers.Dense(3, activation="softmax", **keras_constraints(layer_specs[1]))])
        model.compile(optimizer=keras_optimizer(optimizer), loss="categorical_crossentropy")
        model.set_weights(W0)
        losses = []
        learning_rates = []
        for step in range(STEPS):
            lo, hi = BATCHES[step % 2]
            learning_rates.append(float(model.optimizer.learning_rate))
            losses.append(float(model.train_on_batch(x[lo:hi], y_onehot[lo:hi])))
        key = f"train-{case_id}"
        put(key + ".loss", losses, F32)
        put(key + ".learning_rate", learning_rates, F32)
        for i, w in enumerate(model.get_weights()):
            put(f"{key}.w15.{i}", w)
        add_case({"id": key, "kind": "train", "optimizer": optimizer, "layers": layer_specs})


# ---- fit and evaluate with the new metrics; EarlyStopping's docstring -------------------------
def fit_cases():
    keras.utils.clear_session()          # so the metrics are named "auc", not "auc_12"
    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=[keras.metrics.AUC(), keras.metrics.Precision(),
                           keras.metrics.Recall(), "accuracy"])
    model.set_weights([W0[0], W0[1], W0[2][:, :1], W0[3][:1]])
    history = model.fit(x, y_binary, epochs=3, batch_size=6, shuffle=False, verbose=0)
    for name, values in history.history.items():
        put(f"fit-binary_metrics.hist.{name}", values, F32)
    add_case({"id": "fit-binary_metrics", "kind": "fit", "keys": sorted(history.history)})

    model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy",
                  metrics=[keras.metrics.TopKCategoricalAccuracy(k=2),
                           keras.metrics.RootMeanSquaredError()])
    model.set_weights(W0)
    results = model.evaluate(x, y_onehot, batch_size=5, verbose=0, return_dict=True)
    for name, value in results.items():
        put(f"evaluate-categorical_metrics.{name}", value, F32)
    add_case({"id": "evaluate-categorical_metrics", "kind": "evaluate", "keys": sorted(results)})

    # keras.callbacks.EarlyStopping's docstring, with fixed starting weights and without
    # shuffling (the only changes), so both frameworks see the batches in the same order.
    w_es = [rng.uniform(-0.3, 0.3, (20, 10)).astype(F32), np.zeros(10, F32)]
    put("fit-early_stopping_docstring.w0.0", w_es[0])
    model = keras.models.Sequential([keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(), loss="mse")
    model.build((None, 20))
    model.set_weights(w_es)
    history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5), epochs=10, batch_size=1,
                        callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=3)],
                        verbose=0, shuffle=False)
    put("fit-early_stopping_docstring.loss", history.history["loss"], np.float64)
    add_case({"id": "fit-early_stopping_docstring", "kind": "early_stopping"})


def main():
    schedule_cases()
    op_cases()
    metric_cases()
    loss_cases()
    train_cases()
    fit_cases()
    for key, value in arrays.items():
        assert value.dtype != object, key
    np.savez_compressed(OUT_NPZ, **arrays)
    versions = {"keras": keras.__version__, "jax": jax.__version__,
                "jaxlib": jax.lib.__version__ if hasattr(jax.lib, "__version__") else None,
                "numpy": np.__version__, "python": sys.version.split()[0],
                "backend": keras.backend.backend()}
    with open(OUT_JSON, "w") as f:
        json.dump({"versions": versions, "cases": cases}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(cases)} cases, {len(arrays)} arrays: {OUT_NPZ}, {OUT_JSON}")


if __name__ == "__main__":
    main()
