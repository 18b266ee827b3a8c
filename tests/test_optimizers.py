"""Optimizers: 15 steps of each against a float64 numpy transcription of Keras 3's update_step,
in-place updates, float32 kept, clipping, weight decay, state save/restore, configs, get(),
and convergence on a quadratic."""
import re
import warnings

import numpy as np
import pytest

import microdense as md
from microdense import optimizers

STEPS = 15
rng = np.random.default_rng(1)
W0 = rng.normal(size=(4, 3))
GRADS = [rng.normal(size=(4, 3)) for _ in range(STEPS)]
B0 = rng.normal(size=3)
BGRADS = [rng.normal(size=3) for _ in range(STEPS)]


# ---- float64 references: Keras's update_step formulas, one step at a time -------------------

def ref_sgd(w, grads, lr=0.01, momentum=0.0, nesterov=False):
    m = np.zeros_like(w)
    for g in grads:
        if momentum:
            m = m * momentum - g * lr
            w = w + (m * momentum - g * lr if nesterov else m)
        else:
            w = w - g * lr
    return w


def ref_adagrad(w, grads, lr=0.001, initial=0.1, eps=1e-7):
    a = np.full_like(w, initial)
    for g in grads:
        a = a + g * g
        w = w - lr * g / np.sqrt(a + eps)
    return w


def ref_rmsprop(w, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    v, m, avg = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        v = rho * v + (1 - rho) * g * g
        if centered:
            avg = rho * avg + (1 - rho) * g
            denominator = v - avg * avg + eps
        else:
            denominator = v + eps
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            m = momentum * m + increment
            w = w - m
        else:
            w = w - increment
    return w


def ref_adam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=None):
    m, v, v_hat = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if weight_decay:
            w = w - w * weight_decay * lr
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
        w = w - m * alpha / (np.sqrt(v_hat if amsgrad else v) + eps)
    return w


def ref_adadelta(w, grads, lr=0.001, rho=0.95, eps=1e-7):
    a, d = np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        a = rho * a + (1 - rho) * g * g
        delta = -np.sqrt(d + eps) * g / np.sqrt(a + eps)
        d = rho * d + (1 - rho) * delta * delta
        w = w + lr * delta
    return w


