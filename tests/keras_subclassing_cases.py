"""Models written once for Keras 3 and for microdense (`k` is either module), used by
tools/keras_reference_subclassing.py (under Keras) and tests/test_keras_subclassing_parity.py
(here): layers made of layers, add_loss, add_weight Variables, metrics vs weighted_metrics."""
import numpy as np


def make_classes(k):
    """The Block, Scale and Net classes of one framework."""

    class Scale(k.layers.Layer):
        """output = x * w + b, with w and b from add_weight (Variables)."""

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
            self.b = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="b")

        def call(self, x):
            return x * self.w + self.b

    class Block(k.layers.Layer):
        """A residual block of layers held as attributes (one in a list, one in a dict),
        with an activity penalty added by add_loss."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.inner = [k.layers.Dense(units, activation="tanh")]
            self.parts = {"out": k.layers.Dense(units)}
            self.scale = Scale()

        def call(self, x):
            h = self.parts["out"](self.inner[0](x))
            self.add_loss(0.01 * k.ops.mean(h * h))
            return self.scale(h) + x

    class Net(k.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.stem = k.layers.Dense(6)
            self.blocks = [Block(6), Block(6)]
            self.head = k.layers.Dense(1)

        def call(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    return Scale, Block, Net


def nested_data():
    rng = np.random.default_rng(20)
    x = rng.normal(size=(32, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], np.float32) + 0.3).astype(np.float32)
    return x, y


def nested_weights():
    """Fixed starting weights in Keras's get_weights order, the same in both frameworks."""
    rng = np.random.default_rng(7)
    shapes = [(4, 6), (6,)]
    for _ in range(2):
        shapes += [(6, 6), (6,), (6, 6), (6,), (6,), (6,)]
    shapes += [(6, 1), (1,)]
    return [(0.4 * rng.normal(size=s)).astype(np.float32) for s in shapes]


def imbalanced_data():
    """90 negatives and 10 positives; a model that always says 'negative'."""
    x = np.linspace(-1.0, 1.0, 100, dtype=np.float32).reshape(100, 1)
    y = np.zeros((100, 1), np.float32)
    y[::10] = 1.0
    return x, y


def imbalanced_model(k):
    model = k.Sequential([k.Input(shape=(1,)), k.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[0.1]], np.float32), np.array([-2.0], np.float32)])
    return model
