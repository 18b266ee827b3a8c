"""Activations: values against float64 numpy formulas (extremes included), gradients against
finite differences, the conventions at kinks, and lookup / saving by name."""
import math
import warnings

import numpy as np
import pytest

import microdense as md
from microdense import activations
from microdense.utils import register_keras_serializable

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def np_sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))          # a stable closed form of 1 / (1 + e^-x)


def np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


np_erfc = np.vectorize(math.erfc)

# (name, numpy float64 reference)
REFERENCES = [
    ("relu", lambda x: np.maximum(x, 0.0)),
    ("sigmoid", np_sigmoid),
    ("tanh", np.tanh),
    ("softmax", np_softmax),
    ("log_softmax", lambda x: x - x.max(-1, keepdims=True)
        - np.log(np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True))),
    ("softplus", lambda x: np.logaddexp(0.0, x)),
    ("softsign", lambda x: x / (1.0 + np.abs(x))),
    ("elu", np_elu),
    ("selu", lambda x: SELU_SCALE * np_elu(x, SELU_ALPHA)),
    ("gelu", lambda x: 0.5 * x * np_erfc(-x / math.sqrt(2.0))),
    ("silu", lambda x: x * np_sigmoid(x)),
    ("swish", lambda x: x * np_sigmoid(x)),
    ("linear", lambda x: x),
    ("exponential", np.exp),
    ("hard_sigmoid", lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    ("hard_silu", lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    ("hard_swish", lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)),
    ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)),
    ("relu6", lambda x: np.clip(x, 0.0, 6.0)),
    ("mish", lambda x: x * np.tanh(np.logaddexp(0.0, x))),
    # Keras 3's newer names, each as its numpy backend (keras/src/backend/numpy/nn.py) writes it
    ("celu", lambda x: np.maximum(x, 0.0) + np.expm1(np.minimum(x, 0.0))),
    ("glu", lambda x: np_glu(x)),
    ("hard_tanh", lambda x: np.clip(x, -1.0, 1.0)),
    ("hard_shrink", lambda x: np.where(np.abs(x) > 0.5, x, 0.0)),
    ("soft_shrink", lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0))),
    ("tanh_shrink", lambda x: x - np.tanh(x)),
    ("threshold", lambda x: np.where(x > 0.5, x, -1.0)),    # with THRESHOLD_ARGUMENTS
    ("sparse_sigmoid", lambda x: np.clip(0.5 * (x + 1.0), 0.0, 1.0)),
    ("sparse_plus", lambda x: np.where(x <= -1, 0.0, np.where(x < 1, (x + 1) ** 2 / 4, x))),
    ("squareplus", lambda x: (x + np.sqrt(x * x + 4.0)) / 2.0),
    ("log_sigmoid", lambda x: -np.logaddexp(0.0, -x)),
    ("sparsemax", lambda x: np_sparsemax(x)),
]

# threshold has no defaults (as in Keras): these are the arguments the tables call it with.
THRESHOLD_ARGUMENTS = {"threshold": 0.5, "default_value": -1.0}


def activation(name):
    """The activation called `name`, as a function of x alone."""
    fn = activations.get(name)
    if name == "threshold":
        return lambda x: fn(x, **THRESHOLD_ARGUMENTS)
    return fn


def np_glu(x, axis=-1):
    a, b = np.split(x, 2, axis)
    return a * np_sigmoid(b)


def np_sparsemax(x, axis=-1):
    """Keras's numpy backend: sort, cumulative sums, the support test, tau."""
    x = np.moveaxis(x, axis, -1)
    ordered = -np.sort(-x, axis=-1)
    cumulative = np.cumsum(ordered, axis=-1)
    r = np.arange(1, x.shape[-1] + 1)
    support = ordered - (cumulative - 1) / r > 0
    k = support.sum(-1, keepdims=True)
    tau = (np.where(support, ordered, 0.0).sum(-1, keepdims=True) - 1) / k
    return np.moveaxis(np.maximum(x - tau, 0.0), -1, axis)

MODERATE = np.linspace(-8.0, 8.1, 162).reshape(9, 18)     # even last axis: glu halves it
EXTREME = np.array([[-1e4, -700.0, -50.0, -1e-9, 0.0, 1e-9, 1.0, 50.0, 700.0, 1e4]])


def test_every_activation_has_a_reference():
    assert {name for name, _ in REFERENCES} == set(activations.ALL_ACTIVATIONS)