def ref_adamax(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def ref_nadam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v, product = np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(grads, start=1):
        u_t, u_next = b1 * (1 - 0.5 * 0.96 ** t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        product = product * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        w = w - lr * m_hat / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def ref_lamb(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        update = (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        w_norm, u_norm = np.linalg.norm(w), np.linalg.norm(update)
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        w = w - ratio * lr * update
    return w


def ref_lion(w, grads, lr=0.001, b1=0.9, b2=0.99):
    m = np.zeros_like(w)
    for g in grads:
        w = w - lr * np.sign(b1 * m + (1 - b1) * g)
        m = b2 * m + (1 - b2) * g
    return w


def ref_ftrl(w, grads, lr=0.001, power=-0.5, initial=0.1, l1=0.0, l2=0.0, shrinkage=0.0,
             beta=0.0):
    n, z = np.full_like(w, initial), np.zeros_like(w)
    for g in grads:
        new_n = n + g * g
        z = z + g + 2 * shrinkage * w - (new_n ** -power - n ** -power) / lr * w
        quadratic = new_n ** -power / lr + 2 * (l2 + beta / (2 * lr))
        w = (np.clip(z, -l1, l1) - z) / quadratic
        n = new_n
    return w


def ref_adafactor(w, grads, lr=0.001, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0,
                  relative_step=True):
    rms = lambda x: np.sqrt(np.mean(x * x))                     # noqa: E731
    r, c, v = np.zeros(w.shape[:-1]), np.zeros(w.shape[:-2] + w.shape[-1:]), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        rate = min(lr, 1 / np.sqrt(t)) if relative_step else lr
        alpha = max(eps2, rms(w)) * min(rate, 1 / np.sqrt(t))
        g2, beta = g * g + eps1, 1 - t ** decay
        if w.ndim >= 2:
            r = beta * r + (1 - beta) * g2.mean(axis=-1)
            c = beta * c + (1 - beta) * g2.mean(axis=-2)
            v = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v = beta * v + (1 - beta) * g2
        u = g / np.sqrt(v)
        w = w - alpha * u / max(1.0, rms(u) / clip)
    return w


CASES = [
    ("sgd", lambda: optimizers.SGD(), lambda w, g: ref_sgd(w, g)),
    ("sgd_momentum", lambda: optimizers.SGD(0.05, momentum=0.9),
     lambda w, g: ref_sgd(w, g, 0.05, 0.9)),
    ("sgd_nesterov", lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
     lambda w, g: ref_sgd(w, g, 0.05, 0.9, True)),
    ("adagrad", lambda: optimizers.Adagrad(), lambda w, g: ref_adagrad(w, g)),
    ("adagrad_custom", lambda: optimizers.Adagrad(0.1, initial_accumulator_value=0.5),
     lambda w, g: ref_adagrad(w, g, 0.1, 0.5)),
    ("rmsprop", lambda: optimizers.RMSprop(), lambda w, g: ref_rmsprop(w, g)),
    ("rmsprop_momentum", lambda: optimizers.RMSprop(0.01, momentum=0.5),
     lambda w, g: ref_rmsprop(w, g, 0.01, momentum=0.5)),
    ("rmsprop_centered", lambda: optimizers.RMSprop(0.01, centered=True, rho=0.8),
     lambda w, g: ref_rmsprop(w, g, 0.01, rho=0.8, centered=True)),
    ("adam", lambda: optimizers.Adam(), lambda w, g: ref_adam(w, g)),
    ("adam_custom", lambda: optimizers.Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
     lambda w, g: ref_adam(w, g, 0.01, 0.8, 0.99, 1e-3)),
    # beta_2 = 0.5 lets v fall as well as rise, so max(v_hat, v) differs from v.
    ("amsgrad", lambda: optimizers.Adam(0.01, beta_2=0.5, amsgrad=True),
     lambda w, g: ref_adam(w, g, 0.01, b2=0.5, amsgrad=True)),
    ("adamw", lambda: optimizers.AdamW(), lambda w, g: ref_adam(w, g, weight_decay=0.004)),
    ("adamw_strong", lambda: optimizers.AdamW(0.01, weight_decay=0.5),
     lambda w, g: ref_adam(w, g, 0.01, weight_decay=0.5)),
    # Keras's other optimizers (keras/src/optimizers/*.py)
    ("adadelta", lambda: optimizers.Adadelta(), lambda w, g: ref_adadelta(w, g)),
    ("adadelta_custom", lambda: optimizers.Adadelta(1.0, rho=0.8, epsilon=1e-4),
     lambda w, g: ref_adadelta(w, g, 1.0, 0.8, 1e-4)),
    ("adamax", lambda: optimizers.Adamax(), lambda w, g: ref_adamax(w, g)),
    ("adamax_custom", lambda: optimizers.Adamax(0.02, beta_1=0.8, beta_2=0.9),
     lambda w, g: ref_adamax(w, g, 0.02, 0.8, 0.9)),
    ("nadam", lambda: optimizers.Nadam(), lambda w, g: ref_nadam(w, g)),
    ("nadam_custom", lambda: optimizers.Nadam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
     lambda w, g: ref_nadam(w, g, 0.01, 0.8, 0.99, 1e-3)),
    ("lamb", lambda: optimizers.Lamb(), lambda w, g: ref_lamb(w, g)),
    ("lamb_custom", lambda: optimizers.Lamb(0.05, beta_1=0.5, beta_2=0.9),
     lambda w, g: ref_lamb(w, g, 0.05, 0.5, 0.9)),
    ("lion", lambda: optimizers.Lion(), lambda w, g: ref_lion(w, g)),
    ("lion_custom", lambda: optimizers.Lion(0.01, beta_1=0.5, beta_2=0.9),
     lambda w, g: ref_lion(w, g, 0.01, 0.5, 0.9)),
    ("ftrl", lambda: optimizers.Ftrl(), lambda w, g: ref_ftrl(w, g)),
    ("adafactor", lambda: optimizers.Adafactor(), lambda w, g: ref_adafactor(w, g)),
    ("adafactor_custom", lambda: optimizers.Adafactor(
        0.05, beta_2_decay=-0.65, epsilon_1=1e-15, epsilon_2=1e-4, clip_threshold=0.9,
        relative_step=False),
     lambda w, g: ref_adafactor(w, g, 0.05, -0.65, 1e-15, 1e-4, 0.9, False)),
    ("ftrl_regularized", lambda: optimizers.Ftrl(
        0.1, learning_rate_power=-0.7, initial_accumulator_value=0.5,
        l1_regularization_strength=0.05, l2_regularization_strength=0.1,
        l2_shrinkage_regularization_strength=0.02, beta=0.3),
     lambda w, g: ref_ftrl(w, g, 0.1, -0.7, 0.5, 0.05, 0.1, 0.02, 0.3)),
    ("loss_scale_adam", lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01)),
     lambda w, g: ref_adam(w, g, 0.01)),
]


def run(optimizer, dtype=np.float32, steps=STEPS):
    w = md.Tensor(W0.astype(dtype), requires_grad=True, name="dense/kernel")
    b = md.Tensor(B0.astype(dtype), requires_grad=True, name="dense/bias")
    for g, gb in zip(GRADS[:steps], BGRADS[:steps]):
        optimizer.apply_gradients([(g.astype(dtype), w), (gb.astype(dtype), b)])
    return w, b


@pytest.mark.parametrize("name, make, reference", CASES, ids=[c[0] for c in CASES])
def test_15_float32_steps_match_the_keras_formula(name, make, reference):
    w, b = run(make())
    np.testing.assert_allclose(w.data, reference(W0, GRADS), rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(b.data, reference(B0, BGRADS), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name, make, reference", CASES, ids=[c[0] for c in CASES])
def test_float64_weights_match_the_formula_closely(name, make, reference):
    w, _ = run(make(), np.float64)
    np.testing.assert_allclose(w.data, reference(W0, GRADS), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, make, reference", CASES, ids=[c[0] for c in CASES])
def test_updates_in_place_keep_float32_and_leave_gradients_alone(name, make, reference):
    opt = make()
    w = md.Tensor(W0.astype(np.float32), requires_grad=True)
    array = w.data
    g = GRADS[0].astype(np.float32)
    g_before = g.copy()
    for _ in range(3):
        opt.apply_gradients([(g, w)])
    assert w.data is array and w.dtype == np.float32
    np.testing.assert_array_equal(g, g_before)
    for key, value in opt.get_state().items():
        if key != "iterations":
            assert value.dtype == np.float32, key
    assert opt.iterations == 3


# ---- clipping and weight decay ---------------------------------------------------------------

def test_clipnorm_scales_each_gradient_to_the_norm():
    g = np.array([3.0, 4.0])                            # norm 5
    w = md.Tensor(np.zeros(2), requires_grad=True)
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(g, w)])
    np.testing.assert_allclose(w.data, [-0.6, -0.8])
    optimizers.SGD(1.0, clipnorm=10.0).apply_gradients([(g, w)])   # under the limit: untouched
    np.testing.assert_allclose(w.data, [-3.6, -4.8])
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_global_clipnorm_scales_all_gradients_together():
    w1 = md.Tensor(np.zeros(2), requires_grad=True)
    w2 = md.Tensor(np.zeros(1), requires_grad=True)
    grads = [np.array([3.0, 0.0]), np.array([4.0])]      # joint norm 5
    optimizers.SGD(1.0, global_clipnorm=2.5).apply_gradients(zip(grads, [w1, w2]))
    np.testing.assert_allclose(w1.data, [-1.5, 0.0])
    np.testing.assert_allclose(w2.data, [-2.0])


def test_clipvalue_clips_each_entry():
    w = md.Tensor(np.zeros(3), requires_grad=True)
    optimizers.SGD(1.0, clipvalue=0.5).apply_gradients([(np.array([-2.0, 0.1, 3.0]), w)])
    np.testing.assert_allclose(w.data, [0.5, -0.1, -0.5])


def test_only_one_clipping_argument():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_on_any_optimizer_is_applied_before_the_step():
    w = md.Tensor(np.array([2.0]), requires_grad=True)
    optimizers.SGD(0.1, weight_decay=0.5).apply_gradients([(np.array([1.0]), w)])
    assert w.data[0] == pytest.approx(2.0 - 2.0 * 0.5 * 0.1 - 0.1 * 1.0)


def test_adamw_needs_a_weight_decay():
    with pytest.raises(ValueError, match="Argument `weight_decay` must be a float"):
        optimizers.AdamW(weight_decay=None)


# ---- learning rate, iterations, missing gradients -------------------------------------------

def test_learning_rate_is_a_variable_a_callback_can_change():
    opt = optimizers.SGD()
    w = md.Tensor(np.ones(2), requires_grad=True)
    rate = opt.learning_rate
    opt.learning_rate = np.float32(0.0)
    assert opt.learning_rate is rate and isinstance(rate, md.Variable)    # assigned in place
    assert float(opt.learning_rate) == 0.0
    opt.apply_gradients([(np.ones(2), w)])
    np.testing.assert_array_equal(w.data, [1.0, 1.0])
    opt.learning_rate = 0.5
    opt.apply_gradients([(np.ones(2), w)])
    np.testing.assert_array_equal(w.data, [0.5, 0.5])
    assert opt.iterations == 2
    with pytest.raises(ValueError, match="finite number >= 0"):
        opt.learning_rate = -1.0


def test_missing_gradient_is_skipped_with_a_warning():
    w = md.Tensor(np.ones(2), requires_grad=True, name="dense/kernel")
    b = md.Tensor(np.ones(2), requires_grad=True, name="dense/bias")
    with pytest.warns(UserWarning, match="No gradient for 1 weight.*dense/kernel"):
        optimizers.Adam().apply_gradients([(None, w), (np.ones(2), b)])
    np.testing.assert_array_equal(w.data, [1.0, 1.0])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizers.Adam().apply_gradients([(None, w)])            # as Keras: nothing to do


def test_unknown_arguments_are_errors():
    optimizers.Adam(use_ema=False, loss_scale_factor=None)
    with pytest.raises(ValueError, match="not recognized by SGD: betas"):
        optimizers.SGD(betas=(0.9, 0.99))


# ---- saving and restoring -------------------------------------------------------------------

@pytest.mark.parametrize("name, make, reference", CASES, ids=[c[0] for c in CASES])
def test_state_round_trip_resumes_training_exactly(name, make, reference):
    uninterrupted, _ = run(make())
    first = make()
    w, b = run(first, steps=7)
    state = first.get_state()
    resumed = make()                                    # fresh: state arrives before the 1st step
    resumed.set_state(state)
    w2 = md.Tensor(w.data.copy(), requires_grad=True, name="dense/kernel")    # found by name
    b2 = md.Tensor(b.data.copy(), requires_grad=True, name="dense/bias")
    for g, gb in zip(GRADS[7:], BGRADS[7:]):
        resumed.apply_gradients([(g.astype(np.float32), w2), (gb.astype(np.float32), b2)])
    np.testing.assert_array_equal(w2.data, uninterrupted.data)
    assert resumed.iterations == STEPS


def test_set_state_on_a_built_optimizer_and_its_errors():
    opt = optimizers.Adam()
    w, _ = run(opt, steps=3)
    state = opt.get_state()
    assert sorted(state) == ["dense/bias/momentum", "dense/bias/velocity",
                             "dense/kernel/momentum", "dense/kernel/velocity", "iterations"]
    other = optimizers.Adam()
    run(other, steps=1)
    other.set_state(state)
    for key, value in other.get_state().items():
        np.testing.assert_array_equal(value, state[key])
    with pytest.raises(ValueError, match=r"'momentum' of weight dense/kernel has shape \(2, 2\)"):
        other.set_state({**state, "dense/kernel/momentum": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="Unknown optimizer state entry 'dense/kernel/accumu"):
        other.set_state({**state, "dense/kernel/accumulator": np.zeros((4, 3))})
    with pytest.raises(ValueError, match="'iterations' must be one whole number"):
        other.set_state({**state, "iterations": np.array("3")})
    with pytest.raises(ValueError, match="must hold numbers"):
        other.set_state({**state, "dense/bias/velocity": np.array(["a", "b", "c"])})


def test_state_follows_each_weight_not_the_order_it_was_first_seen():
    """Two weights of one shape, first seen in the opposite order by the second optimizer
    (what freezing then unfreezing a layer does): each still gets its own moments."""
    first, second = optimizers.Adam(0.1), optimizers.Adam(0.1)
    a = md.Tensor(np.zeros(3, np.float32), requires_grad=True, name="a/kernel")
    b = md.Tensor(np.zeros(3, np.float32), requires_grad=True, name="b/kernel")
    first.apply_gradients([(np.ones(3, np.float32), a)])
    first.apply_gradients([(np.full(3, 5.0, np.float32), b), (np.ones(3, np.float32), a)])
    a2 = md.Tensor(a.data.copy(), requires_grad=True, name="a/kernel")
    b2 = md.Tensor(b.data.copy(), requires_grad=True, name="b/kernel")
    second.set_state(first.get_state())
    for opt, pair in ((first, (a, b)), (second, (b2, a2))):     # second sees b first
        opt.apply_gradients([(np.ones(3, np.float32), w) for w in pair])
    np.testing.assert_array_equal(a2.data, a.data)
    np.testing.assert_array_equal(b2.data, b.data)
    assert second.get_state().keys() == first.get_state().keys()


def test_unnamed_weights_and_files_of_format_1_are_matched_by_position():
    opt = optimizers.Adam()
    w, b = (md.Tensor(np.zeros(2), requires_grad=True) for _ in range(2))
    opt.apply_gradients([(np.ones(2), w), (np.ones(2), b)])
    state = opt.get_state()
    assert sorted(state) == ["#0/momentum", "#0/velocity", "#1/momentum", "#1/velocity",
                             "iterations"]
    old_format = {"iterations": state["iterations"],
                  "momentum/0": state["#0/momentum"], "velocity/0": state["#0/velocity"],
                  "momentum/1": 2 * state["#1/momentum"], "velocity/1": state["#1/velocity"]}
    again = optimizers.Adam()
    again.set_state(old_format)
    assert again.get_state().keys() == state.keys()       # kept before the first step
    w2, b2 = (md.Tensor(np.zeros(2), requires_grad=True) for _ in range(2))
    again.build([w2, b2])
    np.testing.assert_array_equal(again.get_state()["#1/momentum"], 2 * state["#1/momentum"])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_formula_and_in_place_path_give_the_same_bits(amsgrad, monkeypatch):
    from microdense.optimizers import adam
    results = []
    for in_place_from in (10 ** 9, 0):                  # the formula, then the in-place path
        monkeypatch.setattr(adam, "IN_PLACE_FROM", in_place_from)
        opt = optimizers.Adam(0.01, beta_2=0.5, amsgrad=amsgrad)
        w = md.Tensor(np.random.default_rng(3).normal(size=(70, 30)).astype(np.float32),
                      requires_grad=True)
        for step in range(5):
            g = np.random.default_rng(step).normal(size=w.shape).astype(np.float32)
            opt.apply_gradients([(g, w)])
        results.append((w.data, opt.get_state()))
    (w_formula, state_formula), (w_in_place, state_in_place) = results
    np.testing.assert_array_equal(w_formula, w_in_place)
    for key in state_formula:
        np.testing.assert_array_equal(state_formula[key], state_in_place[key])


@pytest.mark.parametrize("argument", ["clipnorm", "clipvalue", "global_clipnorm"])
@pytest.mark.parametrize("value", [-1.0, 0, float("nan"), "1"])
def test_clipping_arguments_must_be_positive_numbers(argument, value):
    with pytest.raises(ValueError, match=argument):
        optimizers.SGD(**{argument: value})
    optimizers.SGD(**{argument: 0.5})                     # a positive value is fine


def test_config_round_trip_and_keras_keys():
    opt = optimizers.RMSprop(0.01, rho=0.8, momentum=0.1, centered=True, clipnorm=2.0)
    config = opt.get_config()
    for key in ("name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                "clipvalue", "use_ema", "rho", "momentum", "epsilon", "centered"):
        assert key in config
    again = optimizers.RMSprop.from_config(config)
    assert again.get_config() == config
    restored = optimizers.deserialize(optimizers.serialize(optimizers.AdamW(0.002)))
    assert type(restored) is optimizers.AdamW and restored.weight_decay == 0.004
    assert restored.learning_rate == 0.002


def test_defaults_match_keras():
    assert optimizers.SGD().learning_rate == 0.01
    for cls in (optimizers.RMSprop, optimizers.Adagrad, optimizers.Adam, optimizers.AdamW):
        assert cls().learning_rate == 0.001
    assert optimizers.Adam().epsilon == 1e-7 and optimizers.RMSprop().rho == 0.9
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.AdamW().weight_decay == 0.004


# ---- get ------------------------------------------------------------------------------------

def test_get_by_name_class_instance_and_dict():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("SGD"), optimizers.SGD)
    assert isinstance(optimizers.get(optimizers.Adagrad), optimizers.Adagrad)
    opt = optimizers.AdamW()
    assert optimizers.get(opt) is opt
    sgd = optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.1,
                                                          "momentum": 0.9}})
    assert sgd.learning_rate == 0.1 and sgd.momentum == 0.9


def test_get_errors():
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'. Did you mean 'adam'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier 0.1"):
        optimizers.get(0.1)


# ---- convergence ----------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(0.1), lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.Adagrad(0.5), lambda: optimizers.RMSprop(0.05),
    lambda: optimizers.Adam(0.1), lambda: optimizers.Adam(0.1, amsgrad=True),
    lambda: optimizers.AdamW(0.1, weight_decay=0.001),
    lambda: optimizers.Adadelta(10.0), lambda: optimizers.Adamax(0.1),
    lambda: optimizers.Nadam(0.1), lambda: optimizers.Lamb(0.05), lambda: optimizers.Lion(0.02),
    lambda: optimizers.Ftrl(0.5),
    lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.1)),
], ids=["sgd", "nesterov", "adagrad", "rmsprop", "adam", "amsgrad", "adamw", "adadelta",
        "adamax", "nadam", "lamb", "lion", "ftrl", "loss_scale"])
