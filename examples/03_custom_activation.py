"""Example 3: a custom activation, x * sigmoid(x), gets its gradient for free.

    python examples/03_custom_activation.py        # writes viz/03_custom_activation.svg
    python examples/03_custom_activation.py --fast # the same (it takes well under a second)

custom_activation(x) = x * sigmoid(x) is built from two primitive ops, sigmoid and mul, so
backward applies their rules and the product rule with no code of ours:
    d/dx [x * s(x)] = s(x) + x * s(x) * (1 - s(x)),      s = sigmoid.
This script (1) checks that gradient against finite differences (md.gradcheck) and against the
formula, (2) uses the function as a Dense layer's activation and backpropagates a loss through
it, and (3) draws the graph: the layer's cluster holds matmul, add, then a box named
custom_activation with the activation's own sigmoid and mul.

PyTorch, for comparison:
    def custom_activation(x):
        return x * torch.sigmoid(x)
    x = torch.linspace(-4, 4, 9, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(custom_activation, (x,))
    layer = torch.nn.Linear(3, 4)
    loss = torch.nn.functional.mse_loss(custom_activation(layer(x_batch)), y_batch)
    loss.backward()                                   # layer.weight.grad
    torchviz.make_dot(loss)                           # pytorchviz: ops, but no layer boxes
"""
import argparse
import os
import sys

import numpy as np

import microdense as md
from microdense import backend as K
from microdense.engine import toposort
from microdense.layers import Dense

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")


def custom_activation(x):
    return x * K.sigmoid(x)             # no gradient code: the engine differentiates it


def ops_by_layer(root):
    """{layer name: [op names, each after the ops that fed it]} for the graph behind root, read
    from the public attributes op and scope (the drawing reads the same ones). An op made in
    the activation's own scope (custom_activation's) counts for the layer around it."""
    found = {}
    for t in toposort(root):                          # parents before children
        if t.op and t.scope is not None and t.scope.layer is not None:   # ops only, not leaves
            found.setdefault(t.scope.layer.name, []).append(t.op)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="accepted for the tests; "
                        "this example is fast already")
    parser.parse_args(argv)

    # ---- 1. the gradient, checked ------------------------------------------------------
    x = md.Tensor(np.linspace(-4.0, 4.0, 9), requires_grad=True, name="x")   # float64
    md.gradcheck(custom_activation, x)                # raises AssertionError if they disagree
    print("gradcheck(custom_activation, x): passed (backward == central differences)")

    custom_activation(x).sum().backward()
    s = 1.0 / (1.0 + np.exp(-x.data))
    by_hand = s + x.data * s * (1.0 - s)
    print(f"{'x':>6}  {'f(x)':>8}  {'backward':>9}  {'s+x*s*(1-s)':>11}")
    for xi, fi, gi, hi in zip(x.data, custom_activation(md.Tensor(x.data)).data, x.grad, by_hand):
        print(f"{xi:6.1f}  {fi:8.4f}  {gi:9.5f}  {hi:11.5f}")
    print(f"max |backward - formula| = {np.abs(x.grad - by_hand).max():.2e}")
    assert np.abs(x.grad - by_hand).max() < 1e-12, "backward should give the formula's gradient"

    # ---- 2. as a Dense layer's activation -----------------------------------------------
    md.utils.set_random_seed(0)
    layer = Dense(4, activation=custom_activation)    # kernel (3, 4), bias (4,)
    x_batch = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], dtype=np.float32)   # (2, 3)
    y_batch = np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]], dtype=np.float32)
    loss = md.losses.MeanSquaredError()(md.Tensor(y_batch, name="y_true"),
                                        layer(md.Tensor(x_batch, name="x")))
    loss.backward()
    print(f"\nDense(4, activation=custom_activation) on a batch of 2: loss = {loss.item():.6f}")
    print("d loss / d kernel =\n" + np.array2string(layer.kernel.grad, precision=5))

    # The layer written out as a function of its kernel, in float64, checked numerically.
    x64, y64 = x_batch.astype(np.float64), y_batch.astype(np.float64)
    bias = layer.bias.data.astype(np.float64)

    def mse(kernel):
        return ((custom_activation(md.Tensor(x64) @ kernel + bias) - y64) ** 2).mean()

    kernel = md.Tensor(layer.kernel.data.astype(np.float64), requires_grad=True, name="kernel")
    md.gradcheck(mse, kernel)
    print("gradcheck of the layer's loss with respect to its kernel: passed")
    mse(kernel).backward()
    print(f"max |layer.kernel.grad - float64 gradient| = "
          f"{np.abs(layer.kernel.grad - kernel.grad).max():.2e}  (float32 rounding)")
    assert np.abs(layer.kernel.grad - kernel.grad).max() < 1e-5, "more than float32 rounding"

    ops = ops_by_layer(loss)
    print(f"ops recorded inside layer {layer.name!r}: {', '.join(ops.get(layer.name, []))}")
    assert ops[layer.name] == ["matmul", "add", "sigmoid", "mul"]   # x @ kernel + b; x * s(x)

    # ---- 3. the drawing -----------------------------------------------------------------
    drawing = md.draw_graph(loss)
    path = drawing.render(os.path.join(VIZ, "03_custom_activation"), format="svg",
                          cleanup=True)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    sys.exit(main())
