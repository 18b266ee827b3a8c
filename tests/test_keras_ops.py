"""keras.ops names (microdense/ops/keras_ops.py), keras.random, and Keras's top-level names.

Values and float32 gradients of every op are compared with Keras's in
tests/test_keras_coverage_parity.py; here: float64 central differences for the compositions,
the ops that reference file does not cover, and what `import microdense as keras` offers."""
import json
import math
import os

import numpy as np
import pytest

import microdense as keras
import microdense as md
from microdense import ops
from microdense.ops import keras_ops

rng = np.random.default_rng(7)


def uniform(*shape):
    return rng.uniform(-2, 2, shape)


def positive(*shape):
    return rng.uniform(0.3, 2, shape)


def away_from_zero(*shape):
    values = uniform(*shape)
    return np.where(np.abs(values) < 0.2, 0.5, values)


def away_from(kinks, *shape):
    """Uniform values moved at least 0.1 from each kink (where a piecewise op's slope jumps)."""
    values = uniform(*shape)
    for kink in kinks:
        near = np.abs(values - kink) < 0.1
        values[near] = kink + np.where(values[near] >= kink, 0.2, -0.2)
    return values


# ---- gradients of the compositions, float64 central differences --------------------------------

GRADIENT_TABLE = [
    ("square", ops.square, [uniform(3, 4)]),
    ("subtract", ops.subtract, [uniform(3, 4), uniform(4)]),
    ("multiply", ops.multiply, [uniform(3, 1), uniform(1, 4)]),
    ("divide", ops.divide, [uniform(3, 4), positive(3, 4)]),
    ("reciprocal", ops.reciprocal, [positive(3)]),
    ("rsqrt", ops.rsqrt, [positive(3)]),
    ("log1p", ops.log1p, [positive(3)]),
    ("expm1", ops.expm1, [uniform(3)]),
    ("dot", ops.dot, [uniform(2, 3, 4), uniform(4, 2)]),
    ("outer", ops.outer, [uniform(3), uniform(2, 2)]),
    ("var", lambda a: ops.var(a, axis=0), [uniform(4, 3)]),
    ("std", lambda a: ops.std(a, axis=-1, keepdims=True), [uniform(2, 5)]),
    ("norm", ops.norm, [uniform(3, 4)]),
    ("norm", lambda a: ops.norm(a, ord=3, axis=1), [away_from_zero(3, 4)]),
    ("norm", lambda a: ops.norm(a, ord=1, axis=(0, 1)), [away_from_zero(3, 4)]),
    ("take", lambda a: ops.take(a, np.array([1, 1, 0]), axis=0), [uniform(3, 4)]),
    ("take_along_axis", lambda a: ops.take_along_axis(a, np.array([[1], [0], [3]]), axis=1),
     [uniform(3, 4)]),
    # broadcasting: x's length-1 axis is read by every row of indices (gradients add up),
    # and indices' length-1 axis picks the same entries of every row of x
    ("take_along_axis", lambda a: ops.take_along_axis(a, np.array([[[1, 1, 0]], [[2, -1, 0]]]),
                                                      axis=2), [uniform(1, 3, 4)]),
    ("take_along_axis", lambda a: ops.take_along_axis(a, np.array([[3, 0]]), axis=1),
     [uniform(3, 4)]),
    ("norm", lambda a: ops.norm(a, ord=1), [away_from_zero(3, 4)]),      # a matrix norm
    ("norm", lambda a: ops.norm(a, ord=-math.inf), [away_from_zero(3, 4)]),
    ("norm", lambda a: ops.norm(a, ord="fro", keepdims=True), [uniform(3, 4)]),
    ("norm", lambda a: ops.norm(a, ord=2), [uniform(3, 4)]),             # singular values
    ("norm", lambda a: ops.norm(a, ord=-2, axis=(2, 0)), [uniform(3, 2, 4)]),
    ("norm", lambda a: ops.norm(a, ord="nuc", axis=(0, 1), keepdims=True), [uniform(3, 4, 2)]),
    ("broadcast_to", lambda a: ops.broadcast_to(a, (2, 3, 4)), [uniform(3, 1)]),
    ("tile", lambda a: ops.tile(a, (2, 3)), [uniform(2, 2)]),
    ("repeat", lambda a: ops.repeat(a, 3, axis=1), [uniform(2, 2)]),
    ("split", lambda a: ops.split(a, [1, 3], axis=1)[1] * 2.0, [uniform(2, 4)]),
    ("top_k", lambda a: ops.top_k(a, 2)[0], [uniform(3, 5)]),
    ("log_sigmoid", ops.log_sigmoid, [uniform(3, 4)]),
    ("normalize", ops.normalize, [uniform(3, 4)]),
    ("normalize", lambda a: ops.normalize(a, axis=0, order=3), [away_from_zero(3, 4)]),
    ("normalize", lambda a: ops.normalize(a, order=1), [away_from_zero(3, 4)]),
    ("moments", lambda a: ops.moments(a, axes=0)[1], [uniform(4, 3)]),
    ("gelu", ops.gelu, [uniform(3, 4)]),
    ("leaky_relu", ops.leaky_relu, [away_from_zero(3, 4)]),
    ("hard_swish", ops.hard_swish, [rng.uniform(-2.5, 2.5, (3, 4))]),
    # Keras 3's newer activations, as keras.ops names (issue 24)
    ("celu", lambda a: ops.celu(a, alpha=0.7), [away_from([0], 3, 4)]),
    ("glu", lambda a: ops.glu(a, axis=0), [uniform(4, 3)]),
    ("hard_tanh", ops.hard_tanh, [away_from([-1, 1], 3, 4)]),
    ("hard_shrink", ops.hard_shrink, [away_from([-0.5, 0.5], 3, 4)]),
    ("soft_shrink", lambda a: ops.soft_shrink(a, threshold=0.3), [away_from([-0.3, 0.3], 3, 4)]),
    ("tanh_shrink", ops.tanh_shrink, [uniform(3, 4)]),
    ("threshold", lambda a: ops.threshold(a, 0.2, -1.0), [away_from([0.2], 3, 4)]),
    ("sparse_plus", ops.sparse_plus, [away_from([-1, 1], 3, 4)]),
    ("sparse_sigmoid", ops.sparse_sigmoid, [away_from([-1, 1], 3, 4)]),
    ("squareplus", lambda a: ops.squareplus(a, b=2), [uniform(3, 4)]),
    ("sparsemax", ops.sparsemax, [np.array([[0.1, 1.3, -0.4, 1.0], [2.0, -1.0, 0.2, 0.5]])]),
]


