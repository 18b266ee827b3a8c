# Source: https://keras.io/guides/serialization_and_saving/ ("Config of the model":
# get_config/from_config of a layer, a Sequential and a functional model, to_json and
# model_from_json, clone_model, serialize_keras_object/deserialize_keras_object).
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras

layer = keras.layers.Dense(3, activation="relu")
layer_config = layer.get_config()
print(layer_config)
new_layer = keras.layers.Dense.from_config(layer_config)

model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
config = model.get_config()
new_model = keras.Sequential.from_config(config)
new_model = keras.models.clone_model(model)
assert len(new_model.weights) == 2

inputs = keras.Input((32,))
outputs = keras.layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)
config = model.get_config()
new_model = keras.Model.from_config(config)
assert new_model.output_shape == (None, 1)

model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
json_config = model.to_json()
new_model = keras.models.model_from_json(json_config)

my_reg = keras.regularizers.L1(0.005)
config = keras.saving.serialize_keras_object(my_reg)
print(config)
new_reg = keras.saving.deserialize_keras_object(config)
assert new_reg.get_config() == my_reg.get_config()
