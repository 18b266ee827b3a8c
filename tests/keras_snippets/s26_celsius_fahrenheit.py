# Source: https://github.com/tensorflow/examples/blob/master/courses/udacity_intro_to_tensorflow_for_deep_learning/l02c01_celsius_to_fahrenheit.ipynb
# (Dense(units=1, input_shape=[1]) fitted on 1-D arrays, then predict on a 1-D array).
# Translated: `tf.keras` -> `keras` with `import microdense as keras`; 500 epochs kept.
import numpy as np
import microdense as keras

celsius_q    = np.array([-40, -10,  0,  8, 15, 22,  38],  dtype=float)
fahrenheit_a = np.array([-40,  14, 32, 46, 59, 72, 100],  dtype=float)

l0 = keras.layers.Dense(units=1, input_shape=[1])
model = keras.Sequential([l0])
model.compile(loss='mean_squared_error',
              optimizer=keras.optimizers.Adam(0.1))
history = model.fit(celsius_q, fahrenheit_a, epochs=500, verbose=False)
print(model.predict(np.array([100.0])))
