# Source: https://keras.io/api/optimizers/learning_rate_schedules/cosine_decay/ and
# .../cosine_decay_restarts/ (the schedules' docstrings), used by an optimizer.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

decay_steps = 1000
initial_learning_rate = 0.1
lr_decayed_fn = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate, decay_steps)

decay_steps = 1000
initial_learning_rate = 0
warmup_steps = 1000
target_learning_rate = 0.1
lr_warmup_decayed_fn = keras.optimizers.schedules.CosineDecay(
    initial_learning_rate, decay_steps, warmup_target=target_learning_rate,
    warmup_steps=warmup_steps
)

first_decay_steps = 1000
lr_restarts_fn = (
    keras.optimizers.schedules.CosineDecayRestarts(
        initial_learning_rate=0.1,
        first_decay_steps=first_decay_steps))

for schedule in (lr_decayed_fn, lr_warmup_decayed_fn, lr_restarts_fn):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
    model.fit(np.ones((16, 4)), np.zeros((16, 1)), epochs=2, verbose=0)
