# Source: https://keras.io/api/layers/constraints/ ("Usage of constraints", and the custom
# NonNegative constraint of keras.constraints.Constraint's docstring).
# Translated: `from keras...` -> `from microdense...` (only).
import numpy as np
import microdense as keras
from microdense import ops
from microdense.constraints import max_norm
from microdense.layers import Dense
from microdense.models import Sequential

model = Sequential()
model.add(keras.Input(shape=(16,)))
model.add(Dense(64, kernel_constraint=max_norm(2.)))


class NonNegative(keras.constraints.Constraint):

 def __call__(self, w):
   return w * ops.cast(ops.greater_equal(w, 0.), dtype=w.dtype)


weight = ops.convert_to_tensor((-1.0, 1.0))
assert list(np.asarray(NonNegative()(weight))) == [0.0, 1.0]

model.add(keras.layers.Dense(4, kernel_constraint=NonNegative()))
model.compile(optimizer="sgd", loss="mse")
model.fit(np.random.random((32, 16)), np.random.random((32, 4)), epochs=2, verbose=0)
assert np.all(model.layers[-1].get_weights()[0] >= 0)
assert np.all(np.linalg.norm(model.layers[0].get_weights()[0], axis=0) <= 2.0 + 1e-5)
