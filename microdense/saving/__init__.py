"""keras.saving: a model as one file, and Keras objects as JSON. Read in this order:

    saving_api.py    save_model / load_model / save_weights / load_weights: the file, atomically
    model_config.py  a model's config (Sequential, Functional, your subclass) as JSON and back
    compile_config.py  compile()'s settings as JSON and back (optimizer, loss, metrics)
    file_format.py   what a .mdz file holds, and the limits a file is checked against before
                     anything is allocated (a file is untrusted data: it never runs code)
    entries.py       one layer's or model's entry in config.json
    assets.py        files your layers save beside their weights (save_assets / load_assets)

Keras objects themselves become JSON in microdense/serialization.py, below the layers (a layer
may hold a layer in its config); this package only re-exports those names. It sits below the
models (Model.save calls it) and finds the model classes by name through the registry.
"""
from microdense.registry import (  # noqa: F401 (keras.saving's names)
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from microdense.saving.file_format import ModelFileError  # noqa: F401
from microdense.saving.model_config import model_from_config, model_from_json  # noqa: F401
from microdense.saving.saving_api import (  # noqa: F401
    load_model, load_weights, save_model, save_weights)
from microdense.serialization import (  # noqa: F401 (keras.saving's names)
    deserialize_keras_object, serialize_keras_object)
