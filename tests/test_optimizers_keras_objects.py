"""Optimizers as Keras 3's objects: their own Variables (iteration, learning_rate, slots named
"<weight path>_<slot>"), learning_rate and iterations as Variables, unique names, set_weights,
exclude_from_weight_decay, use_ema, gradient accumulation, and every
optimizer on 0-d, 1-d and float32 weights."""
import pickle

import numpy as np
import pytest

import microdense as md
from microdense import optimizers
from microdense.naming import reset_name_counters

ALL = [optimizers.SGD, optimizers.Adagrad, optimizers.RMSprop, optimizers.Adam,
       optimizers.AdamW, optimizers.Adadelta, optimizers.Adamax, optimizers.Nadam,
       optimizers.Lamb, optimizers.Lion, optimizers.Ftrl, optimizers.Adafactor]


def weight(value, name):
    return md.Variable(np.asarray(value, np.float32), name=name)


def names(optimizer):
    return [v.name for v in optimizer.variables]


# ---- the optimizer's own variables ------------------------------------------------------------

def test_variables_are_the_optimizers_own_state_in_kerass_order():
    kernel, bias = weight(np.ones((2, 3)), "dense/kernel"), weight(np.ones(3), "dense/bias")
    adam = optimizers.Adam()
    assert names(adam) == ["iteration", "learning_rate"]
    adam.build([kernel, bias])
    assert names(adam) == ["iteration", "learning_rate",                # m, v per weight
                           "dense_kernel_momentum", "dense_kernel_velocity",
                           "dense_bias_momentum", "dense_bias_velocity"]
    amsgrad = optimizers.Adam(amsgrad=True)
    amsgrad.build([kernel, bias])
    assert names(amsgrad)[-2:] == ["dense_kernel_velocity_hat", "dense_bias_velocity_hat"]
    rmsprop = optimizers.RMSprop(momentum=0.9, centered=True)           # one kind after another
    rmsprop.build([kernel, bias])
    assert names(rmsprop)[2:] == ["dense_kernel_velocity", "dense_bias_velocity",
                                  "dense_kernel_momentum", "dense_bias_momentum",
                                  "dense_kernel_average_gradient", "dense_bias_average_gradient"]
    assert all(v is not kernel and v is not bias for v in adam.variables)
    assert all(not v.trainable for v in adam.variables)
    slot = adam.variables[2]
    assert slot.shape == (2, 3) and slot.dtype == "float32"


def test_slot_variables_are_the_arrays_the_update_writes():
    w = weight([1.0, 2.0], "w")
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.apply_gradients([(np.ones(2, np.float32), w)])
    momentum = opt.variables[2]
    np.testing.assert_allclose(momentum.numpy(), [-0.1, -0.1], rtol=1e-6)
    momentum.assign([0.0, 0.0])                       # what set_weights does: in place
    opt.apply_gradients([(np.ones(2, np.float32), w)])
    np.testing.assert_allclose(momentum.numpy(), [-0.1, -0.1], rtol=1e-6)


def test_learning_rate_and_iterations_are_variables():
    opt = optimizers.SGD(learning_rate=0.5)
    w = weight([1.0], "w")
    assert isinstance(opt.learning_rate, md.Variable) and isinstance(opt.iterations, md.Variable)
    assert float(opt.learning_rate) == 0.5 and float(opt.learning_rate.value) == 0.5
    assert opt.iterations.numpy() == 0 and opt.iterations.dtype == "int64"
    opt.learning_rate.assign(0.25)                    # Keras's way
    opt.apply_gradients([(np.ones(1, np.float32), w)])
    np.testing.assert_allclose(w.numpy(), [0.75])
    opt.learning_rate = 0.125                         # the setter assigns the same Variable
    assert opt.variables[1] is opt.learning_rate and float(opt.variables[1]) == 0.125
    assert opt.iterations.numpy() == 1 and opt.variables[0] is opt.iterations
    opt.iterations.assign(5)
    assert opt.get_state()["iterations"] == 5
    with pytest.raises(ValueError, match="finite number >= 0"):
        opt.learning_rate = float("nan")


