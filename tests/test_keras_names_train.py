"""Keras 3's newer activations, losses and optimizers (issue 24) train a model, and their
compositions replay: with compile(jit_compile=True) each set-up gives the eager history and
weights, the step is really replayed, and nothing warns "cannot be replayed"."""
import copy
import warnings

import numpy as np
import pytest

import microdense as md
from microdense import layers, losses, models, optimizers


def data(kind, n=48):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    labels = (np.abs(x[:, 0] * 3).astype(int) + (x[:, 1] > 0)) % 3
    return x, {"onehot": np.eye(3, dtype=np.float32)[labels],
               "sparse": labels,
               "binary": (x[:, :3] > 0).astype(np.float32),
               "regression": (x[:, :3] * 2 - x[:, 1:4]).astype(np.float32)}[kind]


def model(hidden, outputs=3, activation=None, units=8):
    return models.Sequential([layers.Input((6,)), layers.Dense(units, activation=hidden),
                              layers.Dense(outputs, activation=activation)])


def glu_model():
    return model("glu", units=16)          # glu halves the 16 units to 8


SETUPS = {
    # name: (build, target kind, compile kwargs)
    **{f"activation {name}": (lambda name=name: model(name), "regression",
                              dict(optimizer="adam", loss="mse"))
       for name in ("celu", "hard_tanh", "hard_shrink", "log_sigmoid", "sparsemax",
                    "sparse_plus", "sparse_sigmoid", "soft_shrink", "squareplus",
                    "tanh_shrink")},
    "activation glu": (glu_model, "regression", dict(optimizer="adam", loss="mse")),
    "activation threshold": (lambda: model(lambda x: md.activations.threshold(x, -0.5, 0.0)),
                             "regression", dict(optimizer="adam", loss="mse")),
    "sparsemax output, cce": (lambda: model("relu", activation="sparsemax"), "onehot",
                              dict(optimizer="adam", loss=losses.CategoricalFocalCrossentropy())),
    "log_cosh": (lambda: model("relu"), "regression", dict(optimizer="adam", loss="log_cosh")),
    "cosine_similarity": (lambda: model("relu"), "regression",
                          dict(optimizer="adam", loss=losses.CosineSimilarity())),
    "categorical_hinge": (lambda: model("relu"), "onehot",
                          dict(optimizer="adam", loss="categorical_hinge")),
    "binary focal from logits": (lambda: model("relu"), "binary", dict(
        optimizer="adam", loss=losses.BinaryFocalCrossentropy(
            from_logits=True, apply_class_balancing=True, label_smoothing=0.1))),
    "binary focal": (lambda: model("relu", activation="sigmoid"), "binary",
                     dict(optimizer="adam", loss="binary_focal_crossentropy")),
    "categorical focal from logits": (lambda: model("relu"), "onehot", dict(
        optimizer="adam", loss=losses.CategoricalFocalCrossentropy(from_logits=True))),
    "generalized cross-entropy": (lambda: model("relu", activation="softmax"), "sparse",
                                  dict(optimizer="adam",
                                       loss=losses.CategoricalGeneralizedCrossEntropy())),
    "dice": (lambda: model("relu", activation="sigmoid"), "binary",
             dict(optimizer="adam", loss=losses.Dice(axis=-1))),
    "tversky": (lambda: model("relu", activation="sigmoid"), "binary",
                dict(optimizer="adam", loss=losses.Tversky(alpha=0.3, beta=0.7))),
    "circle": (lambda: model("tanh", outputs=4), "sparse",
               dict(optimizer="adam", loss=losses.Circle(gamma=16.0))),
    **{f"optimizer {name}": (lambda: model("relu", activation="softmax"), "onehot",
                             dict(optimizer=name, loss="categorical_crossentropy"))
       for name in ("adadelta", "adamax", "nadam", "lamb", "lion", "ftrl", "adafactor")},
    "optimizer loss scale": (lambda: model("relu", activation="softmax"), "onehot", dict(
        optimizer=optimizers.LossScaleOptimizer(optimizers.Nadam(0.01)),
        loss="categorical_crossentropy")),
}


def train(setup, jit_compile):
    build, kind, compile_kwargs = copy.deepcopy(setup)      # optimizers have state
    md.utils.set_random_seed(7)
    net = build()
    x, y = data(kind)
    net.compile(**compile_kwargs, jit_compile=jit_compile)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = net.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=True)
    replay_warnings = [w for w in caught if "cannot be replayed" in str(w.message)]
    return net, history.history, replay_warnings


@pytest.mark.parametrize("name", SETUPS)
def test_trains_and_replays_with_the_eager_numbers(name):
    eager_model, eager_history, _ = train(SETUPS[name], jit_compile=False)
    net, history, replay_warnings = train(SETUPS[name], jit_compile=True)
    assert not replay_warnings, replay_warnings[0].message
    step = net._compiled_step
    assert step.refused is None, step.refused
    assert step.replayed_steps > 0
    assert np.isfinite(history["loss"]).all()
    np.testing.assert_allclose(history["loss"], eager_history["loss"], rtol=1e-6, atol=1e-7)
    for a, b in zip(eager_model.get_weights(), net.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("optimizer, loss", [
    (optimizers.Adadelta(1.0), losses.LogCosh()),
    (optimizers.Adamax(0.01), losses.CategoricalHinge()),
    (optimizers.Nadam(0.01), losses.CategoricalFocalCrossentropy(gamma=1.0)),
    (optimizers.Lamb(0.01), losses.CosineSimilarity()),
    (optimizers.Lion(0.01), losses.Tversky(alpha=0.3, beta=0.7)),
    (optimizers.Ftrl(0.1, l1_regularization_strength=0.001), losses.Dice(axis=-1)),
    (optimizers.Adafactor(0.01), losses.Dice(axis=-1)),
    (optimizers.LossScaleOptimizer(optimizers.Nadam(0.01)),
     losses.BinaryFocalCrossentropy(apply_class_balancing=True)),
], ids=["adadelta", "adamax", "nadam", "lamb", "lion", "ftrl", "adafactor", "loss_scale"])
def test_saved_and_loaded_training_resumes_exactly(tmp_path, optimizer, loss):
    x, y = data("onehot")
    md.utils.set_random_seed(3)
    net = model("celu", activation="softmax")
    net.compile(optimizer=optimizer, loss=loss)
    net.fit(x, y, batch_size=16, epochs=1, verbose=0)
    net.save(tmp_path / "net.keras")
    again = models.load_model(tmp_path / "net.keras")
    assert type(again.optimizer) is type(net.optimizer)
    assert again.optimizer.get_config() == net.optimizer.get_config()
    for model_ in (net, again):
        model_.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(net.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
