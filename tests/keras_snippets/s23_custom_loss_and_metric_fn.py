# Source: https://keras.io/api/losses/ ("Creating custom losses") and https://keras.io/api/metrics/
# ("Creating custom metrics"). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import ops


def my_loss_fn(y_true, y_pred):
    squared_difference = ops.square(y_true - y_pred)
    return ops.mean(squared_difference, axis=-1)  # Note the `axis=-1`


def my_metric_fn(y_true, y_pred):
    squared_difference = ops.square(y_true - y_pred)
    return ops.mean(squared_difference, axis=-1)  # Note the `axis=-1`


model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
model.compile(optimizer='adam', loss=my_loss_fn, metrics=[my_metric_fn])
rng = np.random.default_rng(0)
history = model.fit(rng.normal(size=(32, 4)), rng.normal(size=(32, 2)), epochs=2, verbose=0)
assert "my_metric_fn" in history.history
