# Source: https://keras.io/guides/making_new_layers_and_models_via_subclassing/ (the Linear layer
# with build() and add_weight), used inside a Sequential model. Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
        )
        self.b = self.add_weight(
            shape=(self.units,), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


x = ops.ones((2, 2))
linear_layer = Linear(4)
y = linear_layer(x)
print(y)

model = keras.Sequential([keras.Input(shape=(3,)), Linear(8), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
rng = np.random.default_rng(0)
model.fit(rng.normal(size=(32, 3)), rng.normal(size=(32, 1)), epochs=2, verbose=0)
