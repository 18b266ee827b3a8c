# Source: https://keras.io/api/utils/python_utils/#tocategorical-function (docstring).
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras

a = keras.utils.to_categorical([0, 1, 2, 3], num_classes=4)
print(a)

b = np.array([.9, .04, .03, .03,
              .3, .45, .15, .13,
              .04, .01, .94, .05,
              .12, .21, .5, .17]).reshape(4, 4)
loss = keras.ops.categorical_crossentropy(a, b)
print(np.around(loss, 5))

loss = keras.ops.categorical_crossentropy(a, a)
print(np.around(loss, 5))
