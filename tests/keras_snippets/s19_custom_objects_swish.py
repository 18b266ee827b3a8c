# Source: https://keras.io/api/models/model_saving_apis/serialization_utils/ (keras.saving.
# get_custom_objects: "get_custom_objects()['MyObject'] = MyObject") in the common form
# get_custom_objects().update({"swish": swish}), then saving and loading models.
# Translated: `import keras` -> `import microdense as keras` (only). Paths: a temporary folder.
import os
import tempfile

import numpy as np
import microdense as keras
from microdense import ops


def swish(x):
    return x * ops.sigmoid(x)


keras.saving.get_custom_objects().update({"swish": swish})

folder = tempfile.mkdtemp()
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.save(os.path.join(folder, "plain.keras"))
keras.models.load_model(os.path.join(folder, "plain.keras"))

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation=swish),
                          keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
x = np.random.random((8, 3))
model.save(os.path.join(folder, "swish.keras"))
loaded = keras.models.load_model(os.path.join(folder, "swish.keras"))
np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
