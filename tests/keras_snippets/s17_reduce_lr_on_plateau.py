# Source: https://keras.io/api/callbacks/reduce_lr_on_plateau/ (docstring). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

rng = np.random.default_rng(0)
X_train = rng.normal(size=(64, 4))
Y_train = rng.normal(size=(64, 1))
X_val, Y_val = X_train[:16], Y_train[:16]
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")

reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.2,
                                              patience=5, min_lr=0.001)
model.fit(X_train, Y_train, callbacks=[reduce_lr], validation_data=(X_val, Y_val),
          epochs=3, verbose=0)
