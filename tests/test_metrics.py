"""Metrics: per-sample functions against numpy, running weighted means across batches (the
number Keras logs after an epoch), sample weights, reset, names, and get()."""
import numpy as np
import pytest

import microdense as md
from microdense import losses, metrics

rng = np.random.default_rng(2)


def batches(*arrays, sizes=(5, 3, 8)):
    """Split arrays into batches of unequal sizes (so a mean of batch means would differ)."""
    edges = np.cumsum(sizes)[:-1]
    return list(zip(*(np.split(a, edges) for a in arrays)))


# ---- per-sample functions --------------------------------------------------------------------

def test_accuracy_functions_against_numpy():
    y = rng.integers(0, 2, size=(16, 1))
    p = rng.uniform(size=(16, 1))
    np.testing.assert_array_equal(metrics.binary_accuracy(y, p), (y == (p > 0.5)))
    np.testing.assert_array_equal(metrics.binary_accuracy(y, p, threshold=0.8), (y == (p > 0.8)))
    labels = rng.integers(0, 4, size=16)
    scores = rng.normal(size=(16, 4))
    expected = (labels == scores.argmax(-1)).astype(np.float32)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels, scores), expected)
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(labels[:, None], scores),
                                  expected)
    np.testing.assert_array_equal(metrics.categorical_accuracy(np.eye(4)[labels], scores),
                                  expected)
    np.testing.assert_array_equal(metrics.accuracy([1, 2, 3], [1, 0, 3]), [1, 0, 1])


def test_binary_accuracy_labels_of_shape_n_against_predictions_n_1():
    y = np.array([1, 0, 1, 0])
    p = np.array([[0.9], [0.2], [0.3], [0.6]])
    assert metrics.BinaryAccuracy()(y, p) == 0.5


# ---- running means over batches ----------------------------------------------------------------

@pytest.mark.parametrize("metric, y, p, per_sample", [
    (metrics.BinaryAccuracy, rng.integers(0, 2, size=(16, 1)), rng.uniform(size=(16, 1)),
     lambda y, p: (y == (p > 0.5)).mean(-1)),
    (metrics.SparseCategoricalAccuracy, rng.integers(0, 3, size=16), rng.normal(size=(16, 3)),
     lambda y, p: y == p.argmax(-1)),
    (metrics.CategoricalAccuracy, np.eye(3)[rng.integers(0, 3, size=16)],
     rng.normal(size=(16, 3)), lambda y, p: y.argmax(-1) == p.argmax(-1)),
    (metrics.MeanSquaredError, rng.normal(size=(16, 2)), rng.normal(size=(16, 2)),
     lambda y, p: ((y - p) ** 2).mean(-1)),
    (metrics.MeanAbsoluteError, rng.normal(size=(16, 2)), rng.normal(size=(16, 2)),
     lambda y, p: np.abs(y - p).mean(-1)),
    (metrics.BinaryCrossentropy, rng.integers(0, 2, size=(16, 1)),
     rng.uniform(0.05, 0.95, size=(16, 1)),
     lambda y, p: -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)),
], ids=["binary", "sparse", "categorical", "mse", "mae", "bce"])
def test_result_after_several_batches_is_the_mean_over_all_samples(metric, y, p, per_sample):
    m = metric()
    for y_batch, p_batch in batches(y, p):
        m.update_state(y_batch, p_batch)
    assert isinstance(m.result(), float)
    assert m.result() == pytest.approx(per_sample(y, p).mean(), rel=1e-6)
    m.reset_state()
    assert m.result() == 0.0
    m.update_state(y[:4], p[:4])
    assert m.result() == pytest.approx(per_sample(y[:4], p[:4]).mean(), rel=1e-6)


def test_sample_weights_give_a_weighted_mean_across_batches():
    y = rng.integers(0, 3, size=16)
    p = rng.normal(size=(16, 3))
    w = rng.uniform(0, 2, size=16)
    m = metrics.SparseCategoricalAccuracy()
    for y_batch, p_batch, w_batch in batches(y, p, w):
        m.update_state(y_batch, p_batch, sample_weight=w_batch)
    assert m.result() == pytest.approx(((y == p.argmax(-1)) * w).sum() / w.sum())


def test_mean_of_values_with_extra_axes_counts_each_sample_once():
    m = metrics.Mean()
    m.update_state(np.array([[1.0, 3.0], [5.0, 7.0]]))
    m.update_state(np.array([[0.0, 0.0]]))
    assert m.result() == pytest.approx((2 + 6 + 0) / 3)
    assert m.count == 3


