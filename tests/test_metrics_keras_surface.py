"""Metrics as Keras 3's objects: state Variables named as Keras names them, attribute tracking,
stateless forms, every class by name, config round trips; the new metrics checked against
their formulas computed here in numpy. Keras's own metric tests: tests/keras_suite/."""
import json
import pickle

import numpy as np
import pytest

import microdense as keras
from microdense import metrics
from microdense.metrics.confusion_counts import confusion_counts

EPS = 1e-7
rng = np.random.default_rng(7)


# ---- state: Variables, as Keras's ----------------------------------------------------------

@pytest.mark.parametrize("metric, names", [
    (metrics.Accuracy(), ["total", "count"]),
    (metrics.Mean(), ["total", "count"]),
    (metrics.Sum(), ["total"]),
    (metrics.MeanSquaredError(), ["total", "count"]),
    (metrics.TruePositives(), ["accumulator"]),
    (metrics.Precision(), ["true_positives", "false_positives"]),
    (metrics.Recall(), ["true_positives", "false_negatives"]),
    (metrics.AUC(), ["true_positives", "false_positives", "true_negatives", "false_negatives"]),
    (metrics.R2Score(), ["num_samples"]),
])
def test_state_is_variables_named_as_keras_names_them(metric, names):
    assert [v.name for v in metric.variables] == names
    assert all(isinstance(v, keras.Variable) and not v.trainable for v in metric.variables)
    assert all(v.dtype == np.float32 for v in metric.variables)


def test_mean_keeps_total_and_count_in_its_variables():
    mean = metrics.Mean()
    mean.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(mean.total.data) == 4.0 and float(mean.count.data) == 2.0
    assert mean.result() == 2.0
    mean.reset_state()
    assert [float(v.data) for v in mean.variables] == [0.0, 0.0] and mean.result() == 0.0


class Pair(metrics.Metric):
    def __init__(self, name="pair"):
        super().__init__(name=name)
        self.first = metrics.Mean(name="first")
        self.extra = self.add_variable((), "zeros", name="extra")

    def update_state(self, values):
        self.first.update_state(values)
        self.extra.assign_add(1.0)

    def result(self):
        return self.first.result()


def test_variables_and_metrics_assigned_as_attributes_are_tracked():
    pair = Pair()
    assert [v.name for v in pair.variables] == ["extra", "total", "count"]   # own, then parts'
    pair.more = [keras.Variable(0.0, name="a"), {"b": keras.Variable(1.0, name="b")}]
    pair.parts = {"x": [metrics.Sum(name="s")]}
    pair.first.inner = metrics.Sum(name="inner")           # two levels down
    assert [v.name for v in pair.variables] == ["extra", "a", "b", "total", "count", "total",
                                                "total", ]
    pair.again = pair.extra                                # already tracked: not twice
    assert len(pair.variables) == 7


def test_default_reset_state_reaches_the_parts():
    pair = Pair()
    pair.update_state([2.0, 4.0])
    assert pair.result() == 3.0 and float(pair.extra.data) == 1.0
    pair.reset_state()
    assert all(float(v.data) == 0.0 for v in pair.variables)


def test_dtype_is_read_only_and_sets_the_variables():
    mean = metrics.Mean(dtype="float64")
    assert mean.dtype == "float64" and mean.total.dtype == np.float64
    with pytest.raises(AttributeError):
        mean.dtype = "float32"


def test_stateless_forms_leave_the_metric_as_it_was():
    mean = metrics.Mean()
    mean.update_state([1.0])
    state = mean.stateless_update_state([np.array(10.0), np.array(2.0)], [2.0, 4.0])
    assert [float(v) for v in state] == [16.0, 4.0]
    assert mean.stateless_result(state) == 4.0
    assert [float(v) for v in mean.stateless_reset_state()] == [0.0, 0.0]
    assert mean.result() == 1.0                              # untouched
    with pytest.raises(ValueError, match="corresponding 1:1"):
        mean.stateless_result([np.array(1.0)])


def test_a_metric_pickles():
    mse = metrics.get("mse")
    mse.update_state([[1.0]], [[3.0]])
    again = pickle.loads(pickle.dumps(mse))
    assert isinstance(again, metrics.MeanSquaredError) and again.result() == 4.0


# ---- every metric by name, and its config round trip ---------------------------------------

