# Source: https://keras.io/api/layers/activations/ (usage, keras.activations.relu examples and
# "Creating custom activations").
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import microdense as keras
from microdense import layers
from microdense import activations
from microdense import ops

model = keras.Sequential([keras.Input(shape=(8,))])
model.add(layers.Dense(64))
model.add(layers.Activation(activations.relu))
model.add(layers.Dense(64, activation=activations.relu))
model.add(layers.Dense(64, activation='relu'))

x = [-10, -5, 0.0, 5, 10]
print(keras.activations.relu(x))
print(keras.activations.relu(x, negative_slope=0.5))
print(keras.activations.relu(x, max_value=5.))
print(keras.activations.relu(x, threshold=5.))

model.add(layers.Dense(64, activation=ops.tanh))
