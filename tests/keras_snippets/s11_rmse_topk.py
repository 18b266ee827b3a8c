# Source: https://keras.io/api/metrics/regression_metrics/#rootmeansquarederror-class and
# https://keras.io/api/metrics/accuracy_metrics/#topkcategoricalaccuracy-class (docstrings).
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras

m = keras.metrics.RootMeanSquaredError()
m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
assert float(m.result()) == 0.5

m.reset_state()
m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]],
               sample_weight=[1, 0])
assert abs(float(m.result()) - 0.70710677) < 1e-6

m = keras.metrics.TopKCategoricalAccuracy(k=1)
m.update_state([[0, 0, 1], [0, 1, 0]],
               [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
assert float(m.result()) == 0.5

m.reset_state()
m.update_state([[0, 0, 1], [0, 1, 0]],
               [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
               sample_weight=[0.7, 0.3])
assert abs(float(m.result()) - 0.3) < 1e-6

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer='sgd',
              loss='categorical_crossentropy',
              metrics=[keras.metrics.TopKCategoricalAccuracy(),
                       keras.metrics.RootMeanSquaredError()])
