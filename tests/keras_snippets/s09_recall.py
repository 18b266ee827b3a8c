# Source: https://keras.io/api/metrics/classification_metrics/#recall-class
# (keras.metrics.Recall docstring).
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras

m = keras.metrics.Recall()
m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
assert abs(float(m.result()) - 0.6666667) < 1e-6

m.reset_state()
m.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
assert float(m.result()) == 1.0