def test_kerass_documented_examples():
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert m.result() == pytest.approx(0.5)
    m.reset_state()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
                   sample_weight=[0.7, 0.3])
    assert m.result() == pytest.approx(0.3)
    assert metrics.BinaryAccuracy()([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]]) == 0.75


def test_a_tensor_that_requires_grad_is_read_without_recording_a_graph():
    p = md.Tensor(rng.normal(size=(4, 2)), requires_grad=True)
    m = metrics.MeanSquaredError()
    m.update_state(np.zeros((4, 2)), p)
    assert m.result() == pytest.approx((p.data ** 2).mean())
    assert p.grad is None


def test_crossentropy_metric_equals_the_loss_over_all_samples():
    labels = rng.integers(0, 4, size=16)
    logits = rng.normal(size=(16, 4))
    m = metrics.SparseCategoricalCrossentropy(from_logits=True)
    for y_batch, p_batch in batches(labels, logits):
        m.update_state(y_batch, p_batch)
    expected = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits).item()
    assert m.result() == pytest.approx(expected)


# ---- get(): what compile(metrics=[...]) builds, and the name Keras logs --------------------------

def test_accuracy_kind_is_chosen_from_shapes_like_keras_3():
    cases = [((8,), (8, 1), "binary_accuracy"), ((8, 1), (8, 1), "binary_accuracy"),
             ((8,), (8, 5), "sparse_categorical_accuracy"),
             ((8, 1), (8, 5), "sparse_categorical_accuracy"),
             ((8, 5), (8, 5), "categorical_accuracy")]
    for y_shape, p_shape, kind in cases:
        assert metrics.accuracy_function_for(y_shape, p_shape).__name__ == kind
    m = metrics.get("accuracy", loss="sparse_categorical_crossentropy")
    labels = rng.integers(0, 5, size=8)
    scores = rng.normal(size=(8, 5))
    m.update_state(labels, scores)
    assert m._fn is metrics.sparse_categorical_accuracy
    assert m.result() == pytest.approx((labels == scores.argmax(-1)).mean())


@pytest.mark.parametrize("identifier, name, cls", [
    ("accuracy", "accuracy", metrics.ShapeChosenAccuracy),
    ("acc", "acc", metrics.ShapeChosenAccuracy),
    ("mse", "mse", metrics.MeanSquaredError), ("MSE", "MSE", metrics.MeanSquaredError),
    ("mae", "mae", metrics.MeanAbsoluteError),
    ("mean_squared_error", "mean_squared_error", metrics.MeanSquaredError),
    ("binary_accuracy", "binary_accuracy", metrics.BinaryAccuracy),
    ("SparseCategoricalAccuracy", "SparseCategoricalAccuracy",
     metrics.SparseCategoricalAccuracy),
    ("hinge", "hinge", metrics.Hinge), ("msle", "msle", metrics.MeanSquaredLogarithmicError),
    ("f1_score", "f1_score", metrics.F1Score), ("R2Score", "R2Score", metrics.R2Score),
    ("huber", "huber", metrics.MeanMetricWrapper),        # a loss without a metric class
])
def test_get_names_the_metric_as_keras_logs_it(identifier, name, cls):
    m = metrics.get(identifier)
    assert type(m) is cls and m.name == name


def test_get_instances_classes_and_functions():
    m = metrics.BinaryAccuracy(threshold=0.3)
    assert metrics.get(m) is m
    assert isinstance(metrics.get(metrics.CategoricalAccuracy), metrics.CategoricalAccuracy)

    def my_error(y_true, y_pred):
        return np.abs(y_true - y_pred).max(-1)
    wrapped = metrics.get(my_error)
    assert wrapped.name == "my_error"
    assert wrapped(np.zeros((2, 2)), np.array([[1.0, -3.0], [0.5, 0.0]])) == pytest.approx(1.75)
    assert metrics.get(None) is None


def test_get_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match="Unknown metric 'accurracy'. Did you mean 'accuracy'"):
        metrics.get("accurracy")
    with pytest.raises(ValueError, match="Could not interpret metric identifier 7"):
        metrics.get(7)


def test_serialize_round_trip():
    original = metrics.BinaryAccuracy(name="acc", threshold=0.7)
    restored = metrics.deserialize(metrics.serialize(original))
    assert type(restored) is metrics.BinaryAccuracy
    assert restored.name == "acc" and restored.threshold == 0.7
    wrapped = metrics.MeanMetricWrapper(losses.huber, name="h", delta=2.0)
    again = metrics.deserialize(metrics.serialize(wrapped))
    assert again._fn is losses.huber and again.get_config() == wrapped.get_config()
