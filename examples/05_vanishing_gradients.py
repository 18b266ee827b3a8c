"""Example 5: vanishing gradients, drawn. A deep sigmoid network beside the same ReLU network.

    python examples/05_vanishing_gradients.py         # writes viz/05_deep_sigmoid.svg and
                                                      #        viz/05_deep_relu.svg
    python examples/05_vanishing_gradients.py --fast  # the same (one batch: it is fast already)

Two networks of 8 Dense layers (7 hidden layers of 16 units, then a softmax), identical but for
the hidden activation, start from the same Glorot weights; one batch of spiral data goes
forward and backward. The drawings shade each layer by the mean |gradient| of its weights
(one colour step per power of ten, palest = smallest). Backward multiplies the gradient by
sigmoid'(z) = s(1 - s) <= 1/4 at every sigmoid layer, so the first layers of the sigmoid
network get gradients orders of magnitude smaller than its last; ReLU passes the gradient
through (relu'(z) = 1 where z > 0), so its layers stay within a factor of a few.

A third network keeps the sigmoid but puts a BatchNormalization before each one (Dense ->
BatchNormalization -> sigmoid, run in training mode as fit does): each sigmoid then gets
inputs of mean 0 and variance 1, where its slope is near its largest, and backward through
the normalization divides the gradient by the batch's standard deviation, which is small
after a sigmoid layer, so it is scaled back up. Its column in the table (no drawing) shows
the remedy. Example 9 shows the other remedy, residual connections.

Keras / PyTorch, for comparison: neither draws this. In PyTorch one would print
    [layer.weight.grad.norm() for layer in net if isinstance(layer, torch.nn.Linear)]
after loss.backward(), which is the table this script prints beside its pictures.
"""
import argparse
import os
import sys

import numpy as np

import microdense as md
from microdense.layers import Activation, BatchNormalization, Dense
from microdense.models import Sequential
from microdense.tensor import Scope, layer_scope

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")
DEPTH, WIDTH, BATCH = 8, 16, 64


def deep_network(activation):
    md.utils.set_random_seed(0)              # the same starting weights for both networks
    md.layers.reset_name_counters()          # layers named dense, dense_1, ... in both
    model = Sequential(name=f"deep_{activation}")
    model.add(Dense(WIDTH, activation=activation, input_shape=(2,)))
    for _ in range(DEPTH - 2):
        model.add(Dense(WIDTH, activation=activation))
    model.add(Dense(3, activation="softmax"))
    return model


def deep_batchnorm_network():
    """The sigmoid network with a BatchNormalization before each sigmoid (the Dense kernels
    start the same: BatchNormalization's gamma = 1, beta = 0 draw no random numbers)."""
    md.utils.set_random_seed(0)
    md.layers.reset_name_counters()
    model = Sequential(name="deep_sigmoid_batchnorm")
    model.add(Dense(WIDTH, input_shape=(2,)))
    model.add(BatchNormalization())
    model.add(Activation("sigmoid"))
    for _ in range(DEPTH - 2):
        model.add(Dense(WIDTH))
        model.add(BatchNormalization())
        model.add(Activation("sigmoid"))
    model.add(Dense(3, activation="softmax"))
    return model


def batchnorm_gradient_norms(x, y):
    """||d loss / d kernel|| of each Dense layer of the BatchNormalization network, with the
    batch's own statistics (training=True, as in fit)."""
    model = deep_batchnorm_network()
    loss = md.losses.CategoricalCrossentropy()(y, model(x, training=True))
    loss.backward()
    return [float(np.linalg.norm(layer.kernel.grad)) for layer in model.layers
            if isinstance(layer, Dense)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="accepted for the tests; "
                        "this example is fast already")
    parser.parse_args(argv)

    x, y = md.datasets.spirals(BATCH, n_classes=3, one_hot=True)          # (64, 2), (64, 3)
    norms, shades = {}, {}
    for activation in ("sigmoid", "relu"):
        model = deep_network(activation)
        probabilities = model(md.Tensor(x, name="x"))                       # (64, 3)
        # The loss's ops get a box of their own, so the collapsed drawing shows it as one node.
        with layer_scope(Scope("loss", "CategoricalCrossentropy()")):
            loss = md.losses.CategoricalCrossentropy()(md.Tensor(y, name="y_true"),
                                                             probabilities)
        loss.backward()
        norms[activation] = [float(np.linalg.norm(layer.kernel.grad)) for layer in model.layers]
        # What the drawing shades by: mean |grad| over the layer's kernel and bias together.
        shades[activation] = [float(np.mean(np.abs(np.concatenate(
            [layer.kernel.grad.ravel(), layer.bias.grad.ravel()])))) for layer in model.layers]
        drawing = md.draw_graph(loss, collapse_layers=True, color_by="grad",
                                show_legend=True)
        path = drawing.render(os.path.join(VIZ, f"05_deep_{activation}"), format="svg",
                              cleanup=True)
        print(f"{activation}: loss {loss.item():.4f}, wrote {os.path.relpath(path)}")

    norms["sigmoid + batchnorm"] = batchnorm_gradient_norms(x, y)

    print("\nGradient per layer (layer 1 is nearest the input): ||d loss / d kernel||, and the "
          "mean |grad| of kernel and bias that the drawings shade by:\n")
    print("| layer | sigmoid norm | sigmoid mean abs | relu norm | relu mean abs | "
          "relu / sigmoid (norm) | sigmoid + BN norm |")
    print("|------:|-------------:|-----------------:|----------:|--------------:|"
          "----------------------:|------------------:|")
    for depth in range(DEPTH):
        s, r = norms["sigmoid"][depth], norms["relu"][depth]
        b = norms["sigmoid + batchnorm"][depth]
        print(f"| {depth + 1:5d} | {s:12.2e} | {shades['sigmoid'][depth]:16.2e} | {r:9.2e} | "
              f"{shades['relu'][depth]:13.2e} | {r / s:21.3g} | {b:17.2e} |")
    for activation in ("sigmoid", "relu", "sigmoid + batchnorm"):
        first, last = norms[activation][0], norms[activation][-1]
        print(f"{activation}: first layer / last layer gradient norm = {first / last:.2e}")

    sigmoid, relu, batchnorm = norms["sigmoid"], norms["relu"], norms["sigmoid + batchnorm"]
    assert sigmoid == sorted(sigmoid), "each sigmoid layer shrinks the gradient on its way back"
    assert sigmoid[0] < 1e-3 * sigmoid[-1], "the first sigmoid layer's gradient vanishes"
    assert sigmoid[0] < relu[0] / 100, "ReLU passes the gradient back where sigmoid shrinks it"
    assert 0.1 < relu[0] / relu[-1] < 10, "ReLU's layers stay within a factor of a few"
    assert 0.1 < batchnorm[0] / batchnorm[-1] < 10, "BatchNormalization keeps sigmoid's gradient"


if __name__ == "__main__":
    sys.exit(main())