@pytest.mark.parametrize("name, fn, inputs", GRADIENT_TABLE,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(GRADIENT_TABLE)])
def test_composition_gradients_match_finite_differences(name, fn, inputs):
    tensors = [md.Tensor(x, requires_grad=True, name=f"{name}_arg{i}")
               for i, x in enumerate(inputs)]
    assert md.gradcheck(fn, *tensors)


def test_every_keras_name_is_checked_somewhere():
    """Each name in KERAS_NAMES is compared with Keras (the reference file), has a gradient
    row here, or is one of the few plain-numpy ones tested below."""
    with open(os.path.join(os.path.dirname(__file__), "data",
                           "keras_reference_coverage.json")) as f:
        compared = {case["op"] for case in json.load(f)["cases"] if case["kind"] == "op"}
    tested_here = {row[0] for row in GRADIENT_TABLE} | {
        "array", "convert_to_numpy", "stop_gradient", "full_like", "not_equal", "greater_equal",
        "less", "logical_or", "logical_not", "isnan", "isfinite", "isinf"}
    missing = sorted(set(keras_ops.KERAS_NAMES) - compared - tested_here)
    assert not missing, f"Keras-named ops checked nowhere: {missing}"


def test_keras_names_are_not_primitives():
    """The op table's coverage test reads ops.__all__: it must stay the primitives only."""
    assert not set(keras_ops.KERAS_NAMES) & set(ops.__all__)
    for name in keras_ops.KERAS_NAMES:
        assert getattr(ops, name) is getattr(keras_ops, name), name


# ---- the ones Keras's reference file does not cover -------------------------------------------

