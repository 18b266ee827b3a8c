"""The engine: the backward walk, accumulation, un-broadcasting, recording rules, dtypes,
memory, anomaly detection and the error messages a user sees."""
import gc
import sys
import threading
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

import microdense as md
from microdense.engine import toposort, unbroadcast
from microdense.ops.custom import custom_op


def param(values, name=None):
    return md.Tensor(np.asarray(values, dtype=np.float64), requires_grad=True, name=name)


# ---- the README's first example -----------------------------------------------------------

def test_dense_layer_with_user_activation_fills_every_grad():
    rng = np.random.default_rng(0)
    x = md.Tensor(rng.normal(size=(32, 3)), name="x")
    W = param(rng.normal(size=(3, 4)), "W")
    b = param(np.zeros(4), "b")
    h = x @ W + b
    y = h * md.sigmoid(h)
    loss = (y ** 2).mean()
    loss.backward()
    assert W.grad.shape == (3, 4) and b.grad.shape == (4,) and h.grad.shape == (32, 4)
    assert x.grad is None                              # data needs no gradient
    # by hand: dL/dy = 2y/n; dy/dh = s + h s (1 - s); dL/dW = x^T (dL/dh); dL/db = sum over batch
    s = 1 / (1 + np.exp(-h.data))
    dh = 2 * y.data / y.size * (s + h.data * s * (1 - s))
    np.testing.assert_allclose(h.grad, dh, rtol=1e-12)
    np.testing.assert_allclose(W.grad, x.data.T @ dh, rtol=1e-12)
    np.testing.assert_allclose(b.grad, dh.sum(axis=0), rtol=1e-12)
    assert md.gradcheck(lambda W, b: ((x @ W + b).tanh() ** 2).sum(), W, b)


# ---- the walk -----------------------------------------------------------------------------

def test_reused_node_gets_both_contributions():
    a = param(3.0)
    b = a + a                   # two parents, both a
    c = b * b                   # b used twice
    c.backward()
    assert b.parents == (a, a)
    assert c.grad == 1.0 and b.grad == 2 * b.data == 12.0
    assert a.grad == 24.0       # dc/da = 2b * 2 = 8a