@pytest.mark.parametrize("name, reference", REFERENCES, ids=[r[0] for r in REFERENCES])
def test_values_match_numpy(name, reference):
    fn = activation(name)
    out = fn(md.Tensor(MODERATE))
    # gelu's erfc is a fitted approximation (measured 1.4e-8); the rest are exact formulas.
    atol = 1e-7 if name == "gelu" else 1e-12
    np.testing.assert_allclose(out.data, reference(MODERATE), rtol=1e-7, atol=atol)


@pytest.mark.parametrize("name, reference", [r for r in REFERENCES if r[0] != "exponential"],
                         ids=[r[0] for r in REFERENCES if r[0] != "exponential"])
def test_extreme_inputs_stay_finite_without_warnings(name, reference):
    fn = activation(name)
    x = md.Tensor(EXTREME.copy(), requires_grad=True)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        out = fn(x)
        out.sum().backward()
    assert np.isfinite(out.data).all()
    assert np.isfinite(x.grad).all(), f"{name}: gradient {x.grad}"
    atol = 1e-7 if name == "gelu" else 1e-12
    with np.errstate(over="ignore"):
        expected = reference(EXTREME)
    np.testing.assert_allclose(out.data, expected, rtol=1e-7, atol=atol)


# Inputs away from every kink (relu and relu6 at 0 and 6, hard_sigmoid at -3 and 3).
SMOOTH_INPUT = np.array([[-7.3, -4.1, -2.6, -1.2], [-0.4, 0.3, 0.9, 1.7], [2.2, 4.4, 5.5, 7.1]])


@pytest.mark.parametrize("name", sorted(activations.ALL_ACTIVATIONS))
def test_gradients_match_finite_differences(name):
    assert md.gradcheck(activation(name), SMOOTH_INPUT)


@pytest.mark.parametrize("fn", [lambda x: activations.gelu(x, approximate=True),
                                lambda x: activations.elu(x, alpha=0.5),
                                lambda x: activations.leaky_relu(x, negative_slope=0.1),
                                lambda x: activations.softmax(x, axis=0),
                                lambda x: activations.softmax(x, axis=(0, 1)),
                                lambda x: activations.log_softmax(x, axis=(1, 0)),
                                lambda x: activations.relu(x, 0.3, 5.0, 1.0),
                                lambda x: activations.celu(x, alpha=0.5),
                                lambda x: activations.glu(x, axis=0) if x.shape[0] % 2 == 0
                                else activations.glu(x[:2], axis=0),
                                lambda x: activations.sparsemax(x, axis=0),
                                lambda x: activations.sparsemax(x / 4.0),
                                lambda x: activations.squareplus(x, b=0.5),
                                lambda x: activations.hard_shrink(x, threshold=1.0),
                                lambda x: activations.soft_shrink(x, threshold=2.0)])
def test_gradients_with_arguments(fn):
    assert md.gradcheck(fn, SMOOTH_INPUT)


def test_float32_stays_float32():
    x = md.Tensor(MODERATE.astype(np.float32))
    for name in activations.ALL_ACTIVATIONS:
        assert activation(name)(x).dtype == np.float32, name


def slope_at(fn, value):
    x = md.Tensor(np.array([value]), requires_grad=True)
    fn(x).sum().backward()
    return x.grad[0]


def test_slopes_at_zero_are_the_true_derivatives():
    assert slope_at(activations.softplus, 0.0) == pytest.approx(0.5)    # sigmoid(0)
    assert slope_at(activations.gelu, 0.0) == pytest.approx(0.5)        # Phi(0)
    assert slope_at(activations.elu, 0.0) == pytest.approx(1.0)
    assert slope_at(activations.mish, 0.0) == pytest.approx(math.tanh(math.log(2.0)))
    # erfc'(0) = -2/sqrt(pi); the fitted erfc's slope there is 6e-6 off (relative)
    assert slope_at(md.ops.activations._erfc, 0.0) == pytest.approx(-2 / math.sqrt(math.pi), rel=1e-5)


def test_gelu_slope_against_the_exact_derivative():
    # d gelu/dx = Phi(x) + x phi(x); the fitted erfc's slope is within 9e-8 of it.
    v = np.linspace(-30.0, 30.0, 6001)
    x = md.Tensor(v, requires_grad=True)
    activations.gelu(x).sum().backward()
    exact = np.array([0.5 * math.erfc(-a / math.sqrt(2)) + a * math.exp(-a * a / 2)
                      / math.sqrt(2 * math.pi) for a in v])
    assert np.abs(x.grad - exact).max() < 2e-7


