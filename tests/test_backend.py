"""backend (K): Keras-backend-style functions on Tensors, arrays and scalars."""
import numpy as np
import pytest

import microdense as md
from microdense import backend as K

X = np.array([[-2.0, -0.5, 0.5], [1.0, 2.0, 3.0]])
POSITIVE = np.abs(X) + 0.1

# (name, K function, numpy reference, input)
ELEMENTWISE = [
    ("sigmoid", K.sigmoid, lambda x: 1 / (1 + np.exp(-x)), X),
    ("tanh", K.tanh, np.tanh, X),
    ("relu", K.relu, lambda x: np.maximum(x, 0), X),
    ("softplus", K.softplus, lambda x: np.log1p(np.exp(x)), X),
    ("exp", K.exp, np.exp, X),
    ("log", K.log, np.log, POSITIVE),
    ("sqrt", K.sqrt, np.sqrt, POSITIVE),
    ("square", K.square, np.square, X),
    ("abs", K.abs, np.abs, X),
    ("softmax", K.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True), X),
]


@pytest.mark.parametrize("name, fn, reference, x", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_on_arrays_and_tensors(name, fn, reference, x):
    from_array = fn(x)
    assert isinstance(from_array, md.Tensor)
    np.testing.assert_allclose(from_array.data, reference(x), rtol=1e-12)
    np.testing.assert_allclose(fn(md.Tensor(x)).data, reference(x), rtol=1e-12)


def test_scalars_and_lists_become_floatx():
    assert K.exp(0.0).dtype == np.float32 and K.exp(0.0).item() == 1.0
    assert K.square([1.0, 3.0]).data.tolist() == [1.0, 9.0]
    assert K.maximum(2.0, 3.0).item() == 3.0


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions(name):
    fn, reference = getattr(K, name), getattr(np, name)
    np.testing.assert_allclose(fn(X).data, reference(X))
    np.testing.assert_allclose(fn(X, axis=0).data, reference(X, axis=0))
    assert fn(X, axis=-1, keepdims=True).shape == (2, 1)


def test_binary_and_clip():
    np.testing.assert_array_equal(K.maximum(X, 0.5).data, np.maximum(X, 0.5))
    np.testing.assert_array_equal(K.minimum(X, md.Tensor(X[::-1])).data, np.minimum(X, X[::-1]))
    np.testing.assert_array_equal(K.clip(X, -1.0, 1.0).data, np.clip(X, -1.0, 1.0))
    w = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(K.dot(X, w).data, X @ w, rtol=1e-12)   # any BLAS kernel


def test_relu_keras_backend_arguments():
    x = np.array([-10.0, -5.0, 0.0, 5.0, 10.0])
    assert K.relu(x, alpha=0.5).data.tolist() == [-5, -2.5, 0, 5, 10]
    assert K.relu(x, max_value=5.0).data.tolist() == [0, 0, 0, 5, 5]
    assert K.relu(x, threshold=5.0).data.tolist() == [0, 0, 0, 0, 10]


def test_gradients_flow_through_k():
    w = md.Tensor(X.copy(), requires_grad=True)
    K.sum(K.square(w)).backward()
    np.testing.assert_allclose(w.grad, 2 * X)
    assert md.gradcheck(lambda a: K.mean(K.softplus(a) * K.sigmoid(a), axis=0), X)
    assert md.gradcheck(lambda a, b: K.dot(K.tanh(a), b), X, np.ones((3, 2)))


def test_settings_are_the_config_ones():
    assert K.epsilon() == 1e-7
    assert K.floatx() == "float32"
    K.set_floatx("float64")
    try:
        assert md.floatx() == "float64" and K.exp(1.0).dtype == np.float64
    finally:
        K.set_floatx("float32")


def test_clear_session_restarts_layer_names():
    from microdense.layers import Dense
    K.clear_session()
    assert Dense(2).name == "dense"
    assert Dense(2).name == "dense_1"
    K.clear_session()
    assert Dense(2).name == "dense"


# ---- the functions tutorial code reaches for ------------------------------------------------

def test_where_and_switch_choose_and_pass_gradients_to_the_chosen_side():
    x = md.Tensor(X, requires_grad=True)
    out = K.where(X > 0, K.square(x), -x)
    np.testing.assert_allclose(out.data, np.where(X > 0, X ** 2, -X))
    out.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(X > 0, 2 * X, -1.0))
    np.testing.assert_allclose(K.switch(K.greater(X, 0), 1.0, 0.0).data, X > 0)
    assert K.less(X, 0).dtype == bool and K.equal(X, 2.0).data.sum() == 1