def test_toposort_lists_parents_before_children():
    a, b = param(1.0, "a"), param(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = toposort(e)
    assert order[-1] is e
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        for p in t.parents:
            assert position[id(p)] < position[id(t)]
    assert len(order) == len({id(t) for t in order}) == 5


def test_unbroadcast_sums_new_and_stretched_axes():
    g = np.ones((2, 3, 4))
    np.testing.assert_array_equal(unbroadcast(g, (4,)), np.full(4, 6.0))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(unbroadcast(g, (1, 1, 1)), np.full((1, 1, 1), 24.0))
    np.testing.assert_array_equal(unbroadcast(g, ()), np.array(24.0))
    assert unbroadcast(g, (2, 3, 4)) is g


def test_broadcast_gradients_have_the_parameters_shape():
    x = param(np.ones((3, 1)))
    y = param(np.ones((1, 4)))
    (x * y).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(y.grad, np.full((1, 4), 3.0))


def test_leaves_accumulate_but_intermediates_hold_the_latest_pass():
    w = param(2.0)
    h = w * 3.0
    loss = h * h                # d/dw = 2 * 9 * w = 36
    loss.backward()
    loss.backward()             # twice: leaves accumulate, intermediates do not double
    assert w.grad == 72.0
    assert h.grad == 12.0       # 2h, from the latest pass only
    w.zero_grad()
    loss.backward()
    assert w.grad == 36.0


def test_backward_of_a_non_scalar_needs_grad_of_its_shape():
    w = param(np.ones(3))
    y = w * 2.0
    with pytest.raises(ValueError, match=r"scalar.*shape \(3,\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        y.backward(np.ones(2))
    y.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(w.grad, [2.0, 4.0, 6.0])


def test_backward_on_a_constant_says_why_it_cannot():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (md.Tensor([1.0]) * 2.0).sum().backward()


def test_a_chain_of_100_000_ops_needs_no_recursion():
    x = param(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_leaf_grad_is_writable_even_after_a_broadcasting_backward():
    w = param(np.ones((2, 2)))
    w.sum().backward()
    w.grad[0, 0] = 5.0          # would fail on a read-only broadcast view
    assert w.grad[0, 0] == 5.0


# ---- what records a graph -----------------------------------------------------------------

def test_ops_on_data_record_nothing():
    x = md.Tensor(np.ones((2, 2)))
    y = md.tanh(x @ x + 1.0)
    assert not y.requires_grad and y.parents == () and y.op == ""


def test_no_grad_as_context_and_decorator():
    w = param(np.ones(2))
    with md.no_grad():
        assert not md.is_grad_enabled()
        y = w * 2.0
    assert md.is_grad_enabled()
    assert not y.requires_grad and y.parents == ()

    @md.no_grad()
    def predict(v):
        return v * 3.0
    assert not predict(w).requires_grad
    assert (w * 3.0).requires_grad


def test_no_grad_is_per_thread():
    w = param(1.0)
    seen = {}
    def other_thread():
        seen["records"] = (w * 2.0).requires_grad
    with md.no_grad():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert seen["records"] is True


def test_detach_stops_the_gradient():
    w = param(2.0)
    y = w * w.detach()          # only the first factor is differentiated
    y.backward()
    assert w.grad == 2.0
    assert not w.detach().requires_grad


def test_comparisons_give_boolean_tensors_that_record_nothing():
    w = param([1.0, -1.0])
    mask = w > 0
    assert mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [True, False])
    np.testing.assert_array_equal((w == 1.0).data, [True, False])
    assert {w: 1}[w] == 1       # tensors stay hashable


def test_numpy_arrays_and_scalars_on_either_side():
    W = param(np.ones((3, 2)))
    x = np.ones((4, 3))
    out = x @ W                 # ndarray on the left hands over to Tensor.__rmatmul__
    assert isinstance(out, md.Tensor) and out.shape == (4, 2)
    (2.0 - 1 / (out + 1)).sum().backward()
    assert W.grad.shape == (3, 2)


# ---- dtypes -------------------------------------------------------------------------------

def test_dtype_rules():
    assert md.Tensor(1.5).dtype == np.float32                  # Python scalars -> floatx
    assert md.Tensor([[1, 2]]).dtype == np.float32             # lists too, like Keras
    assert md.Tensor(np.ones(2)).dtype == np.float64           # an ndarray keeps its dtype
    assert md.Tensor(np.ones(2, np.float32), dtype="float64").dtype == np.float64
    assert md.Tensor(np.arange(3)).dtype.kind == "i"           # ints allowed without grad
    x32 = md.Tensor(np.ones(3, np.float32), requires_grad=True)
    assert (x32 * 2.5 + 1).dtype == np.float32                 # scalars never upcast
    assert (2.5 / x32).dtype == np.float32
    md.set_floatx("float64")
    try:
        assert md.Tensor(1.0).dtype == np.float64
    finally:
        md.set_floatx("float32")
    with pytest.raises(ValueError, match="Unknown floatx"):
        md.set_floatx("float8")


def test_integer_and_string_data_are_refused_with_reasons():
    with pytest.raises(TypeError, match="Only floating-point tensors can require gradients"):
        md.Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="numeric"):
        md.Tensor("hello")
    with pytest.raises(TypeError, match="numeric"):
        md.Tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="numbers"):
        md.Tensor([object()])


def test_tensor_attributes_and_repr():
    x = md.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    assert (x.shape, x.ndim, x.size, x.T.shape) == ((2, 3), 2, 6, (3, 2))
    assert x.is_leaf and x.op == "" and x.parents == ()
    y = x.sum()
    assert y.op == "sum" and not y.is_leaf and y.parents == (x,)
    assert y.item() == 15.0 and isinstance(y.item(), float)
    assert x.numpy() is x.data
    text = repr(x)
    assert "shape=(2, 3)" in text and "float64" in text and "name='x'" in text
    assert "requires_grad=True" in text
    assert "op='sum'" in repr(y)


def test_every_recorded_op_carries_a_derivative_rule():
    x = param([0.5, 1.5])
    assert md.tanh(x).rule == "d tanh(x)/dx = 1 - tanh(x)^2"
    for out in (x + x, x * x, x @ x, md.sigmoid(x), x.max(), md.softmax(x), x[0]):
        assert out.rule.startswith(("d", "moves")), out.op


# ---- conventions at kinks and ties --------------------------------------------------------

def test_max_splits_the_gradient_evenly_between_ties():
    x = param([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])
    a, b = param([1.0, 2.0]), param([1.0, 1.0])
    md.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0])


def test_relu_and_abs_have_zero_derivative_at_zero():
    x = param([0.0, 0.0])
    (md.relu(x) + abs(x)).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


