# Source: https://keras.io/guides/sequential_model/ ("Transfer learning with a Sequential
# model": freeze all layers except the last one, recompile and train). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import layers

model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(32, activation='relu'),
    layers.Dense(10),
])

# Freeze all layers except the last one.
for layer in model.layers[:-1]:
    layer.trainable = False

# Recompile and train (this will only update the weights of the last layer).
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
frozen = [w.numpy().copy() for w in model.layers[0].weights]
last = [w.numpy().copy() for w in model.layers[-1].weights]
rng = np.random.default_rng(0)
model.fit(rng.random((64, 784)), rng.integers(0, 10, 64), epochs=1, verbose=0)
assert len(model.trainable_weights) == 2
assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, model.layers[0].weights))
assert not any(np.array_equal(a, w.numpy()) for a, w in zip(last, model.layers[-1].weights))
