# Source: https://keras.io/api/optimizers/learning_rate_schedules/piecewise_constant_decay/
# (keras.optimizers.schedules.PiecewiseConstantDecay docstring).
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras
from microdense import ops

step = ops.array(0)
boundaries = [100000, 110000]
values = [1.0, 0.5, 0.1]
learning_rate_fn = keras.optimizers.schedules.PiecewiseConstantDecay(
    boundaries, values)

# Later, whenever we perform an optimization step, we pass in the step.
learning_rate = learning_rate_fn(step)
assert float(learning_rate) == 1.0
assert float(learning_rate_fn(105000)) == 0.5
