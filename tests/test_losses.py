"""Losses: values against independent float64 numpy references and Keras's documented numbers,
gradients against finite differences, clipping at probabilities 0 and 1, shape errors,
reductions, label smoothing, and finding losses by name."""
import numpy as np
import pytest

import microdense as md
from microdense import losses
from microdense.ops import crossentropy

EPS = 1e-7
rng = np.random.default_rng(0)


# ---- independent float64 references (Keras's formulas, written with plain numpy) ------------

def np_log_softmax(x):
    shifted = x - x.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def ref_bce(z, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(z * np.log(p) + (1 - z) * np.log(1 - p)).mean(-1)


def ref_bce_logits(z, x):              # -z log sigmoid(x) - (1-z) log sigmoid(-x), stably
    return (z * np.logaddexp(0, -x) + (1 - z) * np.logaddexp(0, x)).mean(-1)


def ref_cce(y, p):
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return -(y * np.log(p)).sum(-1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2).mean(-1)


def ref_hinge(t, p):
    t = 2 * t - 1 if np.isin(t, (0, 1)).all() else t
    return np.maximum(1 - t * p, 0).mean(-1)


def ref_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return (t * np.log(t / p)).sum(-1)


def ref_binary_focal(z, p, gamma=2.0, alpha=0.25, balance=False, from_logits=False):
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    p_t = z * p + (1 - z) * (1 - p)
    focal = (1 - p_t) ** gamma * ref_bce_entries(z, p)
    if balance:
        focal = (z * alpha + (1 - z) * (1 - alpha)) * focal
    return focal.mean(-1)


def ref_bce_entries(z, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(z * np.log(p) + (1 - z) * np.log(1 - p))


def ref_categorical_focal(y, p, gamma=2.0, alpha=0.25, from_logits=False):
    if from_logits:
        p = np.exp(np_log_softmax(p))
    p = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    return (alpha * (1 - p) ** gamma * -y * np.log(p)).sum(-1)


def ref_cosine(t, p):
    unit = lambda v: v / np.sqrt(np.maximum((v * v).sum(-1, keepdims=True), EPS ** 2))  # noqa
    return -(unit(t) * unit(p)).sum(-1)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=-1):
    tp = (t * p).sum(axis)
    return 1 - tp / (tp + alpha * ((1 - t) * p).sum(axis) + beta * (t * (1 - p)).sum(axis) + EPS)


def ref_circle(labels, x, gamma=80.0, margin=0.4):
    """Keras's formula, written with -inf as Keras writes it."""
    d = np.maximum(1 - x @ x.T, 0)
    positive = (labels[:, None] == labels[None, :]) & ~np.eye(len(labels), dtype=bool)
    negative = labels[:, None] != labels[None, :]
    a_p = np.maximum((margin + d) * positive, 0)
    a_n = np.maximum((1 + margin - d) * negative, 0)
    with np.errstate(divide="ignore"):
        lse_p = np.logaddexp.reduce(np.where(positive, -gamma * a_p * (margin - d), -np.inf), 1)
        lse_n = np.logaddexp.reduce(np.where(negative, gamma * a_n * (1 - margin - d), -np.inf),
                                    1)
    return np.logaddexp(0, lse_p + lse_n)


def one_hot(labels, n):
    return np.eye(n)[labels]


def probabilities(shape):
    p = rng.uniform(0.05, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


LABELS = rng.integers(0, 4, size=6)
ONE_HOT = one_hot(LABELS, 4)
BINARY = rng.integers(0, 2, size=(6, 3)).astype(float)
REAL = rng.normal(size=(6, 3))
PRED = rng.normal(size=(6, 3))
LOGITS = rng.normal(scale=3, size=(6, 4))
PROBS = probabilities((6, 4))
BPROBS = rng.uniform(0.05, 0.95, size=(6, 3))
DIST = probabilities((6, 3))
UNIT = rng.normal(size=(6, 5))
UNIT /= np.linalg.norm(UNIT, axis=-1, keepdims=True)             # embeddings for circle

# name, loss function, kwargs, y_true, y_pred, reference
CASES = [
    ("mse", losses.mean_squared_error, {}, REAL, PRED, lambda t, p: ((t - p) ** 2).mean(-1)),
    ("mae", losses.mean_absolute_error, {}, REAL, PRED, lambda t, p: np.abs(t - p).mean(-1)),
    ("mape", losses.mean_absolute_percentage_error, {}, REAL, PRED,
     lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    ("msle", losses.mean_squared_logarithmic_error, {}, np.abs(REAL), np.abs(PRED),
     lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2
                   ).mean(-1)),
    ("huber", losses.huber, {}, REAL, PRED, ref_huber),
    ("huber_delta", losses.huber, {"delta": 0.3}, REAL, PRED,
     lambda t, p: ref_huber(t, p, 0.3)),
    ("bce", losses.binary_crossentropy, {}, BINARY, BPROBS, ref_bce),
    ("bce_logits", losses.binary_crossentropy, {"from_logits": True}, BINARY, PRED,
     ref_bce_logits),
    ("cce", losses.categorical_crossentropy, {}, ONE_HOT, PROBS, ref_cce),
    ("cce_logits", losses.categorical_crossentropy, {"from_logits": True}, ONE_HOT, LOGITS,
     lambda y, x: -(y * np_log_softmax(x)).sum(-1)),
    ("scce", losses.sparse_categorical_crossentropy, {}, LABELS, PROBS,
     lambda t, p: ref_cce(one_hot(t, 4), p)),
    ("scce_logits", losses.sparse_categorical_crossentropy, {"from_logits": True}, LABELS,
     LOGITS, lambda t, x: -np_log_softmax(x)[np.arange(len(t)), t]),
    ("hinge", losses.hinge, {}, BINARY, PRED, ref_hinge),
    ("hinge_pm1", losses.hinge, {}, 2 * BINARY - 1, PRED, ref_hinge),
    ("squared_hinge", losses.squared_hinge, {}, BINARY, PRED,
     lambda t, p: (np.maximum(1 - (2 * t - 1) * p, 0) ** 2).mean(-1)),
    ("kld", losses.kl_divergence, {}, DIST, probabilities((6, 3)), ref_kld),
    ("poisson", losses.poisson, {}, np.abs(REAL), np.abs(PRED) + 0.1,
     lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    # Keras 3's other losses (keras/src/losses/losses.py), compositions of ops
    ("log_cosh", losses.log_cosh, {}, REAL, PRED,
     lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("cosine_similarity", losses.cosine_similarity, {}, REAL, PRED, ref_cosine),
    ("categorical_hinge", losses.categorical_hinge, {}, ONE_HOT, LOGITS,
     lambda y, p: np.maximum(((1 - y) * p).max(-1) - (y * p).sum(-1) + 1, 0)),
    ("binary_focal", losses.binary_focal_crossentropy, {}, BINARY, BPROBS, ref_binary_focal),
    ("binary_focal_logits_balanced", losses.binary_focal_crossentropy,
     {"from_logits": True, "apply_class_balancing": True, "gamma": 3.0, "alpha": 0.4},
     BINARY, PRED,
     lambda z, x: ref_binary_focal(z, x, 3.0, 0.4, balance=True, from_logits=True)),
    ("categorical_focal", losses.categorical_focal_crossentropy, {}, ONE_HOT, PROBS,
     ref_categorical_focal),
    ("categorical_focal_logits", losses.categorical_focal_crossentropy,
     {"from_logits": True, "gamma": 1.5, "alpha": 0.5}, ONE_HOT, LOGITS,
     lambda y, x: ref_categorical_focal(y, x, 1.5, 0.5, from_logits=True)),
    ("generalized_cross_entropy", losses.categorical_generalized_cross_entropy, {"q": 0.7},
     LABELS, PROBS, lambda t, p: (1 - p[np.arange(len(t)), t] ** 0.7) / 0.7),
    ("dice", losses.dice, {"axis": -1}, BINARY, BPROBS,
     lambda t, p: 1 - 2 * (t * p).sum(-1) / (t.sum(-1) + p.sum(-1) + EPS)),
    ("tversky", losses.tversky, {"alpha": 0.3, "beta": 0.7, "axis": -1}, BINARY, BPROBS,
     lambda t, p: ref_tversky(t, p, 0.3, 0.7)),
    ("circle", losses.circle, {}, np.array([0, 1, 0, 2, 1, 0]), UNIT, ref_circle),
    ("circle_small_gamma", losses.circle, {"gamma": 2.0, "margin": 0.25},
     np.array([0, 1, 0, 2, 1, 0]), UNIT, lambda t, x: ref_circle(t, x, 2.0, 0.25)),
]


@pytest.mark.parametrize("name, fn, kwargs, y_true, y_pred, reference", CASES,
                         ids=[c[0] for c in CASES])
def test_loss_matches_numpy_reference(name, fn, kwargs, y_true, y_pred, reference):
    out = fn(y_true, md.Tensor(y_pred), **kwargs)
    assert out.shape == (6,)
    np.testing.assert_allclose(out.data, reference(y_true, y_pred), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, fn, kwargs, y_true, y_pred, reference", CASES,
                         ids=[c[0] for c in CASES])
def test_loss_gradient_matches_finite_differences(name, fn, kwargs, y_true, y_pred, reference):
    assert md.gradcheck(lambda p: fn(y_true, p, **kwargs), md.Tensor(y_pred))


@pytest.mark.parametrize("name, fn, kwargs, y_true, y_pred, reference", CASES,
                         ids=[c[0] for c in CASES])
def test_float32_prediction_gives_float32_loss(name, fn, kwargs, y_true, y_pred, reference):
    out = fn(y_true, md.Tensor(y_pred.astype(np.float32)), **kwargs)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference(y_true, y_pred), rtol=2e-4, atol=1e-5)


def test_kerass_documented_values():
    y_true = np.array([[0, 1, 0], [0, 0, 1]])
    y_pred = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    np.testing.assert_allclose(losses.categorical_crossentropy(y_true, y_pred).data,
                               [0.0513, 2.303], atol=5e-4)
    cce = losses.CategoricalCrossentropy()
    assert cce(y_true, y_pred).item() == pytest.approx(1.177, abs=1e-3)
    assert cce(y_true, y_pred, sample_weight=np.array([0.3, 0.7])).item() == pytest.approx(
        0.814, abs=1e-3)
    assert losses.SparseCategoricalCrossentropy()([1, 2], y_pred).item() == pytest.approx(
        1.177, abs=1e-3)
    logits = np.array([-18.6, 0.51, 2.94, -12.8])
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert bce(np.array([0, 1, 0, 0]), logits).item() == pytest.approx(0.8654, abs=1e-4)
    assert bce(np.array([[0, 1], [0, 0]]), logits.reshape(2, 2),
               sample_weight=[0.8, 0.2]).item() == pytest.approx(0.243, abs=1e-3)
    np.testing.assert_allclose(
        losses.binary_crossentropy([[0, 1], [0, 0]], np.array([[0.6, 0.4], [0.4, 0.6]])).data,
        [0.916, 0.714], atol=1e-3)
    assert losses.Huber()([[0, 1], [0, 0]], np.array([[0.6, 0.4], [0.4, 0.6]])).item() == \
        pytest.approx(0.155, abs=1e-3)


# ---- probabilities of exactly 0 and 1: Keras's clipping keeps loss and gradient finite --------

@pytest.mark.parametrize("fn, y_true, y_pred", [
    (losses.binary_crossentropy, [[1.0, 0.0, 1.0, 0.0]], [[0.0, 1.0, 1.0, 0.0]]),
    (losses.categorical_crossentropy, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]]),
    (losses.sparse_categorical_crossentropy, [1], [[1.0, 0.0, 0.0]]),
    (losses.kl_divergence, [[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]]),
], ids=["bce", "cce", "scce", "kld"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_probabilities_0_and_1_give_finite_loss_and_gradient(fn, y_true, y_pred, dtype):
    p = md.Tensor(np.array(y_pred, dtype=dtype), requires_grad=True)
    loss = fn(np.array(y_true), p).sum()
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(p.grad).all()
    assert loss.item() > 5              # a confident wrong answer costs about -log(eps) = 16


def test_clipped_values_are_kerass():
    assert losses.binary_crossentropy([[1.0]], np.array([[0.0]])).item() == \
        pytest.approx(-np.log(EPS), rel=1e-6)
    assert losses.categorical_crossentropy([[0.0, 1.0]], np.array([[1.0, 0.0]])).item() == \
        pytest.approx(-np.log(EPS), rel=1e-6)
    assert losses.binary_crossentropy([[1.0]], np.array([[1.0]])).item() == \
        pytest.approx(-np.log(1 - EPS), abs=1e-12)


def test_a_probability_exactly_on_the_clip_bound_gets_half_the_gradient_as_in_keras_jax():
    # jnp.clip is min(max(x, lo), hi) and JAX splits the gradient of a tie: Keras on JAX
    # (our reference numbers) gives half; inside the bounds the full gradient, outside none.
    p = md.Tensor(np.array([[EPS, 0.5, 0.0]]), requires_grad=True)
    losses.binary_crossentropy([[1.0, 1.0, 1.0]], p).sum().backward()
    np.testing.assert_allclose(p.grad, [[-0.5 / EPS / 3, -1 / 0.5 / 3, 0.0]])


def test_logits_are_stable_for_huge_values():
    x = md.Tensor(np.array([[-1000.0, 1000.0]]), requires_grad=True)
    loss = losses.binary_crossentropy([[1.0, 1.0]], x, from_logits=True)
    assert loss.item() == pytest.approx(500.0)         # mean of 1000 and 0
    loss.backward()
    np.testing.assert_allclose(x.grad, [[-0.5, 0.0]])  # (sigmoid(x) - z) / 2
    logits = md.Tensor(np.array([[1000.0, 0.0, -1000.0]]), requires_grad=True)
    loss = losses.categorical_crossentropy([[0.0, 0.0, 1.0]], logits, from_logits=True)
    assert loss.item() == pytest.approx(2000.0)
    loss.backward()
    np.testing.assert_allclose(logits.grad, [[1.0, 0.0, -1.0]], atol=1e-12)


def test_binary_logit_gradient_at_exactly_zero_is_sigmoid_minus_target():
    x = md.Tensor(np.zeros((1, 2)), requires_grad=True)
    losses.binary_crossentropy([[1.0, 0.0]], x, from_logits=True).sum().backward()
    np.testing.assert_allclose(x.grad, [[(0.5 - 1) / 2, 0.5 / 2]])


def test_softmax_then_crossentropy_uses_the_probabilities_and_matches_the_logit_formula():
    logits = md.Tensor(rng.normal(size=(5, 4)), requires_grad=True)
    via_softmax = losses.categorical_crossentropy(ONE_HOT[:5], md.softmax(logits)).sum()
    via_softmax.backward()
    grad = logits.grad.copy()
    logits.zero_grad()
    direct = losses.categorical_crossentropy(ONE_HOT[:5], logits, from_logits=True).sum()
    direct.backward()
    assert via_softmax.item() == pytest.approx(direct.item(), rel=1e-12)
    np.testing.assert_allclose(grad, logits.grad, atol=1e-12)
    assert {"softmax", "categorical_crossentropy"} <= _ops_in_graph(via_softmax)  # Keras's clip ran


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fused, composed", [
    (md.binary_crossentropy, crossentropy.composed_binary_crossentropy),
    (md.categorical_crossentropy, crossentropy.composed_categorical_crossentropy)])
def test_fused_crossentropy_equals_the_composition_it_replaces(fused, composed, dtype):
    # probabilities inside the clip range, exactly on its bounds (half slope) and beyond it
    p = np.array([[0.3, 0.0, 1e-7, 0.5], [1.0, 1.0 - 1e-7, 0.2, 0.9]], dtype)
    if dtype == np.float32:
        p[1, 1] = np.float32(1.0 - 1e-7)
    t = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.5, 1.0]], dtype)
    upstream = rng.uniform(0.5, 1.5, (2, 4) if fused is md.binary_crossentropy else (2,))
    grads = []
    for fn in (fused, composed):
        target, probs = md.Tensor(t, requires_grad=True), md.Tensor(p, requires_grad=True)
        out = fn(target, probs, 1e-7)
        (out * upstream.astype(dtype)).sum().backward()
        grads.append((out.data, target.grad, probs.grad))
    tolerance = 1e-6 if dtype == np.float32 else 1e-12
    for ours, reference in zip(*grads):
        np.testing.assert_allclose(ours, reference, rtol=tolerance, atol=tolerance)


