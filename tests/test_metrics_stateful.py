"""Stateful custom metrics (Metric.add_variable / add_weight / update_state / result /
reset_state) and the confusion metrics' edge cases. Keras's values for Precision, Recall, AUC,
RootMeanSquaredError and the top-k accuracies: tests/test_keras_coverage_parity.py."""
import numpy as np
import pytest

import microdense as keras
from microdense import ops


class CategoricalTruePositives(keras.metrics.Metric):
    """keras.io, "Training & evaluation with the built-in methods", verbatim (ops version):
    https://keras.io/guides/training_with_built_in_methods/"""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            sample_weight = ops.cast(sample_weight, "float32")
            values = ops.multiply(values, sample_weight)
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class BinaryTruePositives(keras.metrics.Metric):
    """keras.metrics.Metric's docstring example (add_weight, default reset_state):
    https://keras.io/api/metrics/base_metric/"""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "bool")
        y_pred = ops.cast(y_pred, "bool")
        values = ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True))
        values = ops.cast(values, self.dtype)
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, self.dtype))
        self.true_positives.assign(self.true_positives + ops.sum(values))

    def result(self):
        return self.true_positives


def test_the_guides_custom_metric_counts_and_resets():
    metric = CategoricalTruePositives()
    y_true = np.array([[0], [2], [1]])
    y_pred = np.array([[0.9, 0.1, 0], [0.1, 0.2, 0.7], [0.5, 0.3, 0.2]], np.float32)
    metric.update_state(y_true, y_pred)
    assert float(metric.result()) == 2.0
    metric.update_state(y_true, y_pred, sample_weight=np.array([[0.5], [0.25], [1.0]]))
    assert float(metric.result()) == 2.75
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_default_reset_state_zeroes_every_variable():
    metric = BinaryTruePositives()
    metric.update_state([1, 1, 0, 1], [1, 0, 0, 1])
    assert float(metric.result()) == 2.0
    assert [v.name for v in metric.variables] == ["tp"]          # as Keras names it
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_a_custom_metric_in_fit_logs_per_epoch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.integers(0, 3, size=(40, 1))
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3,
                                                                          activation="softmax")])
    metric = CategoricalTruePositives()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=[metric])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    counts = history.history["categorical_true_positives"]
    assert len(counts) == 2 and all(0 <= c <= 40 and c == int(c) for c in counts)
    evaluated = model.evaluate(x, y, verbose=0, return_dict=True)
    expected = np.sum(np.argmax(model.predict(x, verbose=0), axis=1) == y[:, 0])
    assert evaluated["categorical_true_positives"] == expected


def test_variables_assign_in_place():
    metric = keras.metrics.Metric(name="m")
    v = metric.add_variable(shape=(3,), initializer="ones", name="v")
    held = v.data
    v.assign_add(np.array([1.0, 2.0, 3.0]))
    v.assign_sub(1.0)
    np.testing.assert_array_equal(held, [1, 2, 3])
    assert v.dtype == np.float32 and not v.requires_grad
    snapshot = v.value
    v.assign(0)
    np.testing.assert_array_equal(snapshot.data, [1, 2, 3])
    np.testing.assert_array_equal((v + 1.0).data, [1, 1, 1])


def test_forgetting_super_init_is_explained():
    class Broken(keras.metrics.Metric):
        def __init__(self):
            self.count = self.add_variable((), "zeros")

    with pytest.raises(RuntimeError, match=r"must call super\(\).__init__"):
        Broken()


def test_confusion_metrics_by_name_in_compile():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1,
                                                                          activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["AUC", "precision", "recall"])
    logs = model.evaluate(np.array([[0, 1], [1, 0], [1, 1], [0, 0]], np.float32),
                          np.array([[1], [0], [1], [0]], np.float32), verbose=0,
                          return_dict=True)
    assert set(logs) == {"loss", "AUC", "precision", "recall"}


def test_precision_with_several_thresholds_returns_one_value_each():
    metric = keras.metrics.Precision(thresholds=[0.3, 0.7])
    metric.update_state([0, 1, 1, 0], [0.4, 0.8, 0.5, 0.1])
    np.testing.assert_allclose(metric.result(), [2 / 3, 1.0])


def test_auc_names_an_unknown_curve_or_summation_method():
    with pytest.raises(ValueError, match='Invalid AUC curve value: "rock"'):
        keras.metrics.AUC(curve="rock")
    with pytest.raises(ValueError, match='Invalid AUC summation method value: "middle"'):
        keras.metrics.AUC(summation_method="middle")
    with pytest.raises(ValueError, match="`num_labels` is needed only when"):
        keras.metrics.AUC(num_labels=3)
