# Source: https://keras.io/guides/training_with_built_in_methods/ ("Using sample weighting and
# class weighting": class_weight and sample_weight in fit), with weighted_metrics from
# https://keras.io/api/models/model_training_apis/ (compile). Data: seeded arrays.
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
        weighted_metrics=["sparse_categorical_accuracy"],
    )
    return model


rng = np.random.default_rng(0)
x_train, y_train = rng.random((256, 784)).astype("float32"), rng.integers(0, 10, 256)

class_weight = {
    0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0,
    # Set weight "2" for class "5",
    # making this class 2x more important
    5: 2.0,
    6: 1.0, 7: 1.0, 8: 1.0, 9: 1.0,
}

print("Fit with class weight")
model = get_compiled_model()
history = model.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1,
                    verbose=0)
assert "weighted_sparse_categorical_accuracy" in history.history

sample_weight = np.ones(shape=(len(y_train),))
sample_weight[y_train == 5] = 2.0

print("Fit with sample weight")
model = get_compiled_model()
model.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1, verbose=0)
logs = model.evaluate(x_train, y_train, sample_weight=sample_weight, verbose=0,
                      return_dict=True)
predicted = model.predict(x_train, verbose=0).argmax(axis=1)
np.testing.assert_allclose(logs["sparse_categorical_accuracy"],
                           np.mean(predicted == y_train), rtol=1e-5)
np.testing.assert_allclose(logs["weighted_sparse_categorical_accuracy"],
                           np.average(predicted == y_train, weights=sample_weight), rtol=1e-5)
