# Source: https://keras.io/guides/transfer_learning/ ("The typical transfer-learning workflow"
# and "Fine-tuning"), with a base model of Dense layers in place of Xception (and no pooling
# layer). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

base_model = keras.Sequential(
    [keras.Input(shape=(20,)), keras.layers.Dense(16, activation="relu"),
     keras.layers.Dense(8, activation="relu")]
)
base_model.trainable = False

inputs = keras.Input(shape=(20,))
# We make sure that the base_model is running in inference mode here,
# by passing `training=False`. This is important for fine-tuning, as you will
# learn in a few paragraphs.
x = base_model(inputs, training=False)
# A Dense classifier with a single unit (binary classification)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)
rng = np.random.default_rng(0)
x, y = rng.random((64, 20)).astype("float32"), rng.integers(0, 2, (64, 1))
frozen = [w.numpy().copy() for w in base_model.weights]
model.fit(x, y, epochs=2, verbose=0)
assert all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, base_model.weights))
assert len(model.trainable_weights) == 2

# Unfreeze the base model
base_model.trainable = True

# It's important to recompile your model after you make any changes
# to the `trainable` attribute of any inner layer, so that your changes
# are take into account
model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Very low learning rate
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

# Train end-to-end. Be careful to stop before you overfit!
model.fit(x, y, epochs=1, verbose=0)
assert len(model.trainable_weights) == 6
assert not all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, base_model.weights))