_NEEDS_ARGUMENT = {"SensitivityAtSpecificity": (0.5,), "SpecificityAtSensitivity": (0.5,),
                   "PrecisionAtRecall": (0.5,), "RecallAtPrecision": (0.5,),
                   "MeanMetricWrapper": (keras.losses.mean_squared_error,),
                   "IoU": (3, [0, 2]), "OneHotIoU": (3, [1]), "MeanIoU": (3,),
                   "OneHotMeanIoU": (3,)}
_CLASS_NAMES = sorted({cls.__name__ for cls in metrics.ALL_OBJECTS.values()} - {"Metric"})


@pytest.mark.parametrize("class_name", _CLASS_NAMES)
def test_config_round_trips_through_json(class_name):
    cls = metrics.ALL_OBJECTS[class_name]
    metric = cls(*_NEEDS_ARGUMENT.get(class_name, ()))
    config = metric.get_config()
    assert json.loads(json.dumps(config)) == config
    again = cls.from_config(config)
    assert again.get_config() == config
    revived = metrics.deserialize(json.loads(json.dumps(metrics.serialize(metric))))
    assert type(revived) is cls and revived.get_config() == config


@pytest.mark.parametrize("name, cls", [
    ("f1_score", metrics.F1Score), ("FBetaScore", metrics.FBetaScore),
    ("r2_score", metrics.R2Score), ("sum", metrics.Sum), ("hinge", metrics.Hinge),
    ("squared_hinge", metrics.SquaredHinge), ("categorical_hinge", metrics.CategoricalHinge),
    ("kl_divergence", metrics.KLDivergence), ("poisson", metrics.Poisson),
    ("msle", metrics.MeanSquaredLogarithmicError), ("mape", metrics.MeanAbsolutePercentageError),
    ("log_cosh_error", metrics.LogCoshError), ("cosine_similarity", metrics.CosineSimilarity),
    ("true_negatives", metrics.TrueNegatives), ("pearson_correlation",
                                                metrics.PearsonCorrelation),
])
def test_names_compile_accepts(name, cls):
    metric = metrics.get(name)
    assert type(metric) is cls and metric.name == name


def test_new_metrics_log_in_fit_by_name():
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x[:, :1] + x[:, 1:2] > 0).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1,
                                                                          activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["hinge", "poisson", metrics.F1Score(threshold=0.5),
                           metrics.RecallAtPrecision(0.5), metrics.AUC(curve="PRGAIN")])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert {"hinge", "poisson", "f1_score", "recall_at_precision", "auc"} <= set(
        history.history)
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    f1 = metrics.F1Score(threshold=0.5)
    f1.update_state(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(logs["f1_score"], f1.result(), atol=1e-6)


def test_a_metric_with_a_value_per_class_logs_an_array_in_fit():
    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[(x[:, 0] > 0).astype(int)]
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2,
                                                                          activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=[metrics.F1Score(), metrics.Precision(thresholds=[0.3, 0.7])])
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=1)
    assert history.history["f1_score"][0].shape == (2,)
    assert history.history["precision"][0].shape == (2,)


# ---- the new metrics against their formulas --------------------------------------------------

def _mean(values, weights):
    return np.sum(values * weights) / np.sum(weights)


def test_loss_mirroring_metrics_are_weighted_means_of_the_formulas():
    y_true = rng.random((6, 4)) + 0.1
    y_pred = rng.random((6, 4)) + 0.1
    signs = np.where(rng.random((6, 4)) > 0.5, 1.0, 0.0)
    onehot = np.eye(4)[rng.integers(0, 4, 6)]
    w = rng.random(6) + 0.5
    error = y_pred - y_true
    cases = [
        (metrics.Hinge(), signs, np.mean(np.maximum(1 - (2 * signs - 1) * y_pred, 0), -1)),
        (metrics.SquaredHinge(), signs,
         np.mean(np.maximum(1 - (2 * signs - 1) * y_pred, 0) ** 2, -1)),
        (metrics.CategoricalHinge(), onehot,
         np.maximum(0, 1 + np.max((1 - onehot) * y_pred, -1) - np.sum(onehot * y_pred, -1))),
        (metrics.KLDivergence(), y_true / 2,
         np.sum(y_true / 2 * np.log((y_true / 2) / np.minimum(y_pred, 1)), -1)),
        (metrics.Poisson(), y_true, np.mean(y_pred - y_true * np.log(y_pred + EPS), -1)),
        (metrics.MeanSquaredLogarithmicError(), y_true,
         np.mean((np.log1p(y_pred) - np.log1p(y_true)) ** 2, -1)),
        (metrics.MeanAbsolutePercentageError(), y_true, 100 * np.mean(np.abs(error) / y_true, -1)),
        (metrics.LogCoshError(), y_true, np.mean(np.log(np.cosh(error)), -1)),
        (metrics.CosineSimilarity(), y_true, np.sum(y_true * y_pred, -1) / (
            np.linalg.norm(y_true, axis=-1) * np.linalg.norm(y_pred, axis=-1))),
    ]
    for metric, target, per_sample in cases:
        metric.update_state(target[:3], y_pred[:3], sample_weight=w[:3])
        metric.update_state(target[3:], y_pred[3:], sample_weight=w[3:])
        assert metric.result() == pytest.approx(_mean(per_sample, w), rel=1e-5), metric.name


