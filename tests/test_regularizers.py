"""Regularizers: penalties and their gradients against numpy, Keras defaults, names, configs."""
import json

import numpy as np
import pytest

import microdense as md
from microdense import regularizers as R

W = np.random.default_rng(0).uniform(-2.0, 2.0, (4, 5))


def penalty_and_grad(regularizer, array=W):
    w = md.Tensor(array.copy(), requires_grad=True)
    penalty = regularizer(w)
    penalty.backward()
    return penalty, w.grad


def test_l1():
    penalty, grad = penalty_and_grad(R.L1(0.3))
    assert penalty.shape == ()
    assert penalty.item() == pytest.approx(0.3 * np.abs(W).sum(), rel=1e-12)
    np.testing.assert_allclose(grad, 0.3 * np.sign(W), rtol=1e-12)


def test_l2():
    penalty, grad = penalty_and_grad(R.L2(0.1))
    assert penalty.item() == pytest.approx(0.1 * (W ** 2).sum(), rel=1e-12)
    np.testing.assert_allclose(grad, 0.2 * W, rtol=1e-12)


def test_l1_l2():
    penalty, grad = penalty_and_grad(R.L1L2(l1=0.01, l2=0.02))
    assert penalty.item() == pytest.approx(0.01 * np.abs(W).sum() + 0.02 * (W ** 2).sum())
    np.testing.assert_allclose(grad, 0.01 * np.sign(W) + 0.04 * W, rtol=1e-12)


@pytest.mark.parametrize("regularizer", [R.L1(0.3), R.L2(0.1), R.L1L2(0.2, 0.4)],
                         ids=["L1", "L2", "L1L2"])
def test_gradcheck(regularizer):
    assert md.gradcheck(regularizer, W)


def test_keras_docstring_example():
    assert R.L2(2.0)(md.Tensor(np.ones((5, 5)))).item() == pytest.approx(50.0)


def test_keras_defaults():
    assert R.L1().l1 == 0.01 and R.L2().l2 == 0.01
    assert (R.L1L2().l1, R.L1L2().l2) == (0.0, 0.0)
    assert (R.L1L2(l1=None).l1, R.L1(None).l1) == (0.0, 0.01)
    zero = R.L1L2()(md.Tensor(W, requires_grad=True))
    assert zero.item() == 0.0 and not zero.requires_grad            # a constant: no graph


def test_float32_weights_give_a_float32_penalty():
    w = md.Tensor(W.astype(np.float32), requires_grad=True)
    for regularizer in (R.L1(), R.L2(), R.L1L2(0.1, 0.1)):
        assert regularizer(w).dtype == np.float32


def test_arrays_are_accepted():
    assert R.L1(1.0)(np.array([-1.0, 2.0])).item() == 3.0


def test_bad_factors_are_named():
    for bad in (-0.1, float("nan"), float("inf"), "0.1"):
        with pytest.raises(ValueError, match="Invalid value for argument l1"):
            R.L1(bad)
    with pytest.raises(ValueError, match="argument l2"):
        R.L1L2(l2=-1)
    # Keras's own name for the check, as keras.src.regularizers.regularizers has it
    assert R.validate_float_arg(1, "factor") == 1.0 and type(R.validate_float_arg(1, "f")) is float
    with pytest.raises(ValueError, match="factor: expected a non-negative float"):
        R.validate_float_arg(-1, "factor")


def test_get():
    assert R.get(None) is None
    assert type(R.get("l1")) is R.L1 and R.get("l1").l1 == 0.01
    assert type(R.get("L2")) is R.L2
    both = R.get("l1_l2")                      # the Keras docstring's 0.01 and 0.01
    assert (both.l1, both.l2) == (0.01, 0.01)
    assert isinstance(R.get(R.L2), R.L2)
    reg = R.L1(0.5)
    assert R.get(reg) is reg

    def custom(w):
        return 0.1 * md.sum(w)
    assert R.get(custom) is custom
    assert R.get({"class_name": "L2", "config": {"l2": 0.3}}).l2 == 0.3
    with pytest.raises(ValueError) as info:
        R.get("l1_12")
    assert str(info.value) == ("Unknown regularizer 'l1_12'. Did you mean 'l1_l2'? "
                               "Known: l1, l1_l2, l2, orthogonal_regularizer.")
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        R.get(0.01)


@pytest.mark.parametrize("regularizer", [R.L1(0.3), R.L2(0.1), R.L1L2(0.2, 0.4)],
                         ids=["L1", "L2", "L1L2"])
def test_serialize_round_trip(regularizer):
    saved = json.loads(json.dumps(R.serialize(regularizer)))
    assert saved == {"class_name": type(regularizer).__name__,
                     "config": regularizer.get_config()}
    restored = R.deserialize(saved)
    assert type(restored) is type(regularizer)
    assert restored(W).item() == pytest.approx(regularizer(W).item())


# ---- OrthogonalRegularizer -------------------------------------------------------------------

def np_orthogonal_penalty(w, factor, mode):
    v = w if mode == "rows" else w.T
    v = v / np.linalg.norm(v, axis=1, keepdims=True)
    n = len(v)
    return factor * 0.5 * np.abs(v @ v.T * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_value_and_gradient(mode):
    penalty = R.OrthogonalRegularizer(factor=0.1, mode=mode)
    assert penalty(md.Tensor(W)).item() == pytest.approx(np_orthogonal_penalty(W, 0.1, mode),
                                                         rel=1e-12)
    assert md.gradcheck(penalty, W)
    q = np.linalg.qr(np.random.default_rng(1).normal(size=(5, 5)))[0]
    assert penalty(md.Tensor(q)).item() == pytest.approx(0.0, abs=1e-12)   # orthogonal: free


def test_orthogonal_regularizer_keras_defaults_names_and_errors():
    assert R.OrthogonalRegularizer().get_config() == {"factor": 0.01, "mode": "rows"}
    assert isinstance(R.get("orthogonal_regularizer"), R.OrthogonalRegularizer)
    penalty = R.OrthogonalRegularizer(factor=0.2, mode="columns")
    again = R.deserialize(json.loads(json.dumps(R.serialize(penalty))))
    assert again.get_config() == {"factor": 0.2, "mode": "columns"}
    with pytest.raises(ValueError, match="Invalid value for argument `mode`"):
        R.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="must have rank 2"):
        R.OrthogonalRegularizer()(md.Tensor(np.ones(3)))
    layer = md.layers.Dense(3, kernel_regularizer=penalty)
    layer(md.Tensor(np.ones((2, 4), np.float32)))
    assert layer.losses[0].item() == pytest.approx(
        np_orthogonal_penalty(layer.kernel.data.astype(np.float64), 0.2, "columns"), rel=1e-5)
