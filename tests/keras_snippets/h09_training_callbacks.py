# Source: https://keras.io/guides/training_with_built_in_methods/ ("Using callbacks":
# EarlyStopping with min_delta and patience, and the LossHistory callback).
# Data: seeded arrays in place of MNIST; at most 5 epochs.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import numpy as np
import microdense as keras
from microdense import layers


def get_compiled_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer="rmsprop",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    return model


rng = np.random.default_rng(0)
x_train, y_train = rng.random((256, 784)).astype("float32"), rng.integers(0, 10, 256)

model = get_compiled_model()

callbacks = [
    keras.callbacks.EarlyStopping(
        # Stop training when `val_loss` is no longer improving
        monitor="val_loss",
        # "no longer improving" being defined as "no better than 1e-2 less"
        min_delta=1e-2,
        # "no longer improving" being further defined as "for at least 2 epochs"
        patience=2,
        verbose=1,
    )
]
history = model.fit(
    x_train,
    y_train,
    epochs=5,
    batch_size=64,
    callbacks=callbacks,
    validation_split=0.2,
    verbose=0,
)
assert 1 <= len(history.history["loss"]) <= 5


class LossHistory(keras.callbacks.Callback):
    def on_train_begin(self, logs):
        self.per_batch_losses = []

    def on_batch_end(self, batch, logs):
        self.per_batch_losses.append(logs.get("loss"))


loss_history = LossHistory()
model.fit(x_train, y_train, epochs=1, batch_size=64, callbacks=[loss_history], verbose=0)
assert len(loss_history.per_batch_losses) == 4