def test_minimizes_a_quadratic(make):
    target = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    scale = np.array([1.0, 3.0, 0.5], dtype=np.float32)
    w = md.Tensor(np.zeros(3, np.float32), requires_grad=True)
    opt = make()

    def loss_value():
        return (scale * (w - target) ** 2).sum()

    start = loss_value().item()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(300):
            w.zero_grad()
            loss = loss_value()
            loss.backward()
            opt.apply_gradients([(w.grad, w)])
    assert loss_value().item() < 1e-3 * start
    assert w.dtype == np.float32


@pytest.mark.parametrize("shape", [(3,), (7, 5), (3000, 40), (70000,)])
def test_blockwise_subtract_is_bit_identical_to_the_plain_update(shape):
    from microdense.optimizers.base import subtract_scaled
    generator = np.random.default_rng(1)
    weight = generator.normal(size=shape).astype(np.float32)
    grad = generator.normal(size=shape).astype(np.float32)
    expected = weight - grad * 0.037
    subtract_scaled(weight, grad, 0.037)
    np.testing.assert_array_equal(weight, expected)


# ---- Keras's other optimizers: defaults, configs, names; the loss-scale pass-through ----------

KERAS_DEFAULTS = {
    optimizers.Adadelta: {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    optimizers.Adamax: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    optimizers.Nadam: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    optimizers.Lamb: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    optimizers.Lion: {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99},
    optimizers.Ftrl: {"learning_rate": 0.001, "learning_rate_power": -0.5,
                      "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
                      "l2_regularization_strength": 0.0,
                      "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
}


@pytest.mark.parametrize("cls", KERAS_DEFAULTS, ids=[c.__name__ for c in KERAS_DEFAULTS])
def test_other_optimizers_defaults_configs_and_names(cls):
    config = cls().get_config()
    for key, value in KERAS_DEFAULTS[cls].items():
        assert config[key] == value, key
    assert re.fullmatch(cls.__name__.lower() + r"(_\d+)?", config["name"])    # adam, adam_1
    again = optimizers.deserialize(optimizers.serialize(cls(learning_rate=0.5)))
    assert type(again) is cls and again.learning_rate == 0.5
    assert isinstance(optimizers.get(cls.__name__.lower()), cls)
    assert isinstance(optimizers.get(cls.__name__), cls)


def test_optimizer_argument_checks_are_kerass():
    with pytest.raises(ValueError, match="`beta_1` must be in the \\[0, 1\\] range"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="`initial_accumulator_value` needs to be positive"):
        optimizers.Ftrl(initial_accumulator_value=-1.0)
    with pytest.raises(ValueError, match="`learning_rate_power` needs to be negative"):
        optimizers.Ftrl(learning_rate_power=0.5)


def test_ftrl_l1_sets_weights_to_exactly_zero():
    w = md.Tensor(np.array([0.3, -0.2]), requires_grad=True)
    optimizers.Ftrl(0.1, l1_regularization_strength=10.0).apply_gradients(
        [(np.array([0.5, -0.1]), w)])
    np.testing.assert_array_equal(w.data, [0.0, 0.0])


def test_loss_scale_optimizer_is_a_pass_through():
    inner = optimizers.SGD(0.5)
    opt = optimizers.LossScaleOptimizer(inner)
    assert opt.inner_optimizer is inner and opt.initial_scale == 2.0 ** 15
    assert opt.dynamic_growth_steps == 2000
    loss = md.Tensor(3.0)
    assert opt.scale_loss(loss) is loss                      # nothing to scale: no float16
    w = md.Tensor(np.ones(2), requires_grad=True, name="dense/kernel")
    opt.apply_gradients([(np.ones(2), w)])
    np.testing.assert_array_equal(w.data, [0.5, 0.5])
    assert opt.iterations == inner.iterations == 1
    opt.learning_rate = 0.1                                  # a callback's change reaches inner
    assert float(inner.learning_rate) == float(opt.learning_rate) == 0.1
    assert opt.variables == inner.variables                 # iteration, learning_rate
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate"]
    config = opt.get_config()
    assert config["inner_optimizer"] == {"class_name": "SGD", "config": inner.get_config()}
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is optimizers.LossScaleOptimizer
    assert type(again.inner_optimizer) is optimizers.SGD and float(again.learning_rate) == 0.1
    with pytest.raises(ValueError, match="needs an Optimizer instance"):
        optimizers.LossScaleOptimizer("adam")
