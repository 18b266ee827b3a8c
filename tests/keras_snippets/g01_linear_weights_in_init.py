# Source: https://keras.io/guides/making_new_layers_and_models_via_subclassing/ ("The Layer
# class": Linear with add_weight in __init__, weights tracked as attributes).
# Translated: `import keras` -> `import microdense as keras`, `from keras import ops` likewise.
import numpy as np
import microdense as keras
from microdense import ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(
            shape=(input_dim, units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4, 2)
y = linear_layer(x)
print(y)
assert linear_layer.weights == [linear_layer.w, linear_layer.b]
assert tuple(y.shape) == (2, 4)
np.testing.assert_allclose(ops.convert_to_numpy(y), np.ones((2, 2)) @ linear_layer.w.numpy(),
                           rtol=1e-6)