def test_sparse_loss_on_probabilities_is_the_composed_reference():
    """The sparse loss picks log q[label] from the composed formula the fused categorical op is
    tested against: both give one value and one gradient."""
    grads = []
    for loss, target in ((losses.sparse_categorical_crossentropy, LABELS),
                         (losses.categorical_crossentropy, ONE_HOT)):
        probs = md.Tensor(PROBS, requires_grad=True)
        out = loss(target, probs)
        out.sum().backward()
        grads.append((out.data, probs.grad))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10, atol=1e-12)


def _ops_in_graph(root):
    seen, stack, ops = set(), [root], set()
    while stack:
        t = stack.pop()
        if id(t) not in seen:
            seen.add(id(t))
            ops.add(t.op)
            stack.extend(t.parents)
    return ops


# ---- label smoothing -----------------------------------------------------------------------

def test_label_smoothing():
    s = 0.2
    np.testing.assert_allclose(
        losses.binary_crossentropy(BINARY, BPROBS, label_smoothing=s).data,
        ref_bce(BINARY * (1 - s) + 0.5 * s, BPROBS), rtol=1e-12)
    np.testing.assert_allclose(
        losses.categorical_crossentropy(ONE_HOT, LOGITS, from_logits=True,
                                        label_smoothing=s).data,
        -((ONE_HOT * (1 - s) + s / 4) * np_log_softmax(LOGITS)).sum(-1), rtol=1e-12)


