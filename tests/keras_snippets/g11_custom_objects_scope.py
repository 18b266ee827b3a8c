# Source: https://keras.io/guides/serialization_and_saving/ ("Custom objects": a registered
# function and layer whose get_config() holds only its own argument; loading with
# register_keras_serializable, with custom_objects, and inside custom_object_scope).
# Translated: `import keras` -> `import microdense as keras` (only). Paths: a temporary folder.
import os
import tempfile

import numpy as np
import microdense as keras


@keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
def custom_fn(x):
    return x**2


@keras.saving.register_keras_serializable(package="MyLayers")
class CustomLayer(keras.layers.Layer):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


# Create the model.
def get_model():
    inputs = keras.Input(shape=(4,))
    mid = CustomLayer(0.5)(inputs)
    outputs = keras.layers.Dense(1, activation=custom_fn)(mid)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="mean_squared_error")
    return model


# Train the model.
def train_model(model):
    input = np.random.random((4, 4))
    target = np.random.random((4, 1))
    model.fit(input, target, verbose=0)
    return model


test_input = np.random.random((4, 4))
test_target = np.random.random((4, 1))

folder = tempfile.mkdtemp()
path = os.path.join(folder, "custom_model.keras")
model = get_model()
model = train_model(model)
model.save(path)

# Now, we can simply load without worrying about our custom objects.
reconstructed_model = keras.models.load_model(path)

# Let's check:
np.testing.assert_allclose(
    model.predict(test_input, verbose=0), reconstructed_model.predict(test_input, verbose=0)
)

# Upon loading, pass a dict containing the custom objects used in the
# `custom_objects` argument of `keras.models.load_model()`.
reconstructed_model = keras.models.load_model(
    path, custom_objects={"CustomLayer": CustomLayer, "custom_fn": custom_fn},
)

# Any custom layers or models or functions within the scope will be loaded.
with keras.saving.custom_object_scope({"CustomLayer": CustomLayer, "custom_fn": custom_fn}):
    reconstructed_model = keras.models.load_model(path)
np.testing.assert_allclose(
    model.predict(test_input, verbose=0), reconstructed_model.predict(test_input, verbose=0)
)