def test_gelu_exact_error_against_math_erf():
    x = np.linspace(-30.0, 30.0, 60001)
    exact = np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x])
    assert np.abs(activations.gelu(md.Tensor(x)).data - exact).max() < 1e-7


def test_gelu_approximate_is_the_tanh_formula():
    x = MODERATE
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(activations.gelu(md.Tensor(x), approximate=True).data, tanh_form,
                               rtol=1e-12)
    assert not np.allclose(tanh_form, activations.gelu(md.Tensor(x)).data, atol=1e-5)


def test_relu_options_match_the_keras_docstring():
    x = md.Tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    assert activations.relu(x).data.tolist() == [0, 0, 0, 5, 10]
    assert activations.relu(x, negative_slope=0.5).data.tolist() == [-5, -2.5, 0, 5, 10]
    assert activations.relu(x, max_value=5.0).data.tolist() == [0, 0, 0, 5, 5]
    assert activations.relu(x, threshold=5.0).data.tolist() == [0, 0, 0, 0, 10]
    # below the threshold the slope applies to (x - threshold), as in Keras
    assert activations.relu(x, negative_slope=0.5, threshold=5.0).data.tolist() == \
        [-7.5, -5, -2.5, 0, 10]
    with pytest.raises(ValueError, match="max_value"):
        activations.relu(x, max_value=-1.0)


def test_keras_defaults():
    x = md.Tensor([-10.0, 1.0])
    assert activations.leaky_relu(x).data.tolist() == [-2.0, 1.0]          # negative_slope 0.2
    assert activations.hard_sigmoid(md.Tensor([-3.0, 0.0, 3.0])).data.tolist() == [0, 0.5, 1]
    np.testing.assert_allclose(activations.softmax(md.Tensor(np.eye(2))).data.sum(axis=-1), 1)


