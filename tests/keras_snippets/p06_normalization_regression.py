# Source: https://www.tensorflow.org/tutorials/keras/regression (the Normalization layer adapted
# to the features, then a Dense network). Data: seeded arrays instead of Auto MPG.
# Translated: `from tensorflow import keras` / `tf.keras` -> `import microdense as keras`.
import numpy as np
import microdense as keras
from microdense import layers

rng = np.random.default_rng(0)
train_features = rng.normal(3.0, 2.0, size=(300, 9)).astype("float32")
train_labels = train_features @ rng.normal(size=9) + rng.normal(size=300)

normalizer = keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))


def build_and_compile_model(norm):
  model = keras.Sequential([
      norm,
      layers.Dense(64, activation='relu'),
      layers.Dense(64, activation='relu'),
      layers.Dense(1)
  ])

  model.compile(loss='mean_absolute_error',
                optimizer=keras.optimizers.Adam(0.001))
  return model


dnn_model = build_and_compile_model(normalizer)
history = dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0,
                        epochs=5)