def test_sum_adds_weighted_values_per_sample():
    total = metrics.Sum()
    total.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[2.0, 0.5])
    assert total.result() == pytest.approx(2 * 4 + 0.5 * 12)


def _f_beta(tp, fp, fn, beta):
    precision, recall = tp / (tp + fp + EPS), tp / (tp + fn + EPS)
    return (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall + EPS)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta, threshold", [(1.0, None), (2.0, 0.4), (0.5, 0.6)])
def test_fbeta_score_matches_its_formula(average, beta, threshold):
    y_true = (rng.random((20, 3)) > 0.5).astype(np.float64)
    y_pred = rng.random((20, 3))
    w = rng.random(20)
    predicted = (y_pred >= y_pred.max(-1, keepdims=True)) if threshold is None \
        else y_pred > threshold
    predicted = predicted.astype(np.float64)
    axis = None if average == "micro" else 0
    tp = np.sum(predicted * y_true * w[:, None], axis=axis)
    fp = np.sum(predicted * (1 - y_true) * w[:, None], axis=axis)
    fn = np.sum((1 - predicted) * y_true * w[:, None], axis=axis)
    scores = _f_beta(tp, fp, fn, beta)
    if average == "weighted":
        support = np.sum(y_true * w[:, None], axis=0)
        expected = np.sum(scores * support / (support.sum() + EPS))
    elif average is not None:
        expected = np.mean(scores)
    else:
        expected = scores
    metric = metrics.FBetaScore(average=average, beta=beta, threshold=threshold)
    metric.update_state(y_true[:7], y_pred[:7], sample_weight=w[:7])
    metric.update_state(y_true[7:], y_pred[7:], sample_weight=w[7:])
    np.testing.assert_allclose(metric.result(), expected, rtol=1e-5)
    if beta == 1.0:
        f1 = metrics.F1Score(average=average, threshold=threshold)
        f1.update_state(y_true, y_pred, sample_weight=w)
        np.testing.assert_allclose(f1.result(), expected, rtol=1e-5)


