# Source: https://keras.io/api/models/model/ (keras.Model docstring, "By subclassing the Model
# class").
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras


class MyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(32, activation="relu")
        self.dense2 = keras.layers.Dense(5, activation="softmax")

    def call(self, inputs):
        x = self.dense1(inputs)
        return self.dense2(x)


model = MyModel()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.random((32, 8)), np.random.randint(0, 5, 32), epochs=1, verbose=0)
