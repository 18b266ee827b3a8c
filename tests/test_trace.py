"""The backward trace: it records the engine's own walk, and its numbers add up."""
import re

import numpy as np
import pytest

import microdense as md
from microdense.engine import toposort


def quickstart_graph(seed=0):
    """The README's quick-start graph: a Dense layer with x * sigmoid(x), and its mean."""
    rng = np.random.default_rng(seed)
    x = md.Tensor(rng.normal(size=(4, 3)), name="x")
    W = md.Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    b = md.Tensor(np.zeros(2), requires_grad=True, name="b")
    h = x @ W + b
    loss = (h * md.sigmoid(h)).mean()
    return loss, W, b, h


def test_trace_runs_the_same_backward_in_the_engines_order():
    loss, W, b, h = quickstart_graph()
    trace = md.trace_backward(loss)
    plain_loss, plain_W, plain_b, plain_h = quickstart_graph()
    plain_loss.backward()
    for traced, plain in ((W, plain_W), (b, plain_b), (h, plain_h)):
        np.testing.assert_array_equal(traced.grad, plain.grad)
    visited = [t for t in reversed(toposort(loss)) if t.parents]
    assert [step.node for step in trace.steps] == visited
    assert [step.index for step in trace.steps] == list(range(len(visited)))
    assert trace.seed == 1.0 and trace.steps[0].node is loss


def test_every_tensors_contributions_sum_to_its_grad():
    loss, W, b, h = quickstart_graph()
    trace = md.trace_backward(loss)
    tensors = trace.tensors()
    assert {id(W), id(b), id(h)} <= {id(t) for t in tensors}
    for t in tensors:
        received = trace.received(t)
        np.testing.assert_allclose(sum(c.added for c in received), t.grad, rtol=1e-12)
        np.testing.assert_array_equal(received[-1].total, t.grad)
        assert [c.count for c in received] == list(range(1, len(received) + 1))


def test_a_step_records_upstream_rule_and_each_inputs_share():
    loss, W, b, h = quickstart_graph()
    trace = md.trace_backward(loss)
    add_step = next(s for s in trace.steps if s.node is h)
    assert add_step.op == "add" and add_step.rule.startswith("d(a+b)")
    np.testing.assert_array_equal(add_step.upstream, h.grad)
    to_b = next(c for c in add_step.contributions if c.parent is b)
    assert to_b.input_index == 1 and to_b.from_op.shape == (4, 2)
    assert to_b.summed_axes == (0,)                       # the bias: summed over the batch
    np.testing.assert_allclose(to_b.added, h.grad.sum(axis=0))


def test_a_tensor_used_three_times_shows_three_contributions():
    a = md.Tensor(0.5, requires_grad=True, name="a", dtype="float64")
    y = a * a + md.tanh(a)                                # a enters three times
    trace = md.trace_backward(y)
    received = trace.received(a)
    assert len(received) == 3
    text = str(trace)
    assert "dL/da = " in text and "(3 contributions, summed)" in text
    terms = " + ".join(f"{c.added.item():.4g}" for c in received)
    assert terms in text and f"{a.grad.item():.4g}" in text


def test_text_writes_the_chain_rule_with_numbers_and_unbroadcasting():
    loss, W, b, h = quickstart_graph()
    text = md.trace_backward(loss).to_text()
    assert text.startswith("Backward pass from L ()")
    assert "rule: d sigmoid(x)/dx = sigmoid(x) * (1 - sigmoid(x))" in text
    assert "b (2,) receives it summed over axis 0 (the batch) = " in text
    assert "step 0: L = mean(mul_0)" in text
    assert "mul_0 receives dL/dmul_0 = dL/dL / n, copied to each of the n = 8" in text
    assert "W receives dL/dW = x^T @ dL/dmatmul_0: (3, 2) = (3, 4) @ (4, 2)" in text
    short = md.trace_backward(quickstart_graph()[0]).to_text(max_steps=2)
    assert "more steps" in short and "step 2:" not in short