def test_a_schedule_is_no_variable_and_learning_rate_is_its_value():
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=schedule)
    assert names(opt) == ["iteration"]
    w = weight([0.0], "w")
    opt.apply_gradients([(np.ones(1, np.float32), w)])
    assert opt.learning_rate == pytest.approx(0.05)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1
    adam = optimizers.Adam(learning_rate=0.001)        # a schedule set later: untracked
    adam.learning_rate = optimizers.schedules.PolynomialDecay(0.001, 4)
    assert names(adam) == ["iteration"]


def test_two_optimizers_of_a_class_get_unique_names_as_in_keras():
    reset_name_counters()
    assert [optimizers.Adam().name, optimizers.Adam().name] == ["adam", "adam_1"]
    assert [optimizers.AdamW().name, optimizers.AdamW().name] == ["adam_w", "adam_w_1"]
    assert optimizers.Adam(name="mine").name == "mine"
    again = optimizers.deserialize(optimizers.serialize(optimizers.SGD(name="sgd_7")))
    assert again.name == "sgd_7"


def test_set_weights_and_get_weights():
    x = weight([[1.0, 2.0], [3.0, 4.0]], "x")
    first = optimizers.Adam()
    first.apply_gradients([(np.ones((2, 2), np.float32), x)])
    second = optimizers.Adam()
    with pytest.raises(ValueError, match="not yet been built"):
        second.set_weights(first.variables)
    second.build([x])
    second.set_weights(first.variables)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert second.iterations.numpy() == 1
    with pytest.raises(ValueError, match="has shape"):
        second.set_weights([np.array(1), np.array(0.1), np.zeros(3)])


def test_get_state_and_set_state_still_resume_exactly():
    def steps(opt, w, n):
        for i in range(n):
            opt.apply_gradients([(np.full(2, i + 1, np.float32), w)])

    w = weight([1.0, 2.0], "dense/kernel")
    steps(optimizers.Adam(0.1), w, 4)
    a = weight([1.0, 2.0], "dense/kernel")
    first = optimizers.Adam(0.1)
    steps(first, a, 2)
    resumed = optimizers.Adam(0.1)
    b = weight(a.numpy(), "dense/kernel")
    resumed.set_state(first.get_state())
    for i in (2, 3):
        resumed.apply_gradients([(np.full(2, i + 1, np.float32), b)])
    np.testing.assert_array_equal(b.numpy(), w.numpy())


# ---- weight decay, moving averages, accumulation, loss scale --------------------------------

def test_exclude_from_weight_decay_by_variable_and_by_name():
    zero = np.zeros((), np.float32)
    plain, excluded, listed = weight(2.0, "plain"), weight(2.0, "exclude"), weight(2.0, "listed")
    opt = optimizers.SGD(learning_rate=1.0, weight_decay=0.004)
    opt.exclude_from_weight_decay(var_list=[listed], var_names=["exclude"])
    opt.apply_gradients([(zero, plain), (zero, excluded), (zero, listed)])
    assert plain.numpy() == pytest.approx(2.0 - 2.0 * 0.004)
    assert excluded.numpy() == 2.0 and listed.numpy() == 2.0


