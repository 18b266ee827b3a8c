# Source: https://keras.io/api/losses/ ("Standalone usage of losses") and the
# keras.losses.MeanSquaredError / BinaryCrossentropy docstrings.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
y_true = [[0., 1.], [0., 0.]]
y_pred = [[1., 1.], [1., 0.]]
mse = keras.losses.MeanSquaredError()
print(mse(y_true, y_pred))
print(mse(y_true, y_pred, sample_weight=[0.7, 0.3]))
mse = keras.losses.MeanSquaredError(reduction="sum")
print(mse(y_true, y_pred))
mse = keras.losses.MeanSquaredError(reduction="none")
print(mse(y_true, y_pred))

y_true = np.array([[0., 1.], [0., 0.]])
y_pred = np.array([[1., 1.], [1., 0.]])
loss = keras.losses.mean_squared_error(y_true, y_pred)
assert loss.shape == (2,)

bce = keras.losses.BinaryCrossentropy(from_logits=True)
print(bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]))