def test_fbeta_refuses_bad_arguments_with_keras_words():
    with pytest.raises(ValueError, match="Invalid `average` argument value"):
        metrics.FBetaScore(average="median")
    with pytest.raises(ValueError, match="It should be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="expects 2D inputs"):
        metrics.F1Score().update_state(np.ones(3), np.ones(3))


@pytest.mark.parametrize("aggregation", ["uniform_average", "variance_weighted_average", None])
@pytest.mark.parametrize("num_regressors", [0, 2])
def test_r2_score_matches_its_formula(aggregation, num_regressors):
    y_true = rng.normal(size=(30, 3))
    y_pred = y_true + 0.5 * rng.normal(size=(30, 3))
    w = rng.random(30)
    mean = np.sum(w[:, None] * y_true, 0) / np.sum(w)
    ss_tot = np.sum(w[:, None] * (y_true - mean) ** 2, 0)
    ss_res = np.sum(w[:, None] * (y_true - y_pred) ** 2, 0)
    scores = 1 - ss_res / ss_tot
    expected = {"uniform_average": np.mean(scores), None: scores,
                "variance_weighted_average": np.sum(ss_tot * scores) / np.sum(ss_tot)}[aggregation]
    if num_regressors:
        expected = 1 - (1 - expected) * (30 - 1) / (30 - num_regressors - 1)
    metric = metrics.R2Score(class_aggregation=aggregation, num_regressors=num_regressors)
    metric.update_state(y_true[:11], y_pred[:11], sample_weight=w[:11])
    metric.update_state(y_true[11:], y_pred[11:], sample_weight=w[11:])
    np.testing.assert_allclose(metric.result(), expected, rtol=1e-4)


def _rates_at(y_true, y_pred, thresholds):
    """(recall, specificity, precision) at each threshold, by brute force."""
    rows = []
    for t in thresholds:
        predicted = y_pred > t
        tp = np.sum(predicted & y_true)
        fp = np.sum(predicted & ~y_true)
        tn = np.sum(~predicted & ~y_true)
        fn = np.sum(~predicted & y_true)
        rows.append((tp / (tp + fn) if tp + fn else 0.0, tn / (tn + fp) if tn + fp else 0.0,
                     tp / (tp + fp) if tp + fp else 0.0))
    return np.array(rows).T


@pytest.mark.parametrize("cls, value, constrained, dependent", [
    (metrics.SensitivityAtSpecificity, 0.7, 1, 0),
    (metrics.SpecificityAtSensitivity, 0.7, 0, 1),
    (metrics.PrecisionAtRecall, 0.6, 0, 2),
    (metrics.RecallAtPrecision, 0.6, 2, 0),
])
def test_one_rate_at_another_is_the_best_feasible_threshold(cls, value, constrained, dependent):
    y_true = rng.random(200) > 0.5
    y_pred = np.clip(0.3 * y_true + 0.7 * rng.random(200), 0, 1)
    thresholds = [0.0] + [(i + 1) / 49 for i in range(48)] + [1.0]
    rates = _rates_at(y_true, y_pred, thresholds)
    feasible = rates[constrained] >= value
    expected = np.max(np.where(feasible, rates[dependent], 0.0))
    metric = cls(value, num_thresholds=50)
    metric.update_state(y_true[:80], y_pred[:80])
    metric.update_state(y_true[80:], y_pred[80:])
    assert metric.result() == pytest.approx(expected, abs=1e-6)


# ---- confusion counts: Keras's two ways agree ------------------------------------------------

def test_bucketed_counts_equal_compared_counts():
    y_true = rng.random((50, 3)) > 0.4
    y_pred = rng.random((50, 3)).astype(np.float32)
    y_pred[:5] = [0.0, 1.0, 0.5]                            # on the thresholds themselves
    w = rng.random((50, 1))
    thresholds = [-EPS] + [(i + 1) / 20 for i in range(19)] + [1 + EPS]
    for multi_label in (False, True):
        fast = confusion_counts(y_true, y_pred, thresholds, sample_weight=w,
                                multi_label=multi_label, thresholds_distributed_evenly=True)
        slow = confusion_counts(y_true, y_pred, thresholds, sample_weight=w,
                                multi_label=multi_label)
        for name in fast:
            np.testing.assert_allclose(fast[name], slow[name], atol=1e-9, err_msg=name)


# ---- AUC: multi-label, label weights, PR gain ------------------------------------------------

def _roc_auc(y_true, y_pred, thresholds):
    recall, specificity, _ = _rates_at(y_true, y_pred, thresholds)
    fpr = 1 - specificity
    fpr = np.where((y_true == 0).sum() == 0, 0.0, fpr)
    return np.sum((fpr[:-1] - fpr[1:]) * (recall[:-1] + recall[1:]) / 2)


def test_multi_label_auc_averages_each_labels_area():
    y_true = rng.random((40, 3)) > 0.5
    y_pred = np.clip(0.4 * y_true + 0.6 * rng.random((40, 3)), 0, 1)
    thresholds = [-EPS] + [(i + 1) / 9 for i in range(8)] + [1 + EPS]
    areas = [_roc_auc(y_true[:, j], y_pred[:, j], thresholds) for j in range(3)]
    auc = metrics.AUC(num_thresholds=10, multi_label=True)
    auc.update_state(y_true, y_pred)
    assert auc.true_positives.shape == (10, 3)
    assert auc.result() == pytest.approx(np.mean(areas), abs=1e-6)
    weighted = metrics.AUC(num_thresholds=10, multi_label=True, label_weights=[1.0, 0.0, 3.0])
    weighted.update_state(y_true, y_pred)
    assert weighted.result() == pytest.approx((areas[0] + 3 * areas[2]) / 4, abs=1e-6)


def test_label_weights_weigh_each_labels_entries_when_pooled():
    y_true = rng.random((40, 2)) > 0.5
    y_pred = rng.random((40, 2))
    pooled = metrics.AUC(num_thresholds=10, label_weights=[2.0, 0.5])
    pooled.update_state(y_true, y_pred)
    by_weight = metrics.AUC(num_thresholds=10)
    by_weight.update_state(y_true, y_pred, sample_weight=np.broadcast_to([2.0, 0.5], (40, 2)))
    assert pooled.result() == pytest.approx(by_weight.result(), abs=1e-7)


def test_pr_gain_auc_follows_flach_and_kull():
    y_true = np.array([0, 0, 1, 1, 1, 0, 1, 1])
    y_pred = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.3])
    thresholds = [-EPS, 0.25, 0.5, 0.75, 1 + EPS]
    tp, fp, tn, fn = (np.array([np.sum(((y_pred > t) == p) & ((y_true == 1) == q))
                                for t in thresholds], float)
                      for p, q in ((1, 1), (1, 0), (0, 0), (0, 1)))
    scale = (tp + fn) / (tn + fp)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall_gain = np.where(tp == 0, 0.0, 1 - scale * fn / tp)
        precision_gain = np.where(tp == 0, 1.0, 1 - scale * fp / tp)
    recall_gain = np.maximum(recall_gain, 0)
    expected = np.sum((recall_gain[:-1] - recall_gain[1:])
                      * (precision_gain[:-1] + precision_gain[1:]) / 2)
    auc = metrics.AUC(num_thresholds=5, curve="PRGAIN")
    auc.update_state(y_true, y_pred)
    assert auc.curve == "PRGAIN" and auc.result() == pytest.approx(expected, abs=1e-6)