def test_plain_numpy_ops():
    a = np.array([[1.0, np.nan], [np.inf, -2.0]], np.float32)
    np.testing.assert_array_equal(ops.isnan(a).data, np.isnan(a))
    np.testing.assert_array_equal(ops.isfinite(a).data, np.isfinite(a))
    np.testing.assert_array_equal(ops.isinf(a).data, np.isinf(a))
    b = np.array([1.0, 2.0, 3.0], np.float32)
    c = np.array([2.0, 2.0, 2.0], np.float32)
    np.testing.assert_array_equal(ops.not_equal(b, c).data, [True, False, True])
    np.testing.assert_array_equal(ops.greater_equal(b, c).data, [False, True, True])
    np.testing.assert_array_equal(ops.less(b, c).data, [True, False, False])
    np.testing.assert_array_equal(ops.logical_or(b > 2, c > 2).data, [False, False, True])
    np.testing.assert_array_equal(ops.logical_not(b > 2).data, [True, True, False])
    filled = ops.full_like(b, 7)
    assert filled.dtype == np.float32 and np.all(filled.data == 7)


def test_convert_to_numpy_copies_and_stop_gradient_cuts_the_graph():
    w = md.Tensor(np.ones(3, np.float32), requires_grad=True)
    array = ops.convert_to_numpy(w)
    array[0] = 5
    assert w.data[0] == 1
    stopped = ops.stop_gradient(w * 2.0)
    assert not stopped.requires_grad
    (w * ops.stop_gradient(w)).sum().backward()
    np.testing.assert_allclose(w.grad, np.ones(3))       # d(w * c)/dw = c = 1, not 2w


def test_array_and_the_crossentropies_under_keras_signatures():
    step = ops.array(0)
    assert step.dtype.kind == "i" and not step.requires_grad
    # keras.utils.to_categorical's docstring: ops.categorical_crossentropy(a, b), no epsilon.
    # Expected: what Keras 3.15 (JAX) prints for it (the docstring's own numbers are stale).
    a = keras.utils.to_categorical([0, 1, 2, 3], num_classes=4)
    b = np.array([.9, .04, .03, .03, .3, .45, .15, .13, .04, .01, .94, .05, .12, .21, .5, .17],
                 np.float32).reshape(4, 4)
    np.testing.assert_allclose(ops.categorical_crossentropy(a, b).data,
                               [0.1053604, 0.82806647, 0.10109606, 1.7719568], rtol=1e-6)
    np.testing.assert_allclose(ops.binary_crossentropy(np.ones(2), np.full(2, 0.5)).data,
                               [np.log(2)] * 2, rtol=1e-6)


def test_cast_keeps_the_graph_for_floats_only():
    w = md.Tensor(np.array([1.5, -2.5], np.float32), requires_grad=True)
    as64 = ops.cast(w, "float64")
    assert as64.dtype == np.float64 and as64.requires_grad
    as_int = ops.cast(w, "int32")
    assert as_int.dtype == np.int32 and not as_int.requires_grad
    assert ops.convert_to_tensor([1, 2]).dtype == np.float32    # md's rule for Python lists


def test_dot_refuses_tensordot_cases_clearly():
    with pytest.raises(ValueError, match=r"dot of shapes \(2, 3\) and \(2, 3, 4\)"):
        ops.dot(np.ones((2, 3)), np.ones((2, 3, 4)))


def test_norm_names_unsupported_orders():
    with pytest.raises(ValueError, match="'fro' is a matrix norm; it needs a 2-d x or a "
                                         "2-tuple axis"):
        ops.norm(np.ones(3), ord="fro")
    with pytest.raises(ValueError, match="matrix ord='bad' is not one numpy knows; use None, "
                                         "'fro', 'nuc'"):
        ops.norm(np.ones((2, 2)), ord="bad", axis=(0, 1))


def test_a_custom_loss_written_with_keras_ops_trains():
    """keras.io's custom-loss pattern, unchanged."""
    def custom_mean_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred), axis=-1)

    x = rng.normal(size=(32, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=custom_mean_squared_error)
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]


