"""Any object as JSON and back, as keras.saving.serialize_keras_object / deserialize_keras_object.

    config = serialize_keras_object(Dense(3))
    # {"module": "microdense.layers", "class_name": "Dense", "config": {...},
    #  "registered_name": None, "build_config": None}
    layer = deserialize_keras_object(config)           # a new Dense(3), same config

Layers, models, losses, metrics, optimizers, initializers, regularizers and constraints are
dicts of this form; a function is {"class_name": "function", "config": its name}; lists,
dicts, numbers, strings and None stay themselves (their items serialized). A layer object
inside a get_config() (a block that takes its inner layer as an argument) is serialized the
same way, so the config is plain JSON.

Deserializing finds a class by name only, never by running anything from the config: first
`custom_objects` (and any custom_object_scope), then @register_keras_serializable names, then
microdense's own classes. A name found nowhere raises an error that says how to fix it.
"""
import inspect

from microdense import (activations, constraints, initializers, losses, metrics, optimizers,
                        regularizers, registry)


# ---- serializing -------------------------------------------------------------------------

def serialize_keras_object(obj):
    """`obj` as JSON-friendly data (see the module docstring)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if hasattr(obj, "tolist"):                     # numpy arrays and numbers
        return obj.tolist()
    registered = registry._REGISTERED_NAMES.get(obj if inspect.isclass(obj) or
                                                inspect.isfunction(obj) else type(obj))
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        name = registry.get_registered_name(obj)
        return {"module": obj.__module__, "class_name": "function", "config": name,
                "registered_name": name}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r} ({type(obj).__name__}): it has no "
                        f"get_config(). Give its class get_config() (the arguments that "
                        f"rebuild it) and register it with @register_keras_serializable().")
    serialized = {"module": type(obj).__module__, "class_name": type(obj).__name__,
                  "config": serialize_keras_object(obj.get_config()),
                  "registered_name": registered}
    if _is_layer(obj):
        serialized["build_config"] = obj.get_build_config()
    return serialized


def _is_layer(obj):
    return hasattr(obj, "get_build_config")     # the layers import this module, not vice versa


# ---- deserializing -------------------------------------------------------------------------

def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object serialize_keras_object described. safe_mode is accepted for Keras's
    signature: microdense never deserializes code (no lambdas, no pickles) in any mode."""
    if isinstance(config, list):
        return [deserialize_keras_object(item, custom_objects) for item in config]
    if isinstance(config, str):                   # a name: yours if registered, else itself
        found = registry.get_registered_object(config, custom_objects)
        return config if found is None else found
    if isinstance(config, dict) and "class_name" not in config:
        return {key: deserialize_keras_object(value, custom_objects)
                for key, value in config.items()}
    if not isinstance(config, dict):
        return config
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise ValueError(f"A serialized object's 'class_name' must be a string; received "
                         f"{class_name!r}.")
    inner = config.get("config")
    if class_name == "function":
        return _find_function(config.get("registered_name") or inner, custom_objects)
    cls = find_class(class_name, config.get("registered_name"), config.get("module"),
                     custom_objects)
    obj = from_config(cls, inner if isinstance(inner, dict) else {}, custom_objects)
    build_config = config.get("build_config")
    if build_config and _is_layer(obj) and not obj.built:
        obj.build_from_config(build_config)
    return obj


def from_config(cls, config, custom_objects=None):
    """cls.from_config(config), passing custom_objects to a from_config that takes it."""
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    with registry.custom_object_scope(custom_objects or {}):
        return cls.from_config(config)


def find_class(class_name, registered_name=None, module=None, custom_objects=None):
    """The class a saved name means: the user's (custom_objects, scopes, the registry), else
    microdense's own, looked up in the module the config names first."""
    for name in (registered_name, class_name):
        if name:
            found = registry.get_registered_object(name, custom_objects)
            if found is not None:
                return found
    tables = _builtin_objects()
    module = module or ""
    ordered = sorted(tables, key=lambda kind: kind not in module)   # the named module first
    for kind in ordered:
        if class_name in tables[kind]:
            return tables[kind][class_name]
    raise registry.missing_object_error("class", registered_name or class_name)


def _builtin_objects():
    """{module word: {class name: class}} of microdense's own serializable classes."""
    return {"layers": registry.builtin_objects("layers"),
            "models": registry.builtin_objects("models"),
            "losses": {k: v for k, v in losses.ALL_OBJECTS.items() if inspect.isclass(v)},
            "metrics": {k: v for k, v in metrics.ALL_OBJECTS.items() if inspect.isclass(v)},
            "optimizers": {cls.__name__: cls for cls in optimizers.ALL_OBJECTS.values()},
            "schedules": dict(optimizers.schedules.ALL_OBJECTS),
            "initializers": dict(initializers.ALL_INITIALIZERS),
            "regularizers": dict(regularizers.ALL_REGULARIZERS),
            "constraints": dict(constraints.ALL_OBJECTS)}


def _find_function(name, custom_objects=None):
    """A function saved by name: the user's first, then activations, losses, metrics."""
    if not isinstance(name, str):
        raise ValueError(f"A serialized function is saved by its name; received {name!r}.")
    found = registry.get_registered_object(name, custom_objects)
    if found is not None:
        return found
    for table in (activations.ALL_ACTIVATIONS, losses.ALL_OBJECTS, metrics.ALL_OBJECTS):
        if name in table and not inspect.isclass(table[name]):
            return table[name]
    raise registry.missing_object_error("function", name)