# ---- numerical stability ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_and_softmax_family_are_stable_at_huge_logits(dtype):
    logits = md.Tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # no overflow warnings either
        outs = [md.sigmoid(logits), md.softmax(logits), md.log_softmax(logits),
                md.logsumexp(logits, axis=1)]
        for out in outs:
            assert np.isfinite(out.data).all(), out.op
            logits.zero_grad()
            out.sum().backward()
            assert np.isfinite(logits.grad).all(), out.op
    np.testing.assert_allclose(outs[0].data[0], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(outs[1].data[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(outs[2].data[0], [0.0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(outs[3].data, [1e4, -1e4 + np.log(3)], rtol=1e-6)


# ---- memory -------------------------------------------------------------------------------

def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        w = param(np.ones((4, 4)))
        hidden = md.tanh(w @ w)
        loss = (hidden * md.sigmoid(hidden)).sum()
        loss.backward()
        probe = weakref.ref(hidden)
        del hidden, loss
        assert probe() is None, "the graph holds a reference cycle"
    finally:
        gc.enable()


def test_training_loop_memory_stays_flat_without_gc():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 8)).astype(np.float32)
    W = md.Tensor(rng.normal(size=(8, 8)).astype(np.float32), requires_grad=True)
    def step():
        W.zero_grad()
        loss = (md.tanh(md.Tensor(x) @ W) ** 2).mean()
        loss.backward()
        with md.no_grad():
            W.data -= 0.01 * W.grad
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(200):
            step()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            step()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        gc.enable()
    assert grown < 50_000, f"memory grew by {grown} bytes over 2000 steps"


# ---- anomaly detection and gradcheck failures ---------------------------------------------

def test_detect_anomaly_names_the_forward_op():
    x = md.Tensor([0.0, 1.0], requires_grad=True, name="x")
    with md.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(FloatingPointError, match="forward of op 'log' produced inf"):
            md.log(x)
    with np.errstate(divide="ignore"):
        assert not np.isfinite(md.log(x).data).all()   # outside: no check


def test_detect_anomaly_names_the_backward_op_and_tensor():
    x = md.Tensor([0.0, 4.0], requires_grad=True, name="x")
    with md.detect_anomaly(), np.errstate(divide="ignore"):
        y = md.sqrt(x).sum()
        with pytest.raises(FloatingPointError, match=r"backward of op 'sqrt' produced inf.*'x'"):
            y.backward()


def test_gradcheck_reports_input_index_and_both_values():
    def wrong_square(x):                     # an op whose backward forgets the factor 2
        def backward(g):
            return (g * x.data,)
        return custom_op(x.data ** 2, (x,), backward, "wrong_square")
    w = md.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="w")
    with pytest.raises(AssertionError, match=r"gradient of w at index \(0,\): backward gave "
                                             r"\S+, finite differences give \S+"):
        md.gradcheck(wrong_square, w)


def test_gradcheck_catches_a_backward_that_ignores_its_upstream_gradient():
    def ignores_g(x):
        def backward(g):
            return (np.cos(x.data),)         # should be g * cos(x)
        return custom_op(np.sin(x.data), (x,), backward, "sin")
    with pytest.raises(AssertionError):
        md.gradcheck(ignores_g, md.Tensor(np.array([0.3, 0.7]), requires_grad=True))


def test_matmul_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(5, 4\) and \(3, 2\)"):
        md.Tensor(np.ones((5, 4))) @ md.Tensor(np.ones((3, 2)))


def test_retain_grads_false_keeps_only_the_leaves_gradients():
    w = param([1.0, 2.0])
    h = md.tanh(w * 3.0)
    loss = (h * h).sum()
    loss.backward(retain_grads=False)
    assert h.grad is None and loss.grad is None
    kept = w.grad.copy()
    w.zero_grad()
    loss.backward()                         # the default keeps every gradient, same leaves
    np.testing.assert_array_equal(w.grad, kept)
    assert h.grad is not None


@pytest.mark.parametrize("retain_grads", [True, False])
def test_leaves_never_share_a_gradient_array(retain_grads):
    a, b = param([1.0, 2.0]), param([3.0, 4.0])
    (a + b).sum().backward(retain_grads=retain_grads)   # add hands the same g to both parents
    assert a.grad is not b.grad
    a.grad *= 0.0                           # a user (or a clipping step) editing one grad
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    m = param(np.ones((2, 2)))
    loss = (m.reshape(4) * 1.0).sum()       # reshape's backward returns a view
    loss.backward(retain_grads=retain_grads)
    assert m.grad.base is None


def test_reduction_axes_may_be_numpy_integers_or_negative_tuples():
    x = param(np.ones((2, 3)))
    x.sum(axis=np.int64(1)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    x.zero_grad()
    x.mean(axis=(-1,)).sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3), 1 / 3))


