"""Learning-rate schedules inside optimizers, and weight constraints applied after each update.
(Keras's own numbers for both: tests/test_keras_coverage_parity.py.)"""
import json

import numpy as np
import pytest

import microdense as keras
from microdense import constraints
from microdense.optimizers import schedules


def one_weight(values):
    return keras.Tensor(np.array(values, np.float32), requires_grad=True, name="w")


# ---- schedules in optimizers -------------------------------------------------------------------

def test_the_schedule_is_read_at_each_step():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    w = one_weight([0.0])
    for step in range(4):
        assert optimizer.learning_rate == pytest.approx(0.1 * 0.5 ** step)
        optimizer.apply_gradients([(np.ones(1, np.float32), w)])
    np.testing.assert_allclose(w.data, [-(0.1 + 0.05 + 0.025 + 0.0125)], rtol=1e-6)


def test_a_function_as_learning_rate():
    """Keras calls a function with no arguments; one that takes the step gets the step."""
    w = one_weight([0.0])
    optimizer = keras.optimizers.SGD(learning_rate=lambda: 0.25)
    optimizer.apply_gradients([(np.ones(1, np.float32), w)])
    np.testing.assert_allclose(w.data, [-0.25])
    optimizer = keras.optimizers.SGD(learning_rate=lambda step: 0.1 * (step + 1))
    for _ in range(3):
        optimizer.apply_gradients([(np.ones(1, np.float32), w)])
    np.testing.assert_allclose(w.data, [-0.25 - 0.1 - 0.2 - 0.3], rtol=1e-6)


def test_a_scheduled_learning_rate_cannot_be_overwritten():
    optimizer = keras.optimizers.Adam(schedules.CosineDecay(0.01, 100))
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.5
    optimizer.learning_rate = schedules.InverseTimeDecay(0.2, 10, 1.0)   # a new schedule: fine
    assert optimizer.learning_rate == pytest.approx(0.2)


def test_the_optimizer_config_holds_the_schedule_as_keras_does():
    schedule = schedules.PiecewiseConstantDecay([5, 10], [0.1, 0.01, 0.001])
    config = keras.optimizers.SGD(schedule, momentum=0.9).get_config()
    assert config["learning_rate"] == {"class_name": "PiecewiseConstantDecay", "config": {
        "boundaries": [5, 10], "values": [0.1, 0.01, 0.001], "name": "PiecewiseConstant"}}
    rebuilt = keras.optimizers.deserialize(json.loads(json.dumps(
        keras.optimizers.serialize(keras.optimizers.SGD(schedule, momentum=0.9)))))
    assert isinstance(rebuilt._learning_rate, schedules.PiecewiseConstantDecay)
    assert rebuilt.learning_rate == 0.1


def test_a_learning_rate_function_is_saved_by_name(tmp_path):
    def fast(step):
        return 0.5 / (1 + step)

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(fast), loss="mse")
    model.save(tmp_path / "m.mdz")
    with pytest.raises(ValueError, match=r"Unknown learning rate function 'fast'.*"
                                         r"custom_objects=\{'fast': fast\}"):
        keras.models.load_model(tmp_path / "m.mdz")
    loaded = keras.models.load_model(tmp_path / "m.mdz", custom_objects={"fast": fast})
    assert loaded.optimizer.learning_rate == 0.5


def test_a_custom_schedule_is_saved_and_loaded_by_name(tmp_path):
    class HalfEvery(schedules.LearningRateSchedule):
        def __init__(self, initial, every):
            self.initial, self.every = initial, every

        def __call__(self, step):
            return self.initial * 0.5 ** (step // self.every)

        def get_config(self):
            return {"initial": self.initial, "every": self.every}

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(HalfEvery(0.1, 2)), loss="mse")
    for _ in range(3):
        model.train_on_batch(np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32))
    model.save(tmp_path / "m.mdz")
    with pytest.raises(ValueError, match="custom_objects"):
        keras.models.load_model(tmp_path / "m.mdz")
    loaded = keras.models.load_model(tmp_path / "m.mdz", custom_objects={"HalfEvery": HalfEvery})
    assert loaded.optimizer.iterations == 3
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.05)


def test_the_base_schedule_says_what_to_write():
    with pytest.raises(NotImplementedError, match=r"must override `__call__\(self, step\)`"):
        schedules.LearningRateSchedule()(0)


