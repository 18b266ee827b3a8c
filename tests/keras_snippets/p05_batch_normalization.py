# Source: https://keras.io/api/layers/normalization_layers/batch_normalization/ (the layer), in
# the usual Dense -> BatchNormalization -> Activation pattern. Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

model = keras.Sequential([
    keras.Input(shape=(20,)),
    keras.layers.Dense(64),
    keras.layers.BatchNormalization(),
    keras.layers.Activation("relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
rng = np.random.default_rng(0)
model.fit(rng.normal(size=(128, 20)), rng.integers(0, 10, 128), epochs=2, verbose=0)
