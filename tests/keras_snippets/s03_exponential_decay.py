# Source: https://keras.io/api/optimizers/learning_rate_schedules/exponential_decay/
# (keras.optimizers.schedules.ExponentialDecay docstring). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

rng = np.random.default_rng(0)
data = rng.normal(size=(256, 8)).astype("float32")
labels = rng.integers(0, 3, size=(256,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])

initial_learning_rate = 0.1
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate,
    decay_steps=100000,
    decay_rate=0.96,
    staircase=True)

model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr_schedule),
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit(data, labels, epochs=5, verbose=0)