# ---- shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("labels", [np.array([1, 2, 0]), np.array([[1], [2], [0]])])
def test_categorical_crossentropy_with_integer_labels_says_what_to_use(labels):
    with pytest.raises(ValueError, match="use sparse_categorical_crossentropy, or one-hot"):
        losses.categorical_crossentropy(labels, probabilities((3, 10)))


def test_sparse_crossentropy_label_errors():
    p = probabilities((3, 4))
    with pytest.raises(ValueError, match="look one-hot: use categorical_crossentropy"):
        losses.sparse_categorical_crossentropy(np.eye(4)[:3], p)
    with pytest.raises(ValueError, match=r"in \[0, 3\] for 4 classes; got values from 0 to 4"):
        losses.sparse_categorical_crossentropy([0, 4, 1], p)
    with pytest.raises(ValueError, match="from -1 to 1"):
        losses.sparse_categorical_crossentropy([0, -1, 1], p)
    with pytest.raises(ValueError, match="integer labels"):
        losses.sparse_categorical_crossentropy([0.5, 1, 1], p)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        losses.sparse_categorical_crossentropy([0, 1], p)


def test_sparse_labels_of_shape_n_1_and_n_agree():
    a = losses.sparse_categorical_crossentropy(LABELS, PROBS).data
    b = losses.sparse_categorical_crossentropy(LABELS[:, None], PROBS).data
    np.testing.assert_array_equal(a, b)