def test_integer_data_is_not_truncated_by_float_ops():
    ints = md.Tensor(np.arange(4))
    np.testing.assert_allclose(md.sigmoid(ints).data, 1 / (1 + np.exp(-np.arange(4))))
    np.testing.assert_array_equal(md.clip(ints, 0.5, 2.5).data, [0.5, 1.0, 2.0, 2.5])
    x32 = md.Tensor(np.ones(3, np.float32))
    assert md.clip(x32, np.float64(0.0), np.float64(0.5)).dtype == np.float32


# ---- defects an independent review found (each failed before its fix) ---------------------

def test_transpose_with_negative_axes_gets_the_right_gradient():
    rng = np.random.default_rng(1)
    t = param(rng.normal(size=(3, 3, 3)))     # a cube: a wrong permutation still fits the shape
    weights = rng.normal(size=(3, 3, 3))
    (t.transpose(-1, 0, 1) * weights).sum().backward()
    np.testing.assert_allclose(t.grad, weights.transpose(1, 2, 0))   # the inverse permutation
    u = param(np.ones((2, 3, 4)))
    (u.transpose(-1, 0, 1) * 2).sum().backward()
    assert u.grad.shape == (2, 3, 4)


def test_engine_refuses_a_gradient_of_the_wrong_shape_naming_the_op():
    x = param(np.ones((2, 3)))
    bad = md.custom_op(x.data * 2, (x,), lambda g: (g.T,), "bad_transpose")
    with pytest.raises(RuntimeError, match=r"'bad_transpose'.*\(3, 2\).*\(2, 3\)"):
        bad.sum().backward()
    assert x.grad is None                      # nothing wrong landed in .grad
    too_many = md.custom_op(x.data, (x,), lambda g: (g, g), "two_for_one")
    with pytest.raises(RuntimeError, match="'two_for_one' returned 2 gradients for 1 input"):
        too_many.sum().backward()


def test_a_cast_to_int_or_bool_records_nothing():
    w = param([0.5, 2.0])
    assert not w.astype("int64").requires_grad and w.astype("int64").parents == ()
    (w.astype(bool) * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])      # d(mask * w)/dw = mask, not 2
    assert w.astype("float32").requires_grad                # a float cast still records


def test_requires_grad_on_an_integer_tensor_is_refused_when_set_too():
    ints = md.Tensor(np.arange(3))
    with pytest.raises(TypeError, match="Only floating-point tensors"):
        ints.requires_grad = True
    assert ints.requires_grad is False
    floats = md.Tensor([1.0])
    floats.requires_grad = True
    assert floats.requires_grad is True


def test_x_to_the_power_0_has_gradient_0_even_at_0():
    x = param([0.0, 2.0])
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    y, e = param([0.0, 2.0]), param([0.0, 1.0])
    (y ** e).sum().backward()                  # an exponent tensor holding a 0
    np.testing.assert_array_equal(y.grad, [0.0, 1.0])


def test_maximum_minimum_and_hinge_work_on_0d_tensors():
    a, b = param(1.0), param(1.0)
    (md.maximum(a, b) + md.minimum(a, 2.0)).backward()
    assert (a.grad, b.grad) == (1.5, 0.5)     # the tie splits; min(a, 2) passes 1 to a
    p = param(0.3)
    md.losses.hinge(np.float64(1.0), p).backward()
    assert p.grad == -1.0


