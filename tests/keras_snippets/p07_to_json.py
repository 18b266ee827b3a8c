# Source: https://keras.io/api/models/model_saving_apis/model_config_serialization/
# (Model.to_json and keras.models.model_from_json).
# Translated: `import keras` -> `import microdense as keras` (only).
import microdense as keras

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="relu")])
json_string = model.to_json()
new_model = keras.models.model_from_json(json_string)
assert len(new_model.layers) == len(model.layers)
