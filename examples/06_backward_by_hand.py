"""Example 6: the backward pass of a two-layer network, printed step by step and redone by hand.

    python examples/06_backward_by_hand.py    # prints the trace; writes viz/06_backward_by_hand.svg

A batch of 8 points and a hidden layer of 16: a real (small) size, every number printed.

md.trace_backward(loss) runs loss.backward() and records each step of the engine's walk: the
node, the gradient it received, its rule, and what each of its inputs got. Below, every one of
those gradients is recomputed in plain numpy from the chain rule, and checked to be equal.

PyTorch, for comparison: loss.backward() gives the same .grad; torch has no trace of the walk
(torchviz draws the graph, not the gradients flowing through it).
"""
import os
import sys

import numpy as np

import microdense as md

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")


def named(tensor, name):
    tensor.name = name
    return tensor


def main():
    rng = np.random.default_rng(6)
    x = md.Tensor(rng.normal(size=(8, 2)).round(1), name="x")            # 8 points, 2 features
    y = md.Tensor(rng.integers(0, 2, size=(8, 1)).astype(float), name="y")
    W1 = md.Tensor(rng.normal(size=(2, 16)).round(1), requires_grad=True, name="W1")
    b1 = md.Tensor(np.zeros(16), requires_grad=True, name="b1")
    W2 = md.Tensor((rng.normal(size=(16, 1)) / 4).round(2), requires_grad=True, name="W2")
    b2 = md.Tensor(np.zeros(1), requires_grad=True, name="b2")

    z = named(x @ W1, "xW1")
    z1 = named(z + b1, "z1")                  # (8, 16)
    h = named(md.tanh(z1), "h")               # (8, 16)
    out = named(named(h @ W2, "hW2") + b2, "out")   # (8, 1)
    err = named(out - y, "err")
    sq = named(err ** 2, "err2")
    loss = named(sq.mean(), "loss")           # mean(err2) = sum(err2) / 8

    trace = md.trace_backward(loss)
    print(trace.to_text(threshold=None))      # every value of every array, none elided

    # ---- the same gradients by hand, one chain-rule step at a time ----
    n = err.data.size
    d_sq = np.full(sq.shape, 1 / n)                     # d mean / d err2_i = 1/n
    d_err = d_sq * 2 * err.data                         # d err^2 / d err = 2 err
    d_out = d_err                                       # d (out - y) / d out = 1
    d_b2 = d_out.sum(axis=0)                            # b2 was broadcast over the 4 rows
    d_W2 = h.data.T @ d_out                             # d (h @ W2) / d W2 = h^T @ g
    d_h = d_out @ W2.data.T                             # d (h @ W2) / d h = g @ W2^T
    d_z1 = d_h * (1 - h.data ** 2)                      # d tanh(z) / dz = 1 - tanh(z)^2
    d_b1 = d_z1.sum(axis=0)
    d_W1 = x.data.T @ d_z1

    by_hand = {sq: d_sq, err: d_err, out: d_out, b2: d_b2, W2: d_W2, h: d_h, z1: d_z1,
               b1: d_b1, W1: d_W1}
    for tensor, expected in by_hand.items():
        np.testing.assert_allclose(tensor.grad, expected, rtol=1e-12, atol=1e-15)
        recorded = trace.received(tensor)[-1].total     # what the printed trace says
        np.testing.assert_allclose(recorded, expected, rtol=1e-12, atol=1e-15)
    print(f"\nall {len(by_hand)} gradients recomputed by hand in numpy: equal to the engine's")

    # One number to check by hand: dL/dW1[1, 2], a sum over the batch of x[b, 1] * dL/dz1[b, 2].
    (step,) = [step for step in trace.steps if step.node is z]
    print()
    print(step.element(1, 2))
    print(f"the engine's W1.grad[1, 2] = {W1.grad[1, 2]:.4g}")
    assert np.isclose(x.data[:, 1] @ d_z1[:, 2], W1.grad[1, 2], rtol=1e-12, atol=1e-15)

    paths = trace.paths(W1)
    print(f"dL/dW1 flows along {len(paths)} path:", *paths, sep="\n  ")

    drawing = md.draw_graph(loss, edge_labels="grad", show_rules=True)
    path = drawing.render(os.path.join(VIZ, "06_backward_by_hand"), format="svg", cleanup=True)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    sys.exit(main())
