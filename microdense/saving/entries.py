"""How one layer or model is written into a config, and given back its names when rebuilt.

    {"class_name": "Block", "config": {...get_config()...}, "name": "block",
     "sublayer_names": ["dense_4", "dense_5"], "build_config": {"input_shape": [null, 8]}}

A layer of yours makes its inner layers in __init__, and a rebuilt one gets new names
(dense_9, ...); its weights are saved under the old ones ("dense_4/kernel"). So the entry
keeps the names of the layers inside it, in tracking order, and loading gives them back
before the layer is built: the weights then come out with their saved names. A model of
your own class is saved the same way, under its registered name (saved_class_name).
"""
from microdense import registry
from microdense.saving.file_format import MODEL_CLASSES
from microdense.layers.base import _check_name
from microdense.serialization import serialize_keras_object


def user_class(layer):
    """The class the user wrote: for a functional model made by a Model subclass
    (models/model.py's functional_subclass), that subclass."""
    cls = type(layer)
    return cls.__dict__.get("_made_for_subclass", cls)


def saved_class_name(model):
    """"Sequential" or "Functional" (also for your subclass of one: its config is theirs); for
    a subclassed model (yours, defined by its call()), its registered name: the file names the
    class and holds its get_config(); loading finds the class in your code (custom_objects or
    @register_keras_serializable), never in the file."""
    cls = user_class(model)
    registered = registry._REGISTERED_NAMES.get(cls)
    for base in type(model).__mro__:
        if base.__name__ in MODEL_CLASSES and base.__module__.startswith("microdense."):
            if registered is None or cls is not type(model):
                return base.__name__
    return registered or cls.__name__


def layer_entry(layer):
    """How a layer is saved: {"class_name", "config", "name", ...}, with the names of the
    layers inside a layer of yours (its __init__ makes them again, with new names, when it is
    rebuilt: loading gives them back their saved names, which its weights are saved under)
    and its build config."""
    entry = {"class_name": registry.get_registered_name(user_class(layer)),
             "config": serialize_keras_object(layer.get_config()), "name": layer.name}
    if entry["class_name"] not in MODEL_CLASSES:
        inner = [sublayer.name for sublayer in layer._flatten_layers()[1:]]
        if inner:
            entry["sublayer_names"] = inner
        entry["build_config"] = layer.get_build_config()
    return entry


def restore_layer_entry(layer, entry, where="a layer"):
    """Give a rebuilt layer (not built yet) its saved name and its layers' saved names, then
    build it from its build config."""
    names = [entry.get("name")] + list(entry.get("sublayer_names") or ())
    layers = layer._flatten_layers()
    if entry.get("name") is not None and not layer.built:
        if len(names) != len(layers) and entry.get("sublayer_names"):
            raise ValueError(f"Cannot restore {where} '{entry.get('name')}': it was saved with "
                             f"{len(names) - 1} layers inside it, and rebuilding it from its "
                             f"config made {len(layers) - 1}. Its __init__ must make the same "
                             f"layers as when it was saved.")
        for sublayer, name in zip(layers, names):
            _check_name(name, "Saved layer")
            old = sublayer.name
            sublayer.name = name
            sublayer._scope = None
            for weight in sublayer._own_weights():    # made in __init__, before renaming
                if weight.name.startswith(f"{old}/"):
                    weight.name = f"{name}/{weight.name[len(old) + 1:]}"
    if entry.get("build_config") and not layer.built:
        layer.build_from_config(entry["build_config"])


def model_entry(model):
    """{"class_name", "config", ...} of a model file's config.json (and of to_json)."""
    class_name = saved_class_name(model)
    if class_name in MODEL_CLASSES:
        return {"class_name": class_name, "config": model.get_config()}
    entry = layer_entry(model)
    entry["class_name"] = class_name
    return entry


def has_own_classes(config):
    """Whether a model file's config holds a layer or model of a user's class (one whose
    inner layers are named again when it is rebuilt: see layer_entry)."""
    if config.get("class_name") not in MODEL_CLASSES:
        return True
    stack = [config.get("config")]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "sublayer_names" in item:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
