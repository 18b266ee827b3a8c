"""Layers made of layers, add_loss and weighted_metrics against Keras 3's own numbers
(tests/data/keras_reference_subclassing.json, made by tools/keras_reference_subclassing.py
from the models in tests/keras_subclassing_cases.py)."""
import json
import os

import numpy as np
import pytest

import keras_subclassing_cases as cases
import microdense as keras

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                         "keras_reference_subclassing.json")
with open(REFERENCE) as f:
    KERAS = json.load(f)


@pytest.mark.parametrize("name, optimizer", [("sgd", lambda: keras.optimizers.SGD(0.05)),
                                             ("adam", lambda: keras.optimizers.Adam(0.01))])
def test_a_nested_block_trains_as_in_keras(name, optimizer):
    reference = KERAS["nested"][name]
    Scale, Block, Net = cases.make_classes(keras)
    x, y = cases.nested_data()
    net = Net()
    net(x[:2])
    assert len(net.weights) == reference["n_weights"] == 16
    net.set_weights(cases.nested_weights())
    out = net(x[:4])
    np.testing.assert_allclose(out.data.ravel(), reference["first_output"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose([float(loss.data) for loss in net.losses],
                               reference["losses_after_call"], rtol=1e-5)
    net.compile(optimizer=optimizer(), loss="mse")
    history = net.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], reference["loss_curve"], rtol=1e-5)
    np.testing.assert_allclose(net.evaluate(x, y, verbose=0), reference["evaluate"],
                               rtol=1e-5)
    for ours, theirs in zip(net.get_weights(), reference["final_weights"]):
        np.testing.assert_allclose(ours.ravel(), theirs, rtol=1e-4, atol=1e-6)


def test_metrics_are_not_weighted_weighted_metrics_are():
    """The issue's imbalanced case: Keras reports accuracy 0.9 (unweighted) and
    weighted_accuracy 0.5, with sample_weight in evaluate and class_weight in fit."""
    reference = KERAS["imbalanced"]
    x, y = cases.imbalanced_data()
    weights = np.where(y[:, 0] == 1, 9.0, 1.0).astype(np.float32)
    model = cases.imbalanced_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    logs = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    assert list(logs) == list(reference["evaluate"])
    np.testing.assert_allclose(list(logs.values()), list(reference["evaluate"].values()),
                               rtol=1e-6)
    history = model.fit(x, y, class_weight={0: 1.0, 1: 9.0}, batch_size=100, epochs=1,
                        shuffle=False, verbose=0)
    for key, value in reference["fit"].items():
        assert history.history[key][-1] == pytest.approx(value, rel=1e-6)
    only = cases.imbalanced_model(keras)
    only.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
                 metrics=["accuracy"])
    history = only.fit(x, y, class_weight={0: 1.0, 1: 9.0}, batch_size=100, epochs=1,
                       shuffle=False, verbose=0)
    assert history.history["accuracy"][-1] == pytest.approx(0.9)     # not 0.5, not weighted


@pytest.mark.parametrize("name", ["TruePositives", "FalsePositives", "TrueNegatives",
                                  "FalseNegatives"])
@pytest.mark.parametrize("thresholds", [None, 0.45, [0.3, 0.5, 0.7]])
def test_confusion_counts_match_keras(name, thresholds):
    y_true = np.array([0, 1, 1, 0, 1, 0, 0, 1], np.float32)
    y_pred = np.array([0.1, 0.8, 0.4, 0.6, 0.9, 0.2, 0.5, 0.55], np.float32)
    weights = np.array([1, 2, 1, 1, 3, 1, 2, 1], np.float32)
    metric = getattr(keras.metrics, name)(thresholds=thresholds)
    metric.update_state(y_true, y_pred)
    metric.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(np.ravel(metric.result()),
                               KERAS["confusion_metrics"][f"{name}-{thresholds}"])
    again = type(metric).from_config(metric.get_config())
    assert again.thresholds == metric.thresholds
    metric.reset_state()
    assert np.all(np.ravel(metric.result()) == 0)


def test_mean_absolute_percentage_error_matches_keras():
    true = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 10.0]], np.float32)
    pred = np.array([[1.5, 1.0], [2.0, -5.0], [0.0, 8.0]], np.float32)
    metric = keras.metrics.get("mape")
    assert isinstance(metric, keras.metrics.MeanAbsolutePercentageError)
    metric.update_state(true, pred)
    metric.update_state(true, pred, sample_weight=np.array([1.0, 0.0, 2.0], np.float32))
    assert metric.result() == pytest.approx(KERAS["confusion_metrics"]["mape"][0], rel=1e-6)