def test_ema_as_kerass_numbers_and_finalize():
    v = weight([[3.0, 4.0], [5.0, 6.0]], "v")
    ones = np.ones((2, 2), np.float32)
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.9,
                         ema_overwrite_frequency=3)
    assert names(opt) == ["iteration", "learning_rate"]
    opt.apply_gradients([(ones, v)])
    assert names(opt)[2] == "v_average"
    np.testing.assert_allclose(opt._model_variables_moving_average[0].numpy(), v.numpy())
    opt.apply_gradients([(ones, v)])
    np.testing.assert_allclose(v.numpy(), [[1, 2], [3, 4]])
    np.testing.assert_allclose(opt._model_variables_moving_average[0].numpy(),
                               [[1.9, 2.9], [3.9, 4.9]], rtol=1e-6)
    opt.apply_gradients([(ones, v)])                   # the third update: overwritten
    np.testing.assert_allclose(v.numpy(), [[1.71, 2.71], [3.71, 4.71]], rtol=1e-6)
    never = optimizers.Adam(learning_rate=1.0, use_ema=True, ema_momentum=0.9)
    u = weight([1.0, 2.0], "u")
    never.apply_gradients([(np.array([0.1, 0.2], np.float32), u)])
    first = u.numpy()
    never.apply_gradients([(np.array([0.1, 0.2], np.float32), u)])
    expected = 0.9 * first + 0.1 * u.numpy()
    never.finalize_variable_values([u])
    np.testing.assert_allclose(u.numpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.SGD(use_ema=True, ema_momentum=1.5)


def test_fit_with_ema_ends_with_the_averages():
    model = md.Sequential([md.Input(shape=(5,)),
                           md.layers.Dense(10, kernel_initializer="ones", use_bias=False)])
    model.compile(optimizer=optimizers.Adam(use_ema=True, ema_momentum=0.9), loss="mse")
    model.fit(np.ones((1, 5), np.float32), np.zeros((1, 10), np.float32), epochs=3, verbose=0)
    average = model.optimizer._model_variables_moving_average[0]
    np.testing.assert_array_equal(model.trainable_weights[0].numpy(), average.numpy())


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.RMSprop])
def test_gradient_accumulation_is_a_step_on_the_mean_gradient(cls):
    rng = np.random.default_rng(0)
    every, accumulating = cls(weight_decay=0.05), cls(weight_decay=0.05,
                                                      gradient_accumulation_steps=3)
    a, b = weight([[0.9], [0.5]], "a"), weight([[0.9], [0.5]], "b")
    for _ in range(4):
        grads = rng.random((3, 2, 1)).astype(np.float32)
        every.apply_gradients([(grads.mean(axis=0), a)])
        for g in grads:
            accumulating.apply_gradients([(g, b)])
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5)
    assert accumulating.iterations.numpy() == 4 and accumulating._iterations.numpy() == 12
    assert "b_gradient_accumulator" in names(accumulating)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)


def test_loss_scale_factor_is_refused_there_is_no_mixed_precision():
    assert optimizers.SGD(loss_scale_factor=None).scale_loss(3.0) == 3.0
    with pytest.raises(ValueError, match="no mixed precision"):
        optimizers.SGD(loss_scale_factor=1024.0)


def test_clipping_arguments_exist_and_clip():
    for argument in ("clipnorm", "clipvalue", "global_clipnorm"):
        assert getattr(optimizers.SGD(**{argument: 1.0}), argument) == 1.0
    clipped = optimizers.SGD(clipnorm=1.0)._clip_gradients([np.array([100.0, 100.0])])
    np.testing.assert_allclose(clipped[0], [2 ** 0.5 / 2] * 2)


def test_a_pickled_optimizer_keeps_training_its_weights():
    w = weight([1.0, 2.0], "w")
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(np.ones(2, np.float32), w)])
    opt2, w2 = pickle.loads(pickle.dumps((opt, w)))
    opt.apply_gradients([(np.ones(2, np.float32), w)])
    opt2.apply_gradients([(np.ones(2, np.float32), w2)])
    np.testing.assert_array_equal(w.numpy(), w2.numpy())
    assert len(opt2.variables) == 4


