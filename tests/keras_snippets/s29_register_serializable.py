# Source: https://keras.io/guides/serialization_and_saving/ ("Registering custom objects":
# @keras.saving.register_keras_serializable on a custom function), with a Sequential model.
# Translated: `import keras` -> `import microdense as keras` (only). Paths: a temporary folder.
import os
import tempfile

import numpy as np
import microdense as keras
from microdense import ops


@keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
def custom_fn(x):
    return x**2


model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation=custom_fn)])
model.compile(optimizer="adam", loss="mse")
path = os.path.join(tempfile.mkdtemp(), "custom_model.keras")
model.save(path)
reconstructed_model = keras.models.load_model(path)
test_input = np.random.random((5, 4))
np.testing.assert_allclose(model.predict(test_input, verbose=0),
                           reconstructed_model.predict(test_input, verbose=0), rtol=1e-6)
