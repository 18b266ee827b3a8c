# Source: https://keras.io/guides/serialization_and_saving/ ("Saving": get_model, fit,
# model.save, keras.models.load_model, and the check that predictions agree). Paths: a
# temporary folder.
# Translated: `import keras` -> `import microdense as keras` (only).
import os
import tempfile

import numpy as np
import microdense as keras


def get_model():
    # Create a simple model.
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    return model


model = get_model()

# Train the model.
test_input = np.random.random((128, 32))
test_target = np.random.random((128, 1))
model.fit(test_input, test_target, verbose=0)

# Calling `save('my_model.keras')` creates a zip archive `my_model.keras`.
path = os.path.join(tempfile.mkdtemp(), "my_model.keras")
model.save(path)

# It can be used to reconstruct the model identically.
reconstructed_model = keras.models.load_model(path)

# Let's check:
np.testing.assert_allclose(
    model.predict(test_input, verbose=0), reconstructed_model.predict(test_input, verbose=0)
)