def test_keras_3_activations_with_their_arguments():
    x = MODERATE
    np.testing.assert_allclose(activations.celu(md.Tensor(x), alpha=0.5).data,
                               np.maximum(x, 0) + 0.5 * np.expm1(np.minimum(x, 0) / 0.5),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(activations.glu(md.Tensor(x[:8]), axis=0).data,
                               np_glu(x[:8], axis=0), rtol=1e-12)
    np.testing.assert_allclose(activations.hard_shrink(md.Tensor(x), 2.0).data,
                               np.where(np.abs(x) > 2.0, x, 0.0))
    np.testing.assert_allclose(activations.soft_shrink(md.Tensor(x), threshold=1.5).data,
                               np.where(x > 1.5, x - 1.5, np.where(x < -1.5, x + 1.5, 0.0)),
                               atol=1e-15)
    np.testing.assert_allclose(activations.squareplus(md.Tensor(x), b=1).data,
                               (x + np.sqrt(x * x + 1)) / 2, rtol=1e-12)
    np.testing.assert_allclose(activations.threshold(md.Tensor(x), -2.0, 7.0).data,
                               np.where(x > -2.0, x, 7.0))
    with pytest.raises(ValueError, match="glu splits axis -1 into two halves"):
        activations.glu(md.Tensor(np.ones((2, 3))))


def test_sparsemax_against_keras_numbers_and_the_sorted_formula():
    # keras/src/activations/activations_test.py: test_sparsemax
    x = np.linspace(1, 12, num=12)
    np.testing.assert_allclose(activations.sparsemax(md.Tensor(x)).data, np.eye(12)[-1])
    x2 = x.reshape(-1, 2)
    np.testing.assert_allclose(activations.sparsemax(md.Tensor(x2)).data,
                               np.tile([0.0, 1.0], (6, 1)))
    np.testing.assert_allclose(activations.sparsemax(md.Tensor(x2), axis=-2).data,
                               np.eye(6)[-1][:, None] * np.ones((6, 2)))
    x3 = x.reshape(-1, 1, 3)
    np.testing.assert_allclose(activations.sparsemax(md.Tensor(x3), axis=-2).data,
                               np.ones_like(x3))
    # random rows (ties included) against the sorting formula of Keras's numpy backend
    r = np.round(np.random.default_rng(5).normal(size=(40, 7)), 1)
    for axis in (-1, 0):
        out = activations.sparsemax(md.Tensor(r), axis=axis).data
        np.testing.assert_allclose(out, np_sparsemax(r, axis=axis), atol=1e-12)
        np.testing.assert_allclose(out.sum(axis=axis), 1.0)


def test_new_activations_work_by_name_in_a_layer():
    for name in ("celu", "glu", "sparsemax", "log_sigmoid", "squareplus"):
        layer = md.layers.Dense(4, activation=name)
        out = layer(md.Tensor(np.ones((2, 3), np.float32)))
        assert out.shape == ((2, 2) if name == "glu" else (2, 4))
        assert layer.activation is activations.get(name)


def test_compositions_record_only_primitives():
    x = md.Tensor([1.0, -2.0], requires_grad=True)
    out = activations.silu(x)
    assert out.op == "mul" and [p.op for p in out.parents] == ["", "sigmoid"]


# ---- lookup and saving by name ---------------------------------------------------------------

def test_get():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    custom = lambda x: 2 * x  # noqa: E731
    assert activations.get(custom) is custom
    assert activations.get(md.tanh) is md.tanh


def test_unknown_name_error_text():
    with pytest.raises(ValueError) as info:
        activations.get("rleu")
    assert str(info.value).startswith("Unknown activation 'rleu'. Did you mean 'relu'? Known: "
                                      "celu, elu, exponential, gelu, ")
    with pytest.raises(ValueError, match="Could not interpret activation identifier 3"):
        activations.get(3)


def test_serialize_builtins_by_name():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "silu"         # the same function
    for name in activations.ALL_ACTIVATIONS:
        fn = activations.get(name)
        assert activations.deserialize(activations.serialize(fn)) is fn


@pytest.fixture
def clean_registry(monkeypatch):
    from microdense import registry
    monkeypatch.setattr(registry, "_REGISTERED_OBJECTS", {})
    monkeypatch.setattr(registry, "_REGISTERED_NAMES", {})


def test_registered_activation_round_trips(clean_registry):
    @register_keras_serializable()
    def scaled_tanh(x):
        return 1.7159 * md.tanh(2.0 / 3.0 * x)

    assert activations.serialize(scaled_tanh) == "Custom>scaled_tanh"
    assert activations.deserialize("Custom>scaled_tanh") is scaled_tanh
    assert activations.get("scaled_tanh") is scaled_tanh


def test_unregistered_activation_needs_custom_objects(clean_registry):
    def my_act(x):
        return x * 3.0

    name = activations.serialize(my_act)
    assert name == "my_act"
    with pytest.raises(ValueError) as info:
        activations.deserialize(name)
    message = str(info.value)
    assert "'my_act'" in message and "custom_objects={'my_act': my_act}" in message
    assert "register_keras_serializable" in message
    assert activations.deserialize(name, custom_objects={"my_act": my_act}) is my_act
    # an explicit custom object wins over a built-in of the same name
    assert activations.deserialize("relu", custom_objects={"relu": my_act}) is my_act
    with pytest.raises(ValueError, match="lambda"):
        activations.deserialize(activations.serialize(lambda x: x))


def test_every_activation_is_reachable_as_md_name():
    from microdense import ops
    for name, fn in activations.ALL_ACTIVATIONS.items():
        # Where a primitive op has the name (md.relu, md.sigmoid, ...), md.<name> is the op;
        # else it is the activation itself (ops.elu, ops.gelu, ... are keras.ops's versions).
        assert getattr(md, name) is (getattr(ops, name) if name in ops.__all__ else fn), name
    assert float(md.softplus(md.Tensor(0.0)).data) == pytest.approx(np.log(2.0))


def test_softmax_over_several_axes_normalises_them_together():
    # Keras: softmax(x, axis=(1, 2)) is one softmax over each x[i] (issue 24: it crashed).
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    out = activations.softmax(md.Tensor(x), axis=(1, -1)).data
    e = np.exp(x - x.max(axis=(1, 3), keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(axis=(1, 3), keepdims=True), rtol=1e-12)
    log_out = activations.log_softmax(md.Tensor(x), axis=(1, 3)).data
    np.testing.assert_allclose(log_out, np.log(out), rtol=1e-10, atol=1e-12)
    assert activations.softmax(md.Tensor(x.astype(np.float32)), axis=(2, 3)).dtype == np.float32
