"""Record Keras 3 reference numbers for layers made of layers, add_loss, metrics vs
weighted_metrics and the confusion-count metrics, read by
tests/test_keras_subclassing_parity.py (CI never needs Keras):

    KERAS_BACKEND=torch /tmp/kerasenv/bin/python tools/keras_reference_subclassing.py

Writes tests/data/keras_reference_subclassing.json. The models are in
tests/keras_subclassing_cases.py, written once for both frameworks.
"""
import json
import os
import sys
import warnings

import numpy as np

import keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import keras_subclassing_cases as cases  # noqa: E402

warnings.filterwarnings("ignore")
OUT = os.path.join(ROOT, "tests", "data", "keras_reference_subclassing.json")


def floats(values):
    return [float(v) for v in np.ravel(values)]


def nested():
    Scale, Block, Net = cases.make_classes(keras)
    x, y = cases.nested_data()
    result = {}
    for name, optimizer in (("sgd", keras.optimizers.SGD(0.05)),
                            ("adam", keras.optimizers.Adam(0.01))):
        net = Net()
        net(x[:2])
        net.set_weights(cases.nested_weights())
        out = net(x[:4])
        losses = floats([float(loss) for loss in net.losses])
        net.compile(optimizer=optimizer, loss="mse")
        history = net.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
        result[name] = {"n_weights": len(net.weights),
                        "first_output": floats(out.detach().numpy()),
                        "losses_after_call": losses,
                        "loss_curve": floats(history.history["loss"]),
                        "evaluate": float(net.evaluate(x, y, verbose=0)),
                        "final_weights": [floats(w) for w in net.get_weights()]}
    return result


def imbalanced():
    x, y = cases.imbalanced_data()
    weights = np.where(y[:, 0] == 1, 9.0, 1.0).astype(np.float32)
    model = cases.imbalanced_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    evaluated = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
    history = model.fit(x, y, class_weight={0: 1.0, 1: 9.0}, batch_size=100, epochs=1,
                        shuffle=False, verbose=0)
    only = cases.imbalanced_model(keras)
    only.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
                 metrics=["accuracy"])
    fitted = only.fit(x, y, class_weight={0: 1.0, 1: 9.0}, batch_size=100, epochs=1,
                      shuffle=False, verbose=0)
    return {"evaluate": {k: float(v) for k, v in evaluated.items()},
            "fit": {k: float(v[-1]) for k, v in history.history.items()},
            "fit_metrics_only": {k: float(v[-1]) for k, v in fitted.history.items()}}


def confusion_metrics():
    y_true = np.array([0, 1, 1, 0, 1, 0, 0, 1], np.float32)
    y_pred = np.array([0.1, 0.8, 0.4, 0.6, 0.9, 0.2, 0.5, 0.55], np.float32)
    weights = np.array([1, 2, 1, 1, 3, 1, 2, 1], np.float32)
    result = {}
    for name in ("TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"):
        for thresholds in (None, 0.45, [0.3, 0.5, 0.7]):
            metric = getattr(keras.metrics, name)(thresholds=thresholds)
            metric.update_state(y_true, y_pred)
            metric.update_state(y_true, y_pred, sample_weight=weights)
            result[f"{name}-{thresholds}"] = floats(metric.result())
    true = np.array([[1.0, 2.0], [3.0, -4.0], [0.5, 10.0]], np.float32)
    pred = np.array([[1.5, 1.0], [2.0, -5.0], [0.0, 8.0]], np.float32)
    mape = keras.metrics.MeanAbsolutePercentageError()
    mape.update_state(true, pred)
    mape.update_state(true, pred, sample_weight=np.array([1.0, 0.0, 2.0], np.float32))
    result["mape"] = floats(mape.result())
    return result


def main():
    data = {"keras": keras.__version__, "backend": keras.backend.backend(),
            "nested": nested(), "imbalanced": imbalanced(),
            "confusion_metrics": confusion_metrics()}
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
    print(json.dumps(data["imbalanced"], indent=1))
    print(data["nested"]["sgd"]["loss_curve"], data["nested"]["sgd"]["losses_after_call"])


if __name__ == "__main__":
    main()
