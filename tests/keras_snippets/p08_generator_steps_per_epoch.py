# Source: https://keras.io/api/models/model_training_apis/#fit-method (x "can be a Python
# generator ... returning (inputs, targets)", with steps_per_epoch). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

rng = np.random.default_rng(0)


def batches():
    while True:
        x = rng.normal(size=(16, 4)).astype("float32")
        yield x, x.sum(axis=1, keepdims=True)


model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(batches(), steps_per_epoch=10, epochs=2, verbose=0)