def test_paths_sum_to_the_gradient():
    loss, W, b, h = quickstart_graph()
    trace = md.trace_backward(loss)
    paths = trace.paths(W)
    assert len(paths) == 2                               # through h directly, and via sigmoid(h)
    assert {tuple(p.ops) for p in paths} == {("mean", "mul", "add", "matmul"),
                                             ("mean", "mul", "sigmoid", "add", "matmul")}
    assert {str(p).split(":")[0] for p in paths} == {            # labelled by the tensors
        "L <- mul_0 <- add_0 <- matmul_0 <- W", "L <- mul_0 <- sigmoid_0 <- add_0 <- matmul_0 <- W"}
    np.testing.assert_allclose(sum(p.contribution for p in paths), W.grad, atol=1e-15)
    np.testing.assert_allclose(sum(p.contribution for p in trace.paths(b)), b.grad, atol=1e-15)


def test_scalar_paths_are_products_of_local_derivatives():
    a = md.Tensor(0.5, requires_grad=True, dtype="float64")
    y = a * a * a + md.tanh(a)                            # dy/da = 3a^2 + 1 - tanh(a)^2
    trace = md.trace_backward(y)
    paths = trace.paths(a)
    assert len(paths) == 4
    for p in paths:
        assert np.isclose(np.prod(p.local_derivatives), p.contribution)
    texts = {str(p) for p in paths}
    assert "L <- tanh_0 <- parameter_0: 1 * 1 * 0.7864 = 0.7864" in texts
    assert "L <- mul_0 <- mul_1 <- parameter_0 (as input 0): 1 * 1 * 0.5 * 0.5 = 0.25" in texts
    assert np.isclose(sum(p.contribution for p in paths), 3 * 0.25 + 1 - np.tanh(0.5) ** 2)


def test_paths_has_a_bound_with_a_clear_message():
    x = md.Tensor(1.0, requires_grad=True, dtype="float64")
    y = x
    for _ in range(12):                                   # 2^12 paths from y to x
        y = y + y
    trace = md.trace_backward(y)
    with pytest.raises(ValueError, match="more than 1000 paths"):
        trace.paths(x)
    assert len(trace.paths(x, max_paths=5000)) == 4096
    with pytest.raises(ValueError, match="no path leads"):
        trace.paths(md.Tensor(1.0, requires_grad=True))


def test_plain_backward_records_nothing():
    loss, W, b, h = quickstart_graph()
    loss.backward()                  # the engine's trace hook is None: no step objects exist
    trace = md.trace_backward(quickstart_graph()[0])
    assert len(trace.steps) == 5 and repr(trace).startswith("<Trace: 5 steps")


def test_scopes_nest_and_reach_every_op_inside():
    x = md.Tensor(np.ones(3), requires_grad=True)

    @md.scope
    def softplus(v):
        return md.log(1 + md.exp(v))

    with md.scope("mish"):
        y = x * md.tanh(softplus(x))
    chain = [s.name for s in y.parents[1].parents[0].scope.chain()]   # log inside softplus
    assert chain == ["mish", "softplus"]
    assert y.scope.name == "mish" and y.scope.layer is None
    m = x.mean()
    assert m.op == "mean" and m.scope is None                         # one op, no scope
    assert md.Tensor(1.0).scope is None and (x * 2).scope is None     # outside every scope
    with pytest.raises(TypeError, match="non-empty string"):
        md.scope("")


# ---- at real size: every number, the math's own form, one element by hand -----------------------

def random_mlp_trace(batch=8, sizes=(5, 16, 3), seed=0):
    """A Dense-tanh-Dense network's loss and its trace, as md.layers build it."""
    md.utils.set_random_seed(seed)
    model = md.models.Sequential([md.layers.Input((sizes[0],)),
                                  md.layers.Dense(sizes[1], activation="tanh"),
                                  md.layers.Dense(sizes[2], activation="softmax")])
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = np.eye(sizes[2], dtype=np.float32)[rng.integers(0, sizes[2], batch)]
    loss = md.losses.CategoricalCrossentropy()(y, model(x))
    return model, md.trace_backward(loss)


