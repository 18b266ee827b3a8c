# Source: https://keras.io/api/optimizers/learning_rate_schedules/inverse_time_decay/
# (keras.optimizers.schedules.InverseTimeDecay docstring). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

rng = np.random.default_rng(0)
data = rng.normal(size=(128, 8)).astype("float32")
labels = rng.integers(0, 3, size=(128,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])

initial_learning_rate = 0.1
decay_steps = 1.0
decay_rate = 0.5
learning_rate_fn = keras.optimizers.schedules.InverseTimeDecay(
    initial_learning_rate, decay_steps, decay_rate)

model.compile(optimizer=keras.optimizers.SGD(
                  learning_rate=learning_rate_fn),
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])

model.fit(data, labels, epochs=5, verbose=0)
