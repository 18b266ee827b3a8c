# Source: https://keras.io/api/layers/regularizers/ ("Usage of regularizers", "Creating custom
# regularizers").
# Translated: `from keras import ...` -> `from microdense import ...` (only).
from microdense import layers
from microdense import regularizers
from microdense import ops

layer = layers.Dense(
    units=64,
    kernel_regularizer=regularizers.L1L2(l1=1e-5, l2=1e-4),
    bias_regularizer=regularizers.L2(1e-4),
    activity_regularizer=regularizers.L2(1e-5)
)

tensor = ops.ones(shape=(5, 5)) * 2.0
out = layer(tensor)

# The kernel regularization term is 0.25
# The activity regularization term (after dividing by the batch size) is 5
print(ops.sum(layer.losses))  # 5.25 (= 5 + 0.25)


def my_regularizer(x):
    return 1e-3 * ops.sum(ops.square(x))


layer = layers.Dense(64, kernel_regularizer=my_regularizer)


class MyRegularizer(regularizers.Regularizer):

    def __init__(self, strength):
        self.strength = strength

    def __call__(self, x):
        return self.strength * ops.sum(ops.square(x))

    def get_config(self):
        return {'strength': self.strength}


layer = layers.Dense(64, kernel_regularizer=MyRegularizer(0.01))
layer(tensor)
