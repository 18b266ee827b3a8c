"""Example 9: a residual MLP, built with the functional API, fixes example 5's vanishing gradients.

    python examples/09_residual_mlp.py          # prints the gradient table, writes
                                                # viz/09_residual_mlp.svg (the model's layers)
    python examples/09_residual_mlp.py --fast   # fewer training epochs

Example 5's deep sigmoid network multiplies the gradient by sigmoid'(z) <= 1/4 at each of its
layers, so its first layer learns orders of magnitude slower than its last. A residual block
computes h + f(h) instead of f(h) (He et al., 2016): its derivative is I + f'(h), so backward
carries the gradient past every block unchanged (the I), plus what the block adds. The same
8 Dense layers, the same sigmoid, the same starting weights, only wired with Add():

    inputs = Input(shape=(2,))
    h = Dense(16, activation="sigmoid")(inputs)
    for _ in range(6):
        h = Add()([h, Dense(16, activation="sigmoid")(h)])      # h + f(h)
    outputs = Dense(3, activation="softmax")(h)
    model = Model(inputs, outputs)

Keras: these lines are Keras code; only the imports differ (`import keras`,
`from keras.layers import Add, Dense, Input`, `keras.Model`). PyTorch writes the block as
`h = h + torch.sigmoid(linear(h))` inside forward().
"""
import argparse
import os
import sys

import numpy as np

import microdense as md
from microdense.layers import Add, Dense, Input
from microdense.models import Model, Sequential

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")
DEPTH, WIDTH, BATCH = 8, 16, 64             # as example 5


def plain_network():
    """Example 5's deep sigmoid network: 8 Dense layers in a chain."""
    md.utils.set_random_seed(0)             # the same starting weights for both networks
    md.layers.reset_name_counters()         # layers named dense, dense_1, ... in both
    model = Sequential(name="plain_sigmoid")
    model.add(Dense(WIDTH, activation="sigmoid", input_shape=(2,)))
    for _ in range(DEPTH - 2):
        model.add(Dense(WIDTH, activation="sigmoid"))
    model.add(Dense(3, activation="softmax"))
    return model


def residual_network():
    """The same Dense layers (same weights), each hidden one inside a residual block."""
    md.utils.set_random_seed(0)
    md.layers.reset_name_counters()
    inputs = Input(shape=(2,), name="inputs")
    h = Dense(WIDTH, activation="sigmoid")(inputs)
    for block in range(DEPTH - 2):
        h = Add(name=f"residual_{block + 1}")([h, Dense(WIDTH, activation="sigmoid")(h)])
    outputs = Dense(3, activation="softmax")(h)
    return Model(inputs, outputs, name="residual_sigmoid")


def dense_layers(model):
    return [layer for layer in model.layers if isinstance(layer, Dense)]


def gradient_norms(model, x, y):
    """||d loss / d kernel|| of every Dense layer (input side first), after one backward."""
    loss = md.losses.CategoricalCrossentropy()(y, model(x))
    loss.backward()
    norms = [float(np.linalg.norm(layer.kernel.grad)) for layer in dense_layers(model)]
    model.zero_grad()
    return norms


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="fewer training epochs")
    args = parser.parse_args(argv)

    x, y = md.datasets.spirals(BATCH, n_classes=3, one_hot=True)          # (64, 2), (64, 3)
    plain, residual = plain_network(), residual_network()
    assert all(np.array_equal(a.kernel.data, b.kernel.data)              # same start
               for a, b in zip(dense_layers(plain), dense_layers(residual)))
    norms = {"plain": gradient_norms(plain, x, y), "residual": gradient_norms(residual, x, y)}

    print("Gradient per Dense layer (layer 1 is nearest the input), ||d loss / d kernel||:\n")
    print("| layer | plain sigmoid | residual sigmoid | residual / plain |")
    print("|------:|--------------:|-----------------:|-----------------:|")
    for depth in range(DEPTH):
        p, r = norms["plain"][depth], norms["residual"][depth]
        print(f"| {depth + 1:5d} | {p:13.2e} | {r:16.2e} | {r / p:16.3g} |")
    for name in ("plain", "residual"):
        first, last = norms[name][0], norms[name][-1]
        print(f"{name}: first-layer gradient norm {first:.2e}, first / last = "
              f"{first / last:.2e}")
    plain_first, residual_first = norms["plain"][0], norms["residual"][0]
    assert residual_first > 1000 * plain_first, "the residual blocks carry the gradient back"
    assert residual_first / norms["residual"][-1] > 1e-3, "and it no longer vanishes"

    # Training both the same way: the residual network's first layers learn too.
    epochs = 20 if args.fast else 100
    data_x, data_y = md.datasets.spirals(300, n_classes=3, one_hot=True)
    final_loss = {}
    for name, model in (("plain", plain_network()), ("residual", residual_network())):
        model.compile(optimizer=md.optimizers.Adam(0.01), loss="categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(data_x, data_y, epochs=epochs, batch_size=32, verbose=0)
        final_loss[name] = history.history["loss"][-1]
        print(f"{name}: after {epochs} epochs loss {final_loss[name]:.3f}, "
              f"accuracy {history.history['accuracy'][-1]:.2f}")
    assert final_loss["residual"] < final_loss["plain"], "the residual network learns faster"

    residual.summary()
    path = md.plot_model(residual, to_file=os.path.join(VIZ, "09_residual_mlp.svg"),
                         show_params=True)
    print(f"wrote {os.path.relpath(os.path.join(VIZ, '09_residual_mlp.svg'))}")
    return 0 if path is not None else 1


if __name__ == "__main__":
    sys.exit(main())