@pytest.mark.parametrize("name, fn, reference", [
    ("std", lambda x: K.std(x, axis=0), lambda x: np.std(x, axis=0)),
    ("var", lambda x: K.var(x, axis=-1, keepdims=True), lambda x: np.var(x, -1, keepdims=True)),
    ("pow", lambda x: K.pow(POSITIVE, 1.5), lambda x: POSITIVE ** 1.5),
    ("l2_normalize", lambda x: K.l2_normalize(x, axis=-1),
     lambda x: x / np.sqrt((x ** 2).sum(-1, keepdims=True))),
    ("softsign", K.softsign, lambda x: x / (1 + np.abs(x))),
    ("elu", K.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    ("hard_sigmoid", K.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("transpose", K.transpose, np.transpose),
    ("batch_flatten", lambda x: K.batch_flatten(x.reshape(2, 3, 1)), lambda x: x),
    ("flatten", K.flatten, np.ravel),
    ("reshape", lambda x: K.reshape(x, (3, 2)), lambda x: x.reshape(3, 2)),
    ("expand_dims", K.expand_dims, lambda x: x[..., None]),
    ("squeeze", lambda x: K.squeeze(x[:, None], 1), lambda x: x),
    ("concatenate", lambda x: K.concatenate([x, x]), lambda x: np.concatenate([x, x], -1)),
    ("stack", lambda x: K.stack([x, x]), lambda x: np.stack([x, x])),
    ("cast", lambda x: K.cast(x, "float32"), lambda x: x.astype(np.float32)),
    ("sign", K.sign, np.sign), ("argmax", K.argmax, lambda x: np.argmax(x, -1)),
    ("ones_like", K.ones_like, np.ones_like), ("zeros_like", K.zeros_like, np.zeros_like),
    ("binary_crossentropy", lambda x: K.binary_crossentropy(X > 0, K.sigmoid(x)),
     lambda x: -np.where(X > 0, np.log(1 / (1 + np.exp(-x))), np.log(1 - 1 / (1 + np.exp(-x))))),
    ("categorical_crossentropy", lambda x: K.categorical_crossentropy(np.eye(3)[[0, 2]], x,
                                                                      from_logits=True),
     lambda x: -(x - np.log(np.exp(x).sum(-1, keepdims=True)))[[0, 1], [0, 2]]),
    ("sparse_categorical_crossentropy",
     lambda x: K.sparse_categorical_crossentropy([0, 2], x, from_logits=True),
     lambda x: -(x - np.log(np.exp(x).sum(-1, keepdims=True)))[[0, 1], [0, 2]]),
])
def test_more_backend_functions_match_numpy(name, fn, reference):
    out = fn(X)
    assert isinstance(out, md.Tensor)
    np.testing.assert_allclose(out.data, reference(X), rtol=1e-6, atol=1e-7)


def test_shapes_constants_and_variables():
    assert K.int_shape(X) == (2, 3) and K.ndim(X) == 2
    assert K.constant([1, 2]).dtype == np.float32 and not K.constant(1.0).requires_grad
    w = K.variable(np.ones(3), name="w")
    assert w.requires_grad and w.dtype == np.float32 and w.name == "w"
