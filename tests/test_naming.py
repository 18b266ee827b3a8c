"""naming.py: one snake_case rule, one activation-name rule, automatic names unique across threads."""
import sys
import threading

import numpy as np
import pytest

import microdense as md
from microdense import diagnostics, naming
from microdense.layers import Dense, Layer, reset_name_counters


@pytest.fixture(autouse=True)
def fresh_names():
    reset_name_counters()
    yield
    reset_name_counters()


@pytest.mark.parametrize("name, expected", [
    ("Dense", "dense"), ("LeakyReLU", "leaky_re_lu"), ("PReLU", "p_re_lu"),
    ("MeanSquaredError", "mean_squared_error"), ("SGD", "sgd"), ("AdamW", "adam_w"),
    ("BinaryAccuracy", "binary_accuracy"), ("My-Layer!", "my_layer"), ("Dense 2", "dense2")])
def test_to_snake_case_is_keras_rule(name, expected):
    assert naming.to_snake_case(name) == expected


def test_every_default_name_drops_characters_a_name_cannot_hold():
    # Classes made with type() may carry any string as their name; Keras's \W step drops the
    # rest for layers, losses, metrics and optimizers alike.
    layer = type("Odd-Layer", (Layer,), {})()
    loss = type("Odd-Loss", (md.losses.Loss,), {"call": lambda self, t, p: p})()
    metric = type("Odd-Metric", (md.metrics.Metric,), {"result": lambda self: 0.0})()
    optimizer = type("Odd-SGD", (md.optimizers.SGD,), {})()
    assert (layer.name, loss.name, metric.name, optimizer.name) == \
        ("odd_layer", "odd_loss", "odd_metric", "odd_sgd")


def test_unique_name_counts_per_prefix_and_resets():
    assert [naming.unique_name("dense") for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert naming.unique_name("other") == "other"
    reset_name_counters()
    assert naming.unique_name("dense") == "dense"


def test_automatic_layer_names_never_repeat_across_threads():
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)        # switch threads as often as possible: races show up
    names, start = [], threading.Barrier(16)

    def make_layers():
        start.wait()
        made = [Dense(1).name for _ in range(500)]
        names.extend(made)               # list.extend is atomic under the GIL

    try:
        threads = [threading.Thread(target=make_layers) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert len(names) == 8000 and len(set(names)) == 8000


def test_one_activation_name_everywhere():
    @md.utils.register_keras_serializable(package="Naming")
    def Twisted(x):                    # noqa: N802 (a capital letter the old rules lowercased)
        return x * md.sigmoid(x)

    layer = Dense(3, activation=Twisted)
    layer(np.zeros((2, 4), np.float32))
    name = naming.activation_name(Twisted)
    assert name == "Naming>Twisted"
    assert layer.get_config()["activation"] == name                        # saved under it
    assert layer.describe() == f"Dense(3, activation={name})"              # drawn under it
    assert diagnostics.layer_activation(layer) == name                     # reported under it
    model = md.models.Sequential([md.layers.Input((4,)), layer])
    assert "activation: Naming&gt;Twisted" in md.plot_model(model, to_file=None).source   # plotted under it
    assert naming.activation_name(md.activations.swish) == "silu"          # Keras's alias
    assert md.activations.serialize(md.activations.relu) == "relu"
