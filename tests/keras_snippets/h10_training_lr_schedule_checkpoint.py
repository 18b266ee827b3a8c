# Source: https://keras.io/guides/training_with_built_in_methods/ ("Using learning rate
# schedules": ExponentialDecay in RMSprop; "Checkpointing models": ModelCheckpoint with
# save_best_only). Data: seeded arrays in place of MNIST. Paths: a temporary folder.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import os
import tempfile

import numpy as np
import microdense as keras
from microdense import layers

initial_learning_rate = 0.1
lr_schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate, decay_steps=100000, decay_rate=0.96, staircase=True
)

optimizer = keras.optimizers.RMSprop(learning_rate=lr_schedule)

inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
              metrics=["sparse_categorical_accuracy"])

folder = tempfile.mkdtemp()
callbacks = [
    keras.callbacks.ModelCheckpoint(
        # Path where to save the model
        # The two parameters below mean that we will overwrite
        # the current checkpoint if and only if
        # the `val_loss` score has improved.
        # The saved model name will include the current epoch.
        filepath=os.path.join(folder, "mymodel_{epoch}.keras"),
        save_best_only=True,  # Only save a model if `val_loss` has improved.
        monitor="val_loss",
        verbose=1,
    )
]
rng = np.random.default_rng(0)
x_train, y_train = rng.random((256, 784)).astype("float32"), rng.integers(0, 10, 256)
model.fit(x_train, y_train, epochs=2, batch_size=64, callbacks=callbacks, validation_split=0.2,
          verbose=0)
assert os.path.exists(os.path.join(folder, "mymodel_1.keras"))
