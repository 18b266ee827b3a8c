"""keras.utils: the helpers Keras code reaches for, gathered under Keras's names.

    md.utils.set_random_seed(0)             # same weights, same Dropout masks, same shuffling

    @md.utils.register_keras_serializable()  # saved as "Custom>scaled_tanh", found on load
    def scaled_tanh(x):
        return 1.7159 * md.tanh(2.0 / 3.0 * x)

This module only gathers: each helper lives where its idea does (the registry in registry.py,
the generator in random.py, serialization in saving/). It sits above the three tiers, beside
the package's __init__, because plot_model belongs to the drawings.
"""
from microdense.models.data import to_categorical  # noqa: F401
from microdense.py_dataset import PyDataset  # noqa: F401
from microdense.random import get_rng, set_random_seed  # noqa: F401
from microdense.registry import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from microdense.serialization import (  # noqa: F401
    deserialize_keras_object, serialize_keras_object)


def plot_model(model, *args, **kwargs):
    """keras.utils.plot_model's spelling of md.plot_model (see microdense.graph)."""
    from microdense.graph import plot_model as draw_layers    # graphviz only when used
    return draw_layers(model, *args, **kwargs)
