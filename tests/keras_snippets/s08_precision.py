# Source: https://keras.io/api/metrics/classification_metrics/#precision-class
# (keras.metrics.Precision docstring: standalone usage and usage with compile()).
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

m = keras.metrics.Precision()
m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
assert abs(float(m.result()) - 0.6666667) < 1e-6

m.reset_state()
m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
assert float(m.result()) == 1.0

# With top_k=2, it will calculate precision over y_true[:2]
# and y_pred[:2]
m = keras.metrics.Precision(top_k=2)
m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
assert float(m.result()) == 0.0

# With top_k=4, it will calculate precision over y_true[:4]
# and y_pred[:4]
m = keras.metrics.Precision(top_k=4)
m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
assert float(m.result()) == 0.5

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer='sgd',
              loss='binary_crossentropy',
              metrics=[keras.metrics.Precision()])
model.fit(np.random.random((20, 3)), np.random.randint(0, 2, (20, 1)), epochs=2, verbose=0)
