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
                               "Known: l1, l1_l2, l2.")
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