# ---- every optimizer on 0-d, 1-d and float32 weights ------------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=[c.__name__ for c in ALL])
def test_every_optimizer_on_0d_1d_and_2d_float32_weights(cls):
    scalar, vector, matrix = weight(0.5, "s"), weight([0.5], "v"), weight([[0.5]], "m")
    opt = cls(learning_rate=0.1)
    for g in (0.3, -0.2, 0.7):
        opt.apply_gradients([(np.float32(g), scalar), (np.array([g], np.float32), vector),
                             (np.array([[g]], np.float32), matrix)])
    assert scalar.shape == () and scalar.dtype == "float32" and vector.dtype == "float32"
    assert scalar.numpy() != 0.5                                      # it moved
    np.testing.assert_array_equal(vector.numpy(), [scalar.numpy()])   # same numbers, any rank
    np.testing.assert_array_equal(matrix.numpy(), [[scalar.numpy()]])
    for variable in opt.variables[2:]:
        assert variable.dtype == "float32", variable.name
    assert isinstance(scalar.data, np.ndarray)


def test_numpy_reductions_of_a_variable_as_keras_tests_write_them():
    v = weight([[1.0, -2.0], [3.0, 4.0]], "v")
    assert float(np.min(v)) == -2.0 and float(np.max(v)) == 4.0 and float(np.sum(v)) == 6.0
    with pytest.raises(TypeError, match="out= is not supported"):
        v.sum(out=np.zeros(()))


def test_a_saved_model_keeps_the_moving_averages_and_gradient_sums(tmp_path):
    model = md.Sequential([md.Input(shape=(3,)), md.layers.Dense(2, name="dense")])
    model.compile(optimizer=optimizers.Adam(use_ema=True, gradient_accumulation_steps=2),
                  loss="mse")
    model.fit(np.ones((3, 3), np.float32), np.zeros((3, 2), np.float32), batch_size=1,
              epochs=1, verbose=0)                     # 3 calls: one gradient sum pending
    model.save(tmp_path / "m.keras")
    restored = md.models.load_model(tmp_path / "m.keras")
    saved, loaded = model.optimizer.get_state(), restored.optimizer.get_state()
    assert "dense/kernel/average" in saved and "dense/kernel/gradient_accumulator" in saved
    assert np.abs(saved["dense/kernel/gradient_accumulator"]).sum() > 0
    assert saved.keys() == loaded.keys()
    for key in saved:
        np.testing.assert_array_equal(saved[key], loaded[key])


def test_adafactor_keeps_a_row_and_a_column_of_a_matrix_and_saves_them(tmp_path):
    model = md.Sequential([md.Input(shape=(3,)), md.layers.Dense(4, name="dense")])
    model.compile(optimizer=optimizers.Adafactor(), loss="mse")
    model.fit(np.ones((2, 3), np.float32), np.zeros((2, 4), np.float32), verbose=0)
    shapes = {v.name: v.shape for v in model.optimizer.variables}
    assert shapes["dense_kernel_velocity"] == (3, 4)
    assert [v.shape for v in model.optimizer.variables[2:4]] == [(3,), (4,)]   # r, c
    assert [v.name for v in model.optimizer.variables[2:4]] == ["kernel", "kernel"]  # Keras's
    model.save(tmp_path / "m.keras")
    restored = md.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(restored.optimizer.get_state()["dense/kernel/r"],
                                  model.optimizer.get_state()["dense/kernel/r"])


@pytest.mark.parametrize("arguments", [dict(use_ema=True, ema_overwrite_frequency=3),
                                       dict(gradient_accumulation_steps=2)],
                         ids=["ema", "accumulation"])
def test_a_replayed_step_gives_the_eager_numbers(arguments):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype(np.float32), rng.normal(size=(64, 2)).astype("f")
    results = []
    for jit_compile in (False, True):
        md.utils.set_random_seed(1)
        model = md.Sequential([md.Input(shape=(4,)), md.layers.Dense(8, activation="tanh"),
                               md.layers.Dense(2)])
        model.compile(optimizer=optimizers.Adam(0.01, **arguments), loss="mse",
                      jit_compile=jit_compile)
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        results.append((history.history["loss"], model.get_weights(), model))
    (eager_loss, eager_weights, _), (loss, weights, replayed) = results
    assert replayed._compiled_step.replayed_steps > 0
    np.testing.assert_allclose(loss, eager_loss, rtol=1e-6, atol=1e-7)
    for a, b in zip(eager_weights, weights):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
