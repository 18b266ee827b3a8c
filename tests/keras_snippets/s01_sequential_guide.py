# Source: https://keras.io/guides/sequential_model/ (Keras 3), "When to use a Sequential model",
# "Creating a Sequential model", "Specifying the input shape in advance".
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras
from microdense import layers
from microdense import ops

model = keras.Sequential(
    [
        layers.Dense(2, activation="relu", name="layer1"),
        layers.Dense(3, activation="relu", name="layer2"),
        layers.Dense(4, name="layer3"),
    ]
)
x = ops.ones((3, 3))
y = model(x)
assert tuple(y.shape) == (3, 4)

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))
model.pop()
assert len(model.layers) == 2

layer = layers.Dense(3)
assert len(layer.weights) == 0
x = ops.ones((1, 4))
y = layer(x)
assert len(layer.weights) == 2

model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))
model.summary()
