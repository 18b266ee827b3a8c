"""keras.ops compositions against numpy (and PyTorch's formulas, written in numpy): the cases
where an op used to give another number than numpy's. Gradients are checked by finite
differences in test_keras_ops.py's table; here, values and the special points."""
import math

import numpy as np
import pytest

import microdense as md
from microdense import ops

rng = np.random.default_rng(22)


# ---- take_along_axis broadcasts its indices, as numpy, Keras and torch.take_along_dim ---------

BROADCASTS = [               # (x shape, indices shape, axis)
    ((3, 4, 5), (1, 2, 5), 1),       # indices broadcast over axis 0
    ((3, 4, 5), (3, 2, 1), 1),       # ... and over axis 2
    ((3, 4, 5), (1, 1, 7), 2),       # over both other axes, 7 picks from 5
    ((1, 4, 5), (3, 2, 5), 1),       # x broadcast over axis 0
    ((3, 1), (3, 2), 1),
    ((3, 4), (2,), None),            # the flattened x
    ((4, 3), (2, 3), -2),
]


@pytest.mark.parametrize("x_shape, index_shape, axis", BROADCASTS)
def test_take_along_axis_broadcasts_as_numpy(x_shape, index_shape, axis):
    x = rng.normal(size=x_shape)
    length = x.size if axis is None else x_shape[axis]
    indices = rng.integers(-length, length, size=index_shape)
    expected = np.take_along_axis(x, indices, axis=axis)
    tensor = md.Tensor(x, requires_grad=True)
    out = ops.take_along_axis(tensor, indices, axis=axis)
    np.testing.assert_array_equal(out.data, expected)
    # The gradient: every read of x[j] adds the upstream gradient there, computed by reading
    # numpy's answer for an x of distinct markers (which entry of x each output is).
    upstream = rng.normal(size=expected.shape)
    (out * upstream).sum().backward()
    markers = np.arange(x.size).reshape(x_shape)
    read = np.broadcast_to(np.take_along_axis(markers, indices, axis=axis), expected.shape)
    gradient = np.bincount(read.ravel(), upstream.ravel(), minlength=x.size).reshape(x_shape)
    np.testing.assert_allclose(tensor.grad, gradient)


def test_take_along_axis_refuses_what_does_not_broadcast():
    with pytest.raises(ValueError, match=r"indices of shape \(2, 2\) do not broadcast against "
                                         r"x of shape \(3, 4\)"):
        ops.take_along_axis(np.zeros((3, 4)), np.zeros((2, 2), int), axis=1)
    with pytest.raises(TypeError, match="indices must be integers; got float64"):
        ops.take_along_axis(np.zeros((3, 4)), np.zeros((3, 1)), axis=1)


def test_top_k_takes_along_the_last_axis_of_a_batch():
    x = rng.normal(size=(2, 3, 5))
    values, indices = ops.top_k(x, 2)
    np.testing.assert_array_equal(values.data, -np.sort(-x, axis=-1)[..., :2])
    np.testing.assert_array_equal(indices.data, np.argsort(-x, axis=-1)[..., :2])


# ---- norm: numpy's answer for every ord, matrix norms for a 2-d x when axis is None -----------

MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf]


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_of_a_matrix_is_numpys(ord, keepdims):  # noqa: A002
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(ops.norm(x, ord=ord, keepdims=keepdims).data,
                               np.linalg.norm(x, ord=ord, keepdims=keepdims), rtol=1e-12)
    stack = rng.normal(size=(2, 3, 4))
    for axis in [(1, 2), (2, 0), (-1, -3)]:
        np.testing.assert_allclose(
            ops.norm(stack, ord=ord, axis=axis, keepdims=keepdims).data,
            np.linalg.norm(stack, ord=ord, axis=axis, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("ord", [None, 1, 2, 3, 0, 0.5, -1, math.inf, -math.inf])
def test_norm_of_a_vector_is_numpys(ord):  # noqa: A002
    x = rng.normal(size=5)
    np.testing.assert_allclose(ops.norm(x, ord=ord).data, np.linalg.norm(x, ord=ord))
    m = rng.normal(size=(3, 4))
    np.testing.assert_allclose(ops.norm(m, ord=ord, axis=-1).data,
                               np.linalg.norm(m, ord=ord, axis=-1))


def test_norm_gradient_of_the_spectral_norm_is_u_v_transposed():
    """d sigma_max / dx = u_1 v_1^T (the derivative of a simple singular value)."""
    x = rng.normal(size=(4, 3))
    tensor = md.Tensor(x, requires_grad=True)
    ops.norm(tensor, ord=2).backward()
    u, _, vt = np.linalg.svd(x)
    np.testing.assert_allclose(tensor.grad, np.outer(u[:, 0], vt[0]), atol=1e-12)


def test_norm_refuses_what_numpy_refuses_with_a_clear_error():
    with pytest.raises(ValueError, match=r"ord=1 with axis=None needs a vector or a matrix.*"
                                         r"shape \(2, 3, 4\)"):
        ops.norm(np.ones((2, 3, 4)), ord=1)
    with pytest.raises(ValueError, match="'fro' is a matrix norm"):
        ops.norm(np.ones((2, 3)), ord="fro", axis=1)
    with pytest.raises(ValueError, match="matrix ord=3 is not one numpy knows"):
        ops.norm(np.ones((2, 3)), ord=3)
    with pytest.raises(ValueError, match="two different axes"):
        ops.norm(np.ones((2, 3)), axis=(1, -1))


# ---- normalize: Keras's epsilon; an all-zero row has PyTorch's finite gradient ---------------

def test_normalize_uses_keras_epsilon_by_default():
    tiny = np.array([[3e-8, 4e-8]])                 # norm 5e-8, below Keras's epsilon 1e-7
    np.testing.assert_allclose(ops.normalize(tiny).data, tiny / md.backend.epsilon())
    np.testing.assert_allclose(ops.normalize(tiny, epsilon=1e-12).data, tiny / 5e-8)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_normalize_values_are_x_over_max_norm_epsilon(order):
    x = rng.normal(size=(4, 3))
    expected = x / np.maximum(np.linalg.norm(x, ord=order, axis=0, keepdims=True), 1e-7)
    np.testing.assert_allclose(ops.normalize(x, axis=0, order=order).data, expected)


def test_normalize_of_a_zero_row_has_pytorchs_finite_gradient():
    """torch.nn.functional.normalize(x) = x / clamp_min(norm(x), eps), with norm's gradient 0
    at 0: for an all-zero row the gradient is g / eps; elsewhere the quotient rule."""
    x = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, -2.0]])
    g = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    eps = 1e-12
    tensor = md.Tensor(x, requires_grad=True)
    (ops.normalize(tensor, epsilon=eps) * g).sum().backward()
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    safe = np.where(norms > eps, norms, 1.0)
    expected = np.where(norms > eps,
                        g / safe - x * (g * x).sum(axis=1, keepdims=True) / safe ** 3,
                        g / eps)
    assert np.isfinite(tensor.grad).all()
    np.testing.assert_allclose(tensor.grad, expected)


def test_normalize_refuses_orders_keras_refuses():
    for order in (0, 2.5, math.inf, True):
        with pytest.raises(ValueError, match="`order` must be an int >= 1"):
            ops.normalize(np.ones(3), order=order)