def test_mismatched_regression_shapes_raise():
    with pytest.raises(ValueError, match=r"same shape; got y_true \(6, 2\) and y_pred \(6, 3\)"):
        losses.mean_squared_error(np.zeros((6, 2)), PRED)


def test_targets_of_shape_n_fit_predictions_of_shape_n_1():
    t = rng.integers(0, 2, size=8).astype(float)
    p = rng.uniform(0.1, 0.9, size=(8, 1))
    np.testing.assert_allclose(losses.binary_crossentropy(t, p).data, ref_bce(t[:, None], p))
    assert losses.mean_squared_error(t, p).shape == (8,)


def test_y_true_tensor_and_integer_arrays_are_cast_to_y_pred_dtype():
    p = md.Tensor(BPROBS.astype(np.float32))
    a = losses.binary_crossentropy(BINARY.astype(np.int64), p)
    b = losses.binary_crossentropy(md.Tensor(BINARY), p)
    assert a.dtype == b.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)


# ---- the loss classes: reduction, sample weights, config --------------------------------------

def test_class_reduces_by_mean_and_its_gradient_is_the_mean_of_per_sample_gradients():
    p = md.Tensor(LOGITS, requires_grad=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, dtype="float64")(LABELS, p)
    assert loss.shape == ()
    loss.backward()
    grad = p.grad.copy()
    p.zero_grad()
    losses.sparse_categorical_crossentropy(LABELS, p, from_logits=True).sum().backward()
    np.testing.assert_allclose(grad, p.grad / 6)


