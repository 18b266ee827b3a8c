# Source: https://keras.io/api/callbacks/learning_rate_scheduler/ (docstring, Keras 3.15).
# Keras itself fails on this example as written (mse of y (5,) against a (5, 10) output in one
# batch: "Incompatible shapes for broadcasting"); kept to show both frameworks refuse it.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras
from microdense import ops


def scheduler(epoch, lr):
    if epoch < 10:
        return lr
    else:
        return lr * ops.exp(-0.1)


model = keras.models.Sequential([keras.layers.Dense(10)])
model.compile(keras.optimizers.SGD(), loss='mse')
round(model.optimizer.learning_rate, 5)

callback = keras.callbacks.LearningRateScheduler(scheduler)
history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5),
                    epochs=15, callbacks=[callback], verbose=0)
round(model.optimizer.learning_rate, 5)
