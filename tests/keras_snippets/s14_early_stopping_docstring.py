# Source: https://keras.io/api/callbacks/early_stopping/ (keras.callbacks.EarlyStopping docstring).
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

callback = keras.callbacks.EarlyStopping(monitor='loss',
                                              patience=3)
# This callback will stop the training when there is no improvement in
# the loss for three consecutive epochs.
model = keras.models.Sequential([keras.layers.Dense(10)])
model.compile(keras.optimizers.SGD(), loss='mse')
history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5),
                    epochs=10, batch_size=1, callbacks=[callback],
                    verbose=0)
assert len(history.history['loss']) == 4  # Only 4 epochs are run.