def test_max_over_nan_sends_the_gradient_to_the_nan():
    x = param([1.0, np.nan, 3.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    y = param([[1.0, np.nan], [2.0, 0.5]])
    y.min(axis=1).sum().backward()
    np.testing.assert_array_equal(y.grad, [[0.0, 1.0], [0.0, 1.0]])


def test_leaky_relu_slope_at_0_lies_in_its_range():
    x = param([0.0])
    md.activations.leaky_relu(x, negative_slope=0.2).sum().backward()
    assert 0.2 <= x.grad[0] <= 1.0


def test_integer_tensor_and_python_int_stay_integer_as_numpy():
    i = md.Tensor(np.arange(3, dtype=np.int64))
    assert (i + 1).dtype == np.int64 and (2 * i).dtype == np.int64 and (i - 1).dtype == np.int64
    assert (i * 0.5).dtype.kind == "f"                        # a Python float makes a float
    np.testing.assert_array_equal(np.arange(5)[(i + 1).data], [1, 2, 3])
    u8 = md.Tensor(np.array([1, 2], np.uint8))
    assert (u8 + 1).dtype == np.uint8


def test_backward_from_many_threads_loses_no_update():
    W = md.Tensor(np.zeros((128, 128)), requires_grad=True)
    x = np.ones((2, 128))

    def work():
        for _ in range(300):
            (md.Tensor(x) @ W).sum().backward()   # dL/dW = 2 everywhere, every time

    threads = [threading.Thread(target=work) for _ in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)              # switch threads often: races show up every run
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    np.testing.assert_array_equal(W.grad, np.full((128, 128), 8 * 300 * 2.0))


def test_reduction_and_join_errors_name_the_problem():
    assert md.Tensor(2.0).sum(axis=-1).item() == 2.0         # as PyTorch: a no-op on 0-d
    with pytest.raises(ValueError, match=r"axis 1 is out of range.*0-d"):
        md.Tensor(1.0).sum(axis=1)
    with pytest.raises(ValueError, match="axis 2 is out of range for a tensor with 2 dim"):
        md.Tensor(np.ones((2, 3))).mean(axis=2)
    with pytest.raises(ValueError, match="same axis twice"):
        md.Tensor(np.ones((2, 3))).sum(axis=(1, -1))
    with pytest.raises(ValueError, match=r"other axes agree.*\(2, 3\), \(2, 4\)"):
        md.concatenate([md.Tensor(np.ones((2, 3))), md.Tensor(np.ones((2, 4)))], axis=0)
    with pytest.raises(ValueError, match="permutation"):
        md.Tensor(np.ones((2, 3))).transpose(0, 0)
    with pytest.raises(TypeError, match="gives its bounds no gradient"):
        md.clip(param([1.0]), param([0.0]), 2.0)
    with pytest.raises(ValueError, match="lo <= hi"):
        md.clip(md.Tensor([1.0, 2.0]), np.array([0.0, 3.0]), np.array([1.0, 2.0]))


def test_repr_shows_the_numbers_and_the_gradient():
    W = param(np.arange(12.0).reshape(3, 4), "W")
    assert "<12 values>" not in repr(W) and "11." in repr(W)
    (W * 2).sum().backward()
    assert "grad=[[2., 2., 2., 2.]" in repr(W)
    big = md.Tensor(np.zeros(10_000))
    assert "..." in repr(big) and len(repr(big)) < 200


def test_changing_data_in_place_between_forward_and_backward_uses_the_new_values():
    """The documented rule (docs/engine.md, "Rules of the engine"): ops save arrays, not copies, so an
    in-place change between forward and backward changes the gradient. Rebinding is safe."""
    w, x = param([1.0, 2.0]), param([3.0, 4.0])
    loss = (w * x).sum()
    x.data *= 10                               # in place: mul's backward sees the new x
    loss.backward()
    np.testing.assert_array_equal(w.grad, [30.0, 40.0])
    w2, x2 = param([1.0, 2.0]), param([3.0, 4.0])
    loss2 = (w2 * x2).sum()
    x2.data = x2.data * 10                     # rebinding: the op keeps the array it saw
    loss2.backward()
    np.testing.assert_array_equal(w2.grad, [3.0, 4.0])


def test_custom_op_docstring_example_runs():
    import doctest
    from microdense.ops import custom
    assert doctest.testmod(custom, raise_on_error=True).attempted >= 4


# ---- op records: one definition, read by everything --------------------------------------------

def test_a_recorded_node_holds_its_op_record_and_the_record_is_the_one_definition():
    from microdense.ops.elementwise import TANH
    x = md.Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = md.tanh(x)
    assert y.record is TANH and y.op == TANH.name and y.rule == TANH.rule
    out, saved = TANH.forward(x.data)                     # the same forward, on arrays
    np.testing.assert_array_equal(out, y.data)
    (grad,) = TANH.backward(saved, np.ones(2), (True,))   # the same backward the engine calls
    y.sum().backward()
    np.testing.assert_array_equal(grad, x.grad)


def test_every_primitive_is_an_op_record_with_forward_backward_and_rule():
    from microdense.ops.op import Op
    x = md.Tensor(np.array([[0.5, 1.5], [2.0, 0.25]]), requires_grad=True)
    for name in ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "neg"):
        out = getattr(md.ops, name)(x)
        assert isinstance(out.record, Op) and out.record.forward and out.record.backward
        assert out.record.rule, name
