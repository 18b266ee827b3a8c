# Source: https://keras.io/guides/customizing_what_happens_in_fit/ (a keras.Model subclass
# instantiated functionally, `CustomModel(inputs, outputs)`, here adding a method of its own
# instead of a backend-specific train_step) and https://keras.io/api/models/model/.
# Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras


class CustomModel(keras.Model):
    def describe(self):
        return f"{len(self.layers)} layers"


# Construct and compile an instance of CustomModel
inputs = keras.Input(shape=(32,))
outputs = keras.layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam", loss="mse", metrics=["mae"])

# Just use `fit` as usual
x = np.random.random((1000, 32))
y = np.random.random((1000, 1))
history = model.fit(x, y, epochs=3, verbose=0)
assert isinstance(model, CustomModel) and model.describe() == "2 layers"
assert history.history["loss"][-1] < history.history["loss"][0]
config = model.get_config()
again = CustomModel.from_config(config)
assert isinstance(again, CustomModel) and len(again.layers) == 2
