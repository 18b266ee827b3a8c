# Source: https://keras.io/api/layers/initializers/ ("Usage of initializers", "Creating custom
# initializers").
# Translated: `import keras` -> `import microdense as keras`, `from keras import ...` likewise.
import microdense as keras
from microdense import layers
from microdense import initializers

layer = layers.Dense(
    units=64,
    kernel_initializer=initializers.RandomNormal(stddev=0.01),
    bias_initializer=initializers.Zeros()
)
layer = layers.Dense(
    units=64,
    kernel_initializer='random_normal',
    bias_initializer='zeros'
)

initializer = keras.initializers.RandomNormal(mean=0., stddev=1.)
values = initializer(shape=(2, 2))


def my_init(shape, dtype=None):
    return keras.random.normal(shape, dtype=dtype)


layer = layers.Dense(64, kernel_initializer=my_init)
layer.build((None, 8))
assert layer.kernel.shape == (8, 64)


class ExampleRandomNormal(keras.initializers.Initializer):

    def __init__(self, mean, stddev):
      self.mean = mean
      self.stddev = stddev

    def __call__(self, shape, dtype=None):
      return keras.random.normal(
          shape, mean=self.mean, stddev=self.stddev, dtype=dtype)

    def get_config(self):  # To support serialization
      return {'mean': self.mean, 'stddev': self.stddev}


layer = layers.Dense(4, kernel_initializer=ExampleRandomNormal(0.0, 0.5))
layer.build((None, 3))