def test_binary_accuracy_takes_booleans():
    x = rng.random((32, 1))
    accuracy = metrics.BinaryAccuracy()
    accuracy.update_state(x > 0.5, x > 0.5)                 # bool targets, bool predictions
    assert accuracy.result() == 1.0
    accuracy.update_state(x > 0.5, x <= 0.5)
    assert accuracy.result() == 0.5


def test_mean_iou_is_the_mean_over_present_classes_of_tp_over_union():
    y_true = rng.integers(0, 4, size=(5, 6))
    y_pred = rng.integers(0, 4, size=(5, 6))
    y_pred[y_pred == 3] = 2                               # class 3: never predicted
    y_true[y_true == 3] = 0                               # ... nor true: left out of the mean
    w = rng.integers(0, 3, size=(5, 6))
    ious = []
    for c in range(3):
        tp = np.sum(w * ((y_true == c) & (y_pred == c)))
        union = np.sum(w * ((y_true == c) | (y_pred == c)))
        ious.append(tp / union)
    mean_iou = metrics.MeanIoU(num_classes=4)
    mean_iou.update_state(y_true[:2], y_pred[:2], sample_weight=w[:2])
    mean_iou.update_state(y_true[2:], y_pred[2:], sample_weight=w[2:])
    assert mean_iou.total_cm.dtype.kind == "i"             # exact counts
    assert mean_iou.result() == pytest.approx(np.mean(ious), rel=1e-6)
    one_class = metrics.IoU(num_classes=4, target_class_ids=[1])
    one_class.update_state(y_true, y_pred, sample_weight=w)
    assert one_class.result() == pytest.approx(ious[1], rel=1e-6)


@pytest.mark.parametrize("metric, direction", [
    (metrics.R2Score(), "up"), (metrics.F1Score(), "up"), (metrics.CosineSimilarity(), "up"),
    (metrics.MeanIoU(2), "up"), (metrics.PearsonCorrelation(), "up"),
    (metrics.SpecificityAtSensitivity(0.5), "up"), (metrics.LogCoshError(), "down"),
    (metrics.KLDivergence(), "down"), (metrics.Poisson(), "down"), (metrics.Hinge(), "down"),
])
def test_metrics_say_which_way_is_better_as_keras_does(metric, direction):
    assert metric._direction == direction


def test_early_stopping_maximises_a_metric_by_its_direction():
    x = rng.normal(size=(16, 2)).astype(np.float32)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", metrics=[metrics.R2Score()])
    stopping = keras.callbacks.EarlyStopping(monitor="r2_score", patience=0)
    model.fit(x, x, epochs=2, verbose=0, callbacks=[stopping])
    assert stopping.monitor_op is keras.ops.greater       # as Keras: ops.greater, not np