@pytest.mark.parametrize("make", [
    lambda: schedules.ExponentialDecay(0.1, 0, 0.5),
    lambda: schedules.PolynomialDecay(0.1, -1),
    lambda: schedules.CosineDecayRestarts(0.1, 0),
    lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]),
])
def test_bad_schedule_arguments_are_refused(make):
    with pytest.raises(ValueError, match="decay_steps|length of boundaries"):
        make()


def test_learning_rate_scheduler_callback_still_sets_plain_rates():
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=3, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025, 0.0125])


# ---- constraints -------------------------------------------------------------------------------

W = np.array([[3.0, 0.3, -1.0], [4.0, -0.4, 0.0]], np.float32)       # column norms 5, 0.5, 1


def test_constraint_formulas():
    eps = keras.config.epsilon()
    np.testing.assert_allclose(constraints.MaxNorm(2)(W), W * np.minimum([5, 0.5, 1], 2) /
                               (eps + np.array([5, 0.5, 1])), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(W), axis=0), 1, rtol=1e-5)
    np.testing.assert_array_equal(constraints.NonNeg()(W), np.maximum(W, 0))
    half_way = constraints.MinMaxNorm(1.0, 2.0, rate=0.5)(W)
    np.testing.assert_allclose(np.linalg.norm(half_way, axis=0), [3.5, 0.75, 1.0], rtol=1e-5)
    rows = constraints.MaxNorm(1.0, axis=1)(W)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), [1, 1], rtol=1e-5)
    assert constraints.MaxNorm(2)(W).dtype == np.float32


def test_constraints_by_name_and_config():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("NonNeg"), constraints.NonNeg)
    assert constraints.max_norm is constraints.MaxNorm
    rebuilt = constraints.deserialize(constraints.serialize(constraints.MinMaxNorm(0.1, 0.9)))
    assert rebuilt.get_config() == {"min_value": 0.1, "max_value": 0.9, "rate": 1.0, "axis": 0}
    with pytest.raises(ValueError, match="Did you mean 'max_norm'"):
        constraints.get("max_nrom")


def test_dense_applies_its_constraints_after_each_step():
    layer = keras.layers.Dense(3, kernel_constraint=keras.constraints.max_norm(0.1),
                               bias_constraint="non_neg")
    model = keras.Sequential([keras.Input(shape=(4,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    model.train_on_batch(x, np.full((8, 3), -5.0, np.float32))
    assert np.all(np.linalg.norm(layer.kernel.data, axis=0) <= 0.1 + 1e-6)
    assert np.all(layer.bias.data >= 0)


def test_a_custom_training_loop_gets_the_constraints_too():
    """Keras applies constraints in the optimizer, so optimizer.apply(grads, weights) does."""
    layer = keras.layers.Dense(2, kernel_constraint=keras.constraints.NonNeg())
    layer.build((None, 2))
    optimizer = keras.optimizers.SGD(1.0)
    optimizer.apply([np.ones((2, 2), np.float32), np.zeros(2, np.float32)],
                    [layer.kernel, layer.bias])
    assert np.all(layer.kernel.data >= 0)


def test_a_function_constraint_and_a_bad_one():
    def clip_to_half(w):
        return np.clip(w, -0.5, 0.5)

    weight = one_weight([2.0, -3.0])
    weight.constraint = clip_to_half
    keras.optimizers.SGD(0.0).apply_gradients([(np.zeros(2, np.float32), weight)])
    np.testing.assert_array_equal(weight.data, [0.5, -0.5])
    weight.constraint = lambda w: w.sum()
    with pytest.raises(ValueError, match=r"returned shape \(\); it must keep the weight's "
                                         r"shape \(2,\)"):
        keras.optimizers.SGD(0.0).apply_gradients([(np.zeros(2, np.float32), weight)])


def test_constraints_survive_save_and_load(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(
        2, kernel_constraint=keras.constraints.UnitNorm(axis=1), bias_constraint="non_neg")])
    model.save(tmp_path / "m.mdz")
    loaded = keras.models.load_model(tmp_path / "m.mdz").layers[-1]
    assert isinstance(loaded.kernel_constraint, constraints.UnitNorm)
    assert loaded.kernel_constraint.axis == 1
    assert isinstance(loaded.bias.constraint, constraints.NonNeg)
