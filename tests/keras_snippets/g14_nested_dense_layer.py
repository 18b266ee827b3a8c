# Source: https://keras.io/guides/serialization_and_saving/ ("APIs for saving weights to disk":
# NestedDenseLayer inside a Sequential model; save_weights/load_weights). Paths: a temporary
# folder (microdense writes .npz data under Keras's required ".weights.h5" name).
# Translated: `import keras` -> `import microdense as keras` (only).
import os
import tempfile

import numpy as np
import microdense as keras


class NestedDenseLayer(keras.layers.Layer):
    def __init__(self, units, name=None):
        super().__init__(name=name)
        self.dense_1 = keras.layers.Dense(units, name="dense_1")
        self.dense_2 = keras.layers.Dense(units, name="dense_2")

    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))


nested_model = keras.Sequential([keras.Input((784,)), NestedDenseLayer(10, "nested")])
variable_names = [v.name for v in nested_model.weights]
print("variables: {}".format(variable_names))
assert len(variable_names) == 4

print("\nChanging trainable status of one of the nested layers...")
nested_model.get_layer("nested").dense_1.trainable = False
assert len(nested_model.trainable_weights) == 2
assert len(nested_model.non_trainable_weights) == 2

path = os.path.join(tempfile.mkdtemp(), "nested.weights.h5")
nested_model.save_weights(path)
x = np.random.default_rng(0).random((2, 784)).astype("float32")
expected = nested_model.predict(x, verbose=0)
nested_model.set_weights([np.zeros_like(w) for w in nested_model.get_weights()])
nested_model.load_weights(path)
np.testing.assert_allclose(nested_model.predict(x, verbose=0), expected)
