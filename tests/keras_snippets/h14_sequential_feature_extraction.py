# Source: https://keras.io/guides/sequential_model/ ("Feature extraction with a Sequential
# model": a functional model over the Sequential model's inputs and each layer's output),
# written with Dense layers in place of Conv2D.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import layers

initial_model = keras.Sequential(
    [
        keras.Input(shape=(250,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(32, activation="relu"),
        layers.Dense(32, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)

# Call feature extractor on test input.
x = np.ones((1, 250))
features = feature_extractor(x)
assert len(features) == 3

initial_model = keras.Sequential(
    [
        keras.Input(shape=(250,)),
        layers.Dense(32, activation="relu"),
        layers.Dense(32, activation="relu", name="my_intermediate_layer"),
        layers.Dense(32, activation="relu"),
    ]
)
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output,
)
# Call feature extractor on test input.
x = np.ones((1, 250))
features = feature_extractor(x)
assert tuple(features.shape) == (1, 32)
