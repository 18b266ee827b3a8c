# Source: https://keras.io/guides/functional_api/ ("A toy ResNet model": residual connections with
# layers.add), written with Dense layers. Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import layers

inputs = keras.Input(shape=(32,), name="features")
x = layers.Dense(64, activation="relu")(inputs)
block_1_output = layers.Dense(64, activation="relu")(x)
x = layers.Dense(64, activation="relu")(block_1_output)
x = layers.Dense(64, activation="relu")(x)
block_2_output = layers.add([x, block_1_output])
outputs = layers.Dense(10)(block_2_output)
model = keras.Model(inputs, outputs, name="toy_resnet")
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
model.fit(rng.normal(size=(64, 32)), rng.integers(0, 10, 64), epochs=1, verbose=0)
