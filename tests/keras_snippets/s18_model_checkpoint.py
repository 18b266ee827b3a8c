# Source: https://keras.io/api/callbacks/model_checkpoint/ (docstring). Data: seeded arrays;
# the file goes to a temporary folder instead of /tmp/ckpt.
# Translated: `import keras` -> `import microdense as keras` (only).
import os
import tempfile

import numpy as np
import microdense as keras

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 4))
y = (x[:, :1] > 0).astype("float32")
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
EPOCHS = 3
checkpoint_filepath = os.path.join(tempfile.mkdtemp(), 'checkpoint.model.keras')
model_checkpoint_callback = keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_filepath,
    monitor='val_accuracy',
    mode='max',
    save_best_only=True)

# Model is saved at the end of every epoch, if it's the best seen so far.
model.fit(x, y, epochs=EPOCHS, validation_split=0.25, callbacks=[model_checkpoint_callback],
          verbose=0)

# The model (that are considered the best) can be loaded as -
keras.models.load_model(checkpoint_filepath)
