# Source: https://keras.io/guides/making_new_layers_and_models_via_subclassing/ ("Privileged
# training argument in the call() method": CustomDropout), inside a subclassed model whose
# call() declares `training` but does not pass it on: the layer still sees fit's
# training=True (Keras's call context). Data: seeded arrays.
# Translated: `import keras` -> `import microdense as keras` (only).
import numpy as np
import microdense as keras


class CustomDropout(keras.layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.calls = []

    def call(self, inputs, training=None):
        self.calls.append(training)
        if training:
            return keras.random.dropout(inputs, rate=self.rate, seed=self.seed_generator)
        return inputs


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.dropout = CustomDropout(0.5)
        self.out = keras.layers.Dense(1)

    def call(self, inputs, training=None):
        return self.out(self.dropout(self.hidden(inputs)))


model = Net()
model.compile(optimizer="sgd", loss="mse")
x = np.random.default_rng(0).random((16, 4)).astype("float32")
model.fit(x, x[:, :1], batch_size=16, epochs=1, verbose=0)
assert model.dropout.calls[-1] is True          # fit trains: training=True reached it
model.predict(x, verbose=0)
assert not model.dropout.calls[-1]              # predict: training=False
