# Source: https://keras.io/guides/making_new_layers_and_models_via_subclassing/ ("The Model
# class": a Model of blocks trained with fit() and saved with save_weights()), with MLPBlock
# blocks in place of the sketch's ResNet blocks. Data: seeded arrays. Paths: a temporary
# folder.
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import os
import tempfile

import numpy as np
import microdense as keras
from microdense import layers


class MLPBlock(layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = layers.Dense(32, activation="relu")
        self.linear_2 = layers.Dense(32, activation="relu")

    def call(self, inputs):
        return self.linear_2(self.linear_1(inputs))


class ResNet(keras.Model):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.block_1 = MLPBlock()
        self.block_2 = MLPBlock()
        self.classifier = layers.Dense(num_classes)

    def call(self, inputs):
        x = self.block_1(inputs)
        x = self.block_2(x)
        return self.classifier(x)


resnet = ResNet(num_classes=10)
resnet.compile(optimizer="adam",
               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
rng = np.random.default_rng(0)
x, y = rng.random((64, 16)).astype("float32"), rng.integers(0, 10, 64)
before = [w.numpy().copy() for w in resnet.weights] if resnet.built else None
resnet.fit(x, y, epochs=2, verbose=0)
assert len(resnet.weights) == 10 and len(resnet.trainable_weights) == 10
path = os.path.join(tempfile.mkdtemp(), "resnet.weights.h5")
resnet.save_weights(path)
again = ResNet(num_classes=10)
again(x[:1])
again.load_weights(path)
np.testing.assert_allclose(again.predict(x, verbose=0), resnet.predict(x, verbose=0),
                           rtol=1e-6)