def test_reductions_and_sample_weights():
    per_sample = ((REAL - PRED) ** 2).mean(-1)
    w = rng.uniform(0, 2, size=6)
    def mse(**options):                     # float64 data, computed in float64
        return losses.MeanSquaredError(dtype="float64", **options)
    assert mse()(REAL, PRED).item() == pytest.approx(per_sample.mean())
    assert mse()(REAL, PRED, sample_weight=w).item() == pytest.approx((per_sample * w).mean())
    assert mse(reduction="sum")(REAL, PRED).item() == pytest.approx(per_sample.sum())
    assert mse(reduction="mean_with_sample_weight")(REAL, PRED, sample_weight=w).item() == \
        pytest.approx((per_sample * w).sum() / w.sum())
    np.testing.assert_allclose(mse(reduction=None)(REAL, PRED).data, per_sample)
    np.testing.assert_allclose(mse(reduction="none")(REAL, PRED, sample_weight=w).data,
                               per_sample * w)
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`.*"
                                         "Received: reduction='average'"):
        mse(reduction="average")


def test_default_names_and_configs_match_keras():
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.Huber().name == "huber_loss"
    assert losses.KLDivergence().name == "kl_divergence"
    assert losses.CategoricalCrossentropy(from_logits=True).get_config() == {
        "name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": True, "label_smoothing": 0.0, "axis": -1}
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None, "axis": -1}


def test_a_users_loss_subclass():
    class Quartic(losses.Loss):
        def call(self, y_true, y_pred):
            return ((y_pred - y_true) ** 4).mean(axis=-1)
    loss = Quartic()
    assert loss.name == "quartic"
    assert loss(REAL, PRED).item() == pytest.approx(((PRED - REAL) ** 4).mean())


# ---- finding losses by name ----------------------------------------------------------------

def test_get_by_name_alias_class_instance_and_callable():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("bce") is losses.binary_crossentropy
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.BinaryCrossentropy(from_logits=True)
    assert losses.get(instance) is instance
    custom = lambda t, p: (p - t) ** 2                  # noqa: E731
    assert losses.get(custom) is custom
    assert losses.get(None) is None
    from_dict = losses.get({"class_name": "CategoricalCrossentropy",
                            "config": {"from_logits": True}})
    assert from_dict.from_logits is True


def test_get_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match="Unknown loss 'categorical_crossentrophy'. Did you "
                                         "mean 'categorical_crossentropy'"):
        losses.get("categorical_crossentrophy")
    with pytest.raises(ValueError, match="Could not interpret loss identifier 3"):
        losses.get(3)


def test_serialize_round_trip():
    original = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    restored = losses.deserialize(losses.serialize(original))
    assert type(restored) is losses.BinaryCrossentropy
    assert restored.get_config() == original.get_config()
    assert losses.serialize(losses.mean_absolute_error) == "mean_absolute_error"
    assert losses.deserialize("mean_absolute_error") is losses.mean_absolute_error
    wrapped = losses.LossFunctionWrapper(losses.huber, delta=2.0)
    again = losses.deserialize(losses.serialize(wrapped))
    assert again.fn is losses.huber and again(REAL, PRED).item() == pytest.approx(
        ref_huber(REAL, PRED, 2.0).mean())


# ---- Keras 3's other losses: Keras's own numbers, configs, names ---------------------------

CIRCLE_LABELS = np.array([1, 1, 2, 2, 3])
CIRCLE_EMBEDDINGS = np.array([
    [0.70014004, -0.42008403, 0.14002801, 0.56011203],
    [0.17609018, 0.70436073, -0.52827054, 0.44022545],
    [-0.34050261, 0.25537696, -0.68100522, 0.59587957],
    [0.32163376, -0.75047877, 0.53605627, -0.21442251],
    [0.51261459, -0.34174306, 0.17087153, 0.76892189]])
CIRCLE_REF_LABELS = np.array([1, 1, 2, 2, 3, 4])
CIRCLE_REF_EMBEDDINGS = np.array([
    [0.40824829, -0.54433105, 0.27216553, 0.68041382],
    [0.76376261, 0.10910895, -0.54554473, 0.32732684],
    [-0.74420841, 0.24806947, 0.49613894, -0.3721042],
    [0.52981294, -0.13245324, 0.79471941, -0.26490647],
    [0.54554473, -0.32732684, 0.10910895, 0.76376261],
    [-0.27216553, 0.68041382, 0.40824829, -0.54433105]])


def test_circle_matches_kerass_tests():
    # keras/src/losses/losses_test.py, CircleTest
    circle = losses.Circle(gamma=80.0, margin=0.4)
    assert circle(CIRCLE_LABELS, CIRCLE_EMBEDDINGS).item() == pytest.approx(188.3883, abs=1e-3)
    assert losses.Circle(gamma=256, margin=0.25)(CIRCLE_LABELS, CIRCLE_EMBEDDINGS).item() == \
        pytest.approx(652.7617, abs=1e-3)
    np.testing.assert_allclose(
        losses.circle(CIRCLE_LABELS, CIRCLE_EMBEDDINGS, ref_labels=CIRCLE_REF_LABELS,
                      ref_embeddings=CIRCLE_REF_EMBEDDINGS, gamma=80.0, margin=0.4,
                      remove_diagonal=False).data,
        [61.5844, 94.3465, 276.9344, 90.9873, 48.8963], atol=1e-3)
    weights = np.array([2.0, 2.0, 1.0, 1.0, 0.5])
    assert circle(CIRCLE_LABELS, CIRCLE_EMBEDDINGS, sample_weight=weights).item() == \
        pytest.approx(244.91918, abs=1e-3)
    assert losses.Circle(reduction="mean_with_sample_weight")(
        CIRCLE_LABELS, CIRCLE_EMBEDDINGS, sample_weight=weights).item() == \
        pytest.approx(163.27948, abs=1e-3)
    # the last two samples have no positive pair: loss 0, left out of the mean
    np.testing.assert_allclose(
        losses.Circle(reduction=None)(CIRCLE_REF_LABELS, CIRCLE_REF_EMBEDDINGS).data,
        [82.9116, 36.7942, 92.4590, 52.6798, 0.0, 0.0], atol=1e-3)
    assert losses.Circle(reduction="sum")(CIRCLE_REF_LABELS, CIRCLE_REF_EMBEDDINGS).item() == \
        pytest.approx(264.845, abs=1e-3)


def test_circle_gradient_is_finite_for_a_sample_without_positives():
    x = md.Tensor(CIRCLE_REF_EMBEDDINGS, requires_grad=True)
    losses.Circle()(CIRCLE_REF_LABELS, x).backward()
    assert np.isfinite(x.grad).all()
    circle = losses.Circle(gamma=4.0, dtype="float64")
    assert md.gradcheck(lambda e: circle(CIRCLE_REF_LABELS, e),
                        md.Tensor(CIRCLE_REF_EMBEDDINGS))


def test_other_keras_losses_match_kerass_documented_numbers():
    logits = np.array([-18.6, 0.51, 2.94, -12.8])
    focal = losses.BinaryFocalCrossentropy
    assert focal(gamma=2, from_logits=True)([0, 1, 0, 0], logits).item() == \
        pytest.approx(0.691, abs=1e-3)
    assert focal(apply_class_balancing=True, gamma=2, from_logits=True)(
        [0, 1, 0, 0], logits).item() == pytest.approx(0.51, abs=1e-3)
    y_true, y_pred = np.array([[0, 1], [0, 0]]), logits.reshape(2, 2)
    assert focal(gamma=3, from_logits=True)(y_true, y_pred).item() == pytest.approx(0.647, abs=1e-3)
    assert focal(gamma=3, from_logits=True)(y_true, y_pred, sample_weight=[0.8, 0.2]).item() == \
        pytest.approx(0.133, abs=1e-3)
    assert focal(gamma=4, from_logits=True, reduction="sum")(y_true, y_pred).item() == \
        pytest.approx(1.222, abs=1e-3)
    np.testing.assert_allclose(focal(apply_class_balancing=True, gamma=5, from_logits=True,
                                     reduction=None)(y_true, y_pred).data, [0.0004, 0.8670],
                               atol=1e-4)
    y_true = [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    y_pred = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    cfocal = losses.CategoricalFocalCrossentropy
    assert cfocal()(y_true, y_pred).item() == pytest.approx(0.23315276, rel=1e-5)
    assert cfocal()(y_true, y_pred, sample_weight=np.array([0.3, 0.7])).item() == \
        pytest.approx(0.1632, abs=1e-4)
    np.testing.assert_allclose(cfocal(reduction=None)(y_true, y_pred).data,
                               [3.2058331e-05, 4.6627346e-01], rtol=1e-5)
    hinge_true, hinge_pred = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.6, 0.4], [0.4, 0.6]])
    np.testing.assert_allclose(losses.CategoricalHinge(reduction=None)(hinge_true, hinge_pred).data,
                               [1.2, 1.6])
    assert losses.CategoricalHinge()(hinge_true, hinge_pred, sample_weight=[1, 0]).item() == \
        pytest.approx(0.6)
    counts_true, counts_pred = np.array([[1, 2], [1, 2]]), np.array([[4, 1], [6, 1]])
    assert losses.Dice()(counts_true, counts_pred).item() == pytest.approx(-0.55555546, rel=1e-6)
    assert losses.Tversky()(counts_true, counts_pred).item() == pytest.approx(-0.55555558,
                                                                              rel=1e-6)
    assert losses.Tversky(alpha=0.2, beta=0.8)(counts_true, counts_pred).item() == \
        pytest.approx(-0.94444442, rel=1e-6)
    masks_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
    masks_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])
    np.testing.assert_allclose(losses.Dice(axis=(1, 2, 3), reduction=None)(
        masks_true, masks_pred).data, [0.5, 0.75757575], rtol=1e-6)
    assert losses.Dice()(masks_true, masks_pred).item() == pytest.approx(0.6164384, rel=1e-6)
    gce_pred = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]])
    np.testing.assert_allclose(
        losses.CategoricalGeneralizedCrossEntropy(reduction=None, dtype="float64")(
            [0, 1, 0, 1], gce_pred).data,
        (1 - np.sqrt([0.7, 0.8, 0.6, 0.6])) / 0.5, rtol=1e-12)
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    errors = CIRCLE_EMBEDDINGS[:2] - CIRCLE_EMBEDDINGS[2:4]
    log_cosh = losses.LogCosh(dtype="float64")
    assert log_cosh(CIRCLE_EMBEDDINGS[2:4], CIRCLE_EMBEDDINGS[:2]).item() == \
        pytest.approx(np.log(np.cosh(errors)).mean(), rel=1e-12)


def test_log_cosh_and_cosine_similarity_at_extremes():
    big = md.Tensor(np.array([[1000.0, -1000.0]]), requires_grad=True)
    loss = losses.log_cosh(np.zeros((1, 2)), big)
    loss.sum().backward()
    assert loss.item() == pytest.approx(1000.0 - np.log(2.0))
    np.testing.assert_allclose(big.grad, [[0.5, -0.5]])            # tanh(e) / 2 each
    zero = md.Tensor(np.zeros((1, 3)), requires_grad=True)
    value = losses.cosine_similarity(np.ones((1, 3)), zero)
    value.sum().backward()
    assert value.item() == 0.0 and np.isfinite(zero.grad).all()


NEW_LOSS_CLASSES = [
    (losses.LogCosh, {}), (losses.CosineSimilarity, {"axis": 1}),
    (losses.CategoricalHinge, {}),
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True, "alpha": 0.4,
                                      "gamma": 3.0, "from_logits": True,
                                      "label_smoothing": 0.1}),
    (losses.CategoricalFocalCrossentropy, {"alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.2}),
    (losses.CategoricalGeneralizedCrossEntropy, {"q": 0.3}),
    (losses.Dice, {"axis": (1, 2)}), (losses.Tversky, {"alpha": 0.2, "beta": 0.8, "axis": 1}),
    (losses.Circle, {"gamma": 64.0, "margin": 0.3, "remove_diagonal": False}),
]


@pytest.mark.parametrize("cls, kwargs", NEW_LOSS_CLASSES, ids=[c.__name__ for c, _ in
                                                                NEW_LOSS_CLASSES])
def test_new_loss_configs_round_trip_and_names_are_kerass(cls, kwargs):
    loss = cls(reduction="sum", **kwargs)
    config = loss.get_config()
    assert config["reduction"] == "sum" and "fn" not in config
    assert {key: config[key] for key in kwargs} == kwargs
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == config
    assert losses.get(cls.__name__).get_config() == cls().get_config()


def test_new_loss_names_and_defaults():
    assert losses.LogCosh().get_config() == {"name": "log_cosh", "reduction": "sum_over_batch_size"}
    assert losses.CosineSimilarity().get_config() == {
        "name": "cosine_similarity", "reduction": "sum_over_batch_size", "axis": -1}
    assert losses.BinaryFocalCrossentropy().get_config() == {
        "name": "binary_focal_crossentropy", "reduction": "sum_over_batch_size",
        "apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}
    assert losses.CategoricalFocalCrossentropy().alpha == 0.25
    assert losses.CategoricalGeneralizedCrossEntropy().q == 0.5
    assert losses.Circle().get_config() == {"name": "circle", "reduction": "sum_over_batch_size",
                                            "gamma": 80.0, "margin": 0.4,
                                            "remove_diagonal": True}
    assert losses.Dice().get_config() == {"name": "dice", "reduction": "sum_over_batch_size",
                                          "axis": None}
    assert losses.Tversky().name == "tversky"
    for name in ("log_cosh", "cosine_similarity", "categorical_hinge",
                 "binary_focal_crossentropy", "categorical_focal_crossentropy",
                 "categorical_generalized_cross_entropy", "dice", "tversky", "circle"):
        assert losses.get(name) is getattr(losses, name)


# ---- issue 24: Keras's dtype rule, ignore_class, class axes, Keras's words ----------------------

def test_a_loss_computes_in_floatx_unless_given_a_dtype_as_keras():
    y_true, y_pred = REAL, PRED                                  # float64 data
    assert losses.MeanSquaredError()(y_true, y_pred).dtype == np.float32
    assert losses.MeanSquaredError(dtype="float64")(y_true, y_pred).dtype == np.float64
    assert losses.MeanSquaredError(reduction=None)(y_true, y_pred).dtype == np.float32
    p = md.Tensor(PRED, requires_grad=True)                      # the cast is an op: grads flow
    losses.MeanSquaredError()(y_true, p).backward()
    assert p.grad.dtype == np.float64 and np.abs(p.grad).sum() > 0
    with pytest.raises(AttributeError):
        losses.MeanSquaredError().dtype = "float64"              # read only, as Keras's
    md.set_floatx("float64")
    try:
        assert losses.MeanSquaredError()(y_true, y_pred).dtype == np.float64   # floatx when made
    finally:
        md.set_floatx("float32")
    with pytest.raises(ValueError, match="Loss dtype 'bfloat16'"):
        losses.MeanSquaredError(dtype="bfloat16")


def test_ignore_class_zeroes_those_entries_and_leaves_them_out_of_the_mean():
    logits = np.array([[[0.854, 0.698, 0.598], [0.088, 0.86, 0.018]]])
    scce = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                reduction=None)
    np.testing.assert_allclose(scce(np.array([[-1, 2]]), logits).data, [[0.0, 1.480129]],
                               rtol=1e-5)
    labels = np.array([0, -1, 2, -1])
    four = np.random.default_rng(1).normal(size=(4, 3))
    per_entry = losses.sparse_categorical_crossentropy(np.array([0, 0, 2, 0]), four,
                                                       from_logits=True).data
    mean = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)(labels, four)
    assert mean.item() == pytest.approx((per_entry[0] + per_entry[2]) / 2, rel=1e-6)
    everything_ignored = losses.SparseCategoricalCrossentropy(ignore_class=1)([1, 1], four[:2])
    assert everything_ignored.item() == 0.0                      # 0, not NaN
    assert losses.SparseCategoricalCrossentropy(ignore_class=3, axis=0).get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": 3, "axis": 0}


def test_ignore_class_gradient_reaches_only_the_counted_entries():
    logits = md.Tensor(np.random.default_rng(2).normal(size=(3, 4)), requires_grad=True)
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, dtype="float64")(
        np.array([1, -1, 3]), logits).backward()
    assert np.all(logits.grad[1] == 0) and np.all(logits.grad[[0, 2]] != 0)
    assert md.gradcheck(lambda z: losses.sparse_categorical_crossentropy(
        np.array([1, -1, 3]), z, from_logits=True, ignore_class=-1), logits.data)


def test_sparse_categorical_crossentropy_on_another_class_axis():
    y_pred = np.random.default_rng(3).uniform(0.1, 1.0, size=(2, 3, 4))  # classes on axis 1
    labels = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
    moved = losses.sparse_categorical_crossentropy(labels, np.moveaxis(y_pred, 1, -1))
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(labels, y_pred, axis=1).data, moved.data)
    np.testing.assert_allclose(       # labels with a class axis of 1 are squeezed there
        losses.sparse_categorical_crossentropy(labels[:, None], y_pred, axis=1).data,
        moved.data)


def test_label_smoothing_counts_the_classes_on_the_given_axis():
    y_true = np.eye(3)[[0, 1, 2, 0]].T                           # classes on axis 0: (3, 4)
    y_pred = np.random.default_rng(4).uniform(0.1, 1.0, size=(3, 4))
    y_pred = y_pred / y_pred.sum(0)
    smoothed = y_true * 0.9 + 0.1 / 3
    np.testing.assert_allclose(losses.categorical_crossentropy(
        y_true, y_pred, label_smoothing=0.1, axis=0).data,
        -(smoothed * np.log(y_pred)).sum(0), rtol=1e-6)


def test_one_class_warnings_and_shape_errors_use_kerass_words():
    with pytest.warns(SyntaxWarning, match=r"expected y_pred.shape to be \(batch_size, "
                                           r"num_classes\)"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.full((2, 1), 0.5))
    with pytest.warns(SyntaxWarning, match="In loss categorical_focal_crossentropy"):
        losses.categorical_focal_crossentropy(np.ones((2, 1)), np.full((2, 1), 0.5))
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.categorical_crossentropy(np.array([[0], [1], [2]]), np.full((3, 3), 1 / 3))
    with pytest.raises(ValueError, match="must have the same shape"):
        losses.binary_crossentropy(np.zeros((3, 1)), np.full((3, 3), 0.5))


# ---- CTC: the forward algorithm against every alignment counted out ------------------------

def ctc_by_enumeration(labels, logits):
    """-log sum over all frame paths that collapse to `labels` (merge repeats, drop blank 0)
    of the product of their softmax probabilities: the definition, for tiny T and classes."""
    import itertools
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs = probs / probs.sum(-1, keepdims=True)
    total = 0.0
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.prod(probs[np.arange(len(path)), path])
    return -np.log(total)


def test_ctc_is_minus_log_the_sum_over_alignments():
    rng_ctc = np.random.default_rng(5)
    logits = rng_ctc.normal(size=(3, 5, 3))                     # batch 3, 5 frames, 3 classes
    y_true = np.array([[1, 2, 0], [1, 1, 0], [2, 0, 0]])        # 0 pads; [1, 1] needs a blank
    per_sequence = losses.ctc(y_true, logits).data
    expected = [ctc_by_enumeration([1, 2], logits[0]), ctc_by_enumeration([1, 1], logits[1]),
                ctc_by_enumeration([2], logits[2])]
    np.testing.assert_allclose(per_sequence, expected, rtol=1e-5)
    assert losses.CTC()(y_true, logits).dtype == np.float32     # the class: floatx, as Keras
    # keras/src/losses/losses_test.py, CTCTest.test_correctness
    keras_logits = (np.arange(24).reshape((2, 4, 3)).astype("float32") - 12) / 100
    assert losses.CTC()(np.array([[1, 2, 1, 0], [1, 2, 0, 2]]), keras_logits).item() == \
        pytest.approx(2.448645, rel=1e-6)
    assert losses.CTC(name="myctc").get_config() == {"name": "myctc",
                                                     "reduction": "sum_over_batch_size"}
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\)"):
        losses.ctc(np.array([1, 2, 0]), logits)


def test_ctc_gradient_is_the_loops_composition():
    logits = np.random.default_rng(6).normal(size=(2, 4, 3))
    y_true = np.array([[1, 2], [2, 0]])
    assert md.gradcheck(lambda z: losses.ctc(y_true, z), logits)