# ---- keras.random ------------------------------------------------------------------------------

@pytest.mark.parametrize("draw", [
    lambda seed: keras.random.normal((3, 4), seed=seed),
    lambda seed: keras.random.uniform((3, 4), minval=-1, maxval=2, seed=seed),
    lambda seed: keras.random.truncated_normal((3, 4), stddev=0.5, seed=seed),
    lambda seed: keras.random.randint((3, 4), 0, 10, seed=seed),
    lambda seed: keras.random.shuffle(np.arange(10), seed=seed),
    lambda seed: keras.random.categorical(np.zeros((2, 5)), 4, seed=seed),
])
def test_an_integer_seed_repeats_and_a_seed_generator_advances(draw):
    np.testing.assert_array_equal(draw(3).data, draw(3).data)
    generator = keras.random.SeedGenerator(3)
    first, second = draw(generator).data, draw(generator).data
    assert not np.array_equal(first, second) or first.size == 1
    np.testing.assert_array_equal(first, draw(keras.random.SeedGenerator(3)).data)


def test_random_values_follow_their_distributions():
    normal = keras.random.normal((200_000,), mean=1.0, stddev=2.0, seed=0).data
    assert normal.dtype == np.float32
    assert abs(normal.mean() - 1.0) < 0.02 and abs(normal.std() - 2.0) < 0.02
    uniform_values = keras.random.uniform((200_000,), minval=-1, maxval=3, seed=0).data
    assert uniform_values.min() >= -1 and uniform_values.max() < 3
    truncated = keras.random.truncated_normal((200_000,), mean=0.5, stddev=1.0, seed=0).data
    assert truncated.min() >= -1.5 and truncated.max() <= 2.5
    integers = keras.random.randint((1000,), 2, 5, seed=0).data
    assert integers.dtype == np.int32 and set(np.unique(integers)) == {2, 3, 4}
    assert keras.random.normal((2,), dtype="float64", seed=0).dtype == np.float64


def test_global_seed_drives_unseeded_draws():
    keras.utils.set_random_seed(11)
    a = keras.random.normal((4,)).data
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(a, keras.random.normal((4,)).data)


def test_random_dropout_is_differentiable_in_its_input():
    x = md.Tensor(np.ones((1000,), np.float32), requires_grad=True)
    out = keras.random.dropout(x, 0.25, seed=1)
    kept = out.data != 0
    np.testing.assert_allclose(out.data[kept], 1 / 0.75, rtol=1e-6)
    assert 0.7 < kept.mean() < 0.8
    out.sum().backward()
    np.testing.assert_allclose(x.grad, out.data)


def test_bad_seeds_and_dtypes_say_what_is_wrong():
    with pytest.raises(ValueError, match="seed must be None, an integer or a keras.random"):
        keras.random.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="Use randint for integers"):
        keras.random.uniform((2,), dtype="int32")


# ---- the top level -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Sequential", "Input", "layers", "models", "ops", "random", "activations", "initializers",
    "regularizers", "constraints", "losses", "metrics", "optimizers", "callbacks", "saving",
    "utils", "backend"])
def test_keras_top_level_names(name):
    assert hasattr(keras, name)


def test_keras_submodule_names_used_by_snippets():
    assert keras.Sequential is keras.models.Sequential
    assert keras.optimizers.schedules.ExponentialDecay
    assert keras.saving.get_custom_objects is keras.utils.get_custom_objects
    assert keras.saving.load_model is keras.models.load_model
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    assert model.output_shape == (None, 2)


def test_the_newer_activations_are_keras_ops_names_too():
    # issue 24: keras.ops.celu, ... exist beside keras.activations.celu, with the same values.
    from microdense import activations
    x = uniform(4, 6)
    for name in ("celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink",
                 "sparse_plus", "sparse_sigmoid", "squareplus", "sparsemax", "log_sigmoid"):
        np.testing.assert_array_equal(getattr(ops, name)(x).data,
                                      getattr(activations, name)(x).data, err_msg=name)
    np.testing.assert_array_equal(ops.threshold(x, 0.5, 0.0).data, np.where(x > 0.5, x, 0.0))
