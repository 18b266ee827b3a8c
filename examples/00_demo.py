"""The demo behind `./dev.sh demo`: train a small network on built-in data, then draw the
graph of one training step with every value and gradient on it.

    python examples/00_demo.py [--fast]   # writes viz/00_demo_graph.svg, viz/00_demo_layers.svg

The model is the Keras code you would write (only the imports differ), with a custom
activation that needs no gradient code: the engine differentiates x * sigmoid(x) itself.
"""
import argparse
import os

import numpy as np

import microdense as md
from microdense import backend as K
from microdense.layers import Dense
from microdense.models import Sequential

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")


def swish(x):
    return x * K.sigmoid(x)


def train(fast=False, print_fn=print):
    """The seeded model trained on spirals, and the data: (model, x, y)."""
    md.utils.set_random_seed(0)
    x, y = md.datasets.spirals(n_samples=600, n_classes=3, one_hot=True)
    model = Sequential()
    model.add(Dense(16, activation="tanh", input_shape=(2,)))
    model.add(Dense(16, activation=swish))
    model.add(Dense(3, activation="softmax"))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary(print_fn=print_fn)
    history = model.fit(x, y, epochs=20 if fast else 150, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    losses = history.history["loss"]
    print_fn(f"trained {len(losses)} epochs on spirals: loss {loss:.4f}, accuracy {accuracy:.3f}")
    assert losses[-1] < losses[0], f"training did not lower the loss ({losses[0]:.4f} at first)"
    assert accuracy > 0.45, f"accuracy {accuracy:.3f} is near chance (1/3 for 3 classes)"
    return model, x, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="fewer epochs (for the tests)")
    args = parser.parse_args(argv)
    model, x, y = train(args.fast)

    # One more step by hand, to draw: the forward pass records the graph, backward fills grads.
    # fit left no gradient behind (as torch's zero_grad), so these are this batch's alone;
    # a second backward() would add to them, until model.zero_grad().
    assert all(weight.grad is None for weight in model.trainable_weights)
    batch_x, batch_y = x[:4], y[:4]
    loss_tensor = md.losses.CategoricalCrossentropy()(batch_y, model(batch_x))
    loss_tensor.backward()
    kernel = model.layers[0].kernel
    print(f"{kernel.name}: grad norm {np.linalg.norm(kernel.grad):.4g} after one backward")

    graph = md.draw_graph(loss_tensor)
    path = graph.render(os.path.join(VIZ, "00_demo_graph"), format="svg", cleanup=True)
    print(f"wrote {os.path.relpath(path)} ({graph.source.count('->')} edges)")
    layers_path = os.path.join(VIZ, "00_demo_layers.svg")
    md.plot_model(model, to_file=layers_path, show_shapes=True)
    print(f"wrote {os.path.relpath(layers_path)}")


if __name__ == "__main__":
    main()