def test_the_element_view_is_the_weights_gradient_for_every_element():
    model, trace = random_mlp_trace()
    for layer in model.layers:
        kernel = layer.kernel
        step = next(s for s in trace.steps
                    if s.op == "matmul" and any(c.parent is kernel for c in s.contributions))
        for i, j in np.ndindex(kernel.shape):
            element = step.element(i, j)
            assert element.value == kernel.grad[i, j]
            by_hand = sum(a * b for a, b in element.terms)       # the sum it writes out
            assert np.isclose(by_hand, kernel.grad[i, j], rtol=1e-4, atol=1e-7)
            assert f"dL/d{kernel.name}[{i},{j}] = sum_r " in str(element)
        bias_step = next(s for s in trace.steps if any(c.parent is layer.bias
                                                       for c in s.contributions))
        for j in range(layer.bias.shape[0]):
            element = bias_step.element(j, of=layer.bias)
            assert np.isclose(sum(a * b for a, b in element.terms), layer.bias.grad[j],
                              rtol=1e-4, atol=1e-7)
            assert "copies broadcasting made of it" in str(element)


def test_threshold_none_writes_every_value_of_a_32_by_16_step():
    _, trace = random_mlp_trace(batch=32)
    step = next(s for s in trace.steps if s.upstream.shape == (32, 16))
    full, short = step.to_text(threshold=None), step.to_text()
    label = trace.label(step.node)
    written = re.split(r"\n  [a-zA-Z]", full.split(f"\n  dL/d{label} = ", 1)[1])[0]
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d*(?:e[-+]\d+)?", written)]
    assert len(numbers) == 512
    np.testing.assert_allclose(numbers, step.upstream.ravel(), rtol=1e-3, atol=1e-6)
    assert "..." not in full and "..." in short
    assert len(md.trace_backward(random_mlp_trace(batch=32)[1].root).to_text(threshold=None)) \
        > len(trace.to_text())


def test_steps_show_their_math_forms():
    x = md.Tensor(np.linspace(-1, 1, 12).reshape(4, 3), name="x")
    W = md.Tensor(np.ones((3, 5)) * 0.1, requires_grad=True, name="W")
    b = md.Tensor(np.zeros(5), requires_grad=True, name="b")
    z = x @ W + b
    loss = md.where(z > 0, z, z * 0.5).mean()
    text = str(md.trace_backward(loss))
    assert "W receives dL/dW = x^T @ dL/dmatmul_0: (3, 5) = (3, 4) @ (4, 5)" in text
    assert "b (5,) receives it summed over axis 0 (the batch)" in text
    assert "copied to each of the n = 20 elements it averaged" in text
    assert "where(greater_0, add_0, mul_0)" in text           # the condition is an operand
    assert "receives dL/dadd_0 = dL/dwhere_0 where greater_0, else 0" in text


def test_a_cast_keeps_the_users_name():
    x = md.Tensor(np.ones((2, 3)), name="x")                    # float64 data
    layer = md.layers.Dense(2)
    out = layer(x)
    assert out.dtype == np.float32
    cast = [t for t in toposort(out.sum()) if t.op == "matmul"][0].parents[0]
    assert cast.name == "x" and cast.dtype == np.float32
    assert md.ops.astype(x, "float32").name == "x"


def test_tracing_twice_says_the_leaves_hold_both_passes():
    loss, W, b, h = quickstart_graph()
    md.trace_backward(loss)
    with pytest.warns(UserWarning, match=r"W.* already held a gradient from an earlier"):
        trace = md.trace_backward(loss)
    assert "includes an earlier backward pass" in str(trace)
    W.zero_grad(), b.zero_grad()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "earlier" not in str(md.trace_backward(loss))
