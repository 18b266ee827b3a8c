# Source: https://keras.io/guides/functional_api/ (Keras 3), "Introduction" and "Training,
# evaluation, and inference". Data: seeded arrays instead of MNIST; 1 epoch.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import layers

inputs = keras.Input(shape=(784,))
dense = layers.Dense(64, activation="relu")
x = dense(inputs)
x = layers.Dense(64, activation="relu")(x)
outputs = layers.Dense(10)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
model.summary()

rng = np.random.default_rng(0)
x_train = rng.random((256, 784)).astype("float32")
y_train = rng.integers(0, 10, 256)
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)
history = model.fit(x_train, y_train, batch_size=64, epochs=1, validation_split=0.2,
                    verbose=0)
