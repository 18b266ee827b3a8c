# Source: https://keras.io/guides/making_new_layers_and_models_via_subclassing/ ("Layers can have
# non-trainable weights": ComputeSum with assign_add).
# Translated: `import keras` -> `import microdense as keras`, `from keras import ops` likewise.
import numpy as np
import microdense as keras
from microdense import ops


class ComputeSum(keras.layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(
            initializer="zeros", shape=(input_dim,), trainable=False
        )

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


x = ops.ones((2, 2))
my_sum = ComputeSum(2)
y = my_sum(x)
print(y.numpy())
y = my_sum(x)
print(y.numpy())
np.testing.assert_array_equal(y.numpy(), [4.0, 4.0])

print("weights:", len(my_sum.weights))
print("non-trainable weights:", len(my_sum.non_trainable_weights))
print("trainable_weights:", my_sum.trainable_weights)
assert len(my_sum.weights) == 1 and len(my_sum.non_trainable_weights) == 1
assert my_sum.trainable_weights == []
