# Source: https://keras.io/api/metrics/classification_metrics/#auc-class
# (keras.metrics.AUC docstring: standalone usage and usage with compile()).
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

m = keras.metrics.AUC(num_thresholds=3)
m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
# threshold values are [0 - 1e-7, 0.5, 1 + 1e-7]
# tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2], tn = [0, 2, 2]
# tp_rate = recall = [1, 0.5, 0], fp_rate = [1, 0, 0]
# auc = ((((1 + 0.5) / 2) * (1 - 0)) + (((0.5 + 0) / 2) * (0 - 0)))
#     = 0.75
assert abs(float(m.result()) - 0.75) < 1e-6

m.reset_state()
m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9],
               sample_weight=[1, 0, 0, 1])
assert float(m.result()) == 1.0

x = np.random.random((32, 3))
y = np.random.randint(0, 2, (32, 1))
model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, activation="sigmoid")])
# Reports the AUC of a model outputting a probability.
model.compile(optimizer='sgd',
              loss=keras.losses.BinaryCrossentropy(),
              metrics=[keras.metrics.AUC()])
model.fit(x, y, epochs=2, verbose=0)

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
# Reports the AUC of a model outputting a logit.
model.compile(optimizer='sgd',
              loss=keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=[keras.metrics.AUC(from_logits=True)])
model.fit(x, y, epochs=2, verbose=0)
