"""How a layer is saved and rebuilt, with Keras's names: its config, its build config, its
assets. Layer (base.py) inherits these methods; this file keeps them apart from the
computing ones.

    config = layer.get_config()           # the constructor's arguments, as JSON
    again = type(layer).from_config(config)
    layer.get_build_config()              # {"input_shape": [None, 4]}: build before weights

A subclass that defines no get_config still saves: __new__ remembers the arguments it was
constructed with when they are plain JSON (Keras's "auto config").
"""
import inspect

from microdense import activations, constraints, initializers, regularizers, serialization


def serialize(module, obj):
    """module.serialize(obj), with None saved as None (no initializer, no regularizer)."""
    return None if obj is None else module.serialize(obj)


class LayerSaving:
    """get_config / from_config, get_build_config / build_from_config, save_assets /
    load_assets: the part of a Layer that saving reads."""

    def __new__(cls, *args, **kwargs):
        """Remember the constructor's arguments when they are plain JSON (numbers, strings,
        lists, dicts), as Keras's "auto config": a subclass that defines no get_config()
        can still be saved and rebuilt with them."""
        instance = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        except TypeError:                         # __init__ will raise its own error
            bound = None
        arguments = {}
        if bound is not None:
            for key, value in list(bound.arguments.items())[1:]:
                kind = inspect.signature(cls.__init__).parameters[key].kind
                if kind is inspect.Parameter.VAR_KEYWORD:
                    arguments.update(value)
                elif kind is not inspect.Parameter.VAR_POSITIONAL:
                    arguments[key] = value
        instance._auto_config = arguments if _plain_json(arguments) else None
        return instance

    def get_config(self):
        """The constructor arguments that rebuild this layer (JSON-friendly): name,
        trainable and dtype, so a subclass's get_config need only add its own
        (`{**super().get_config(), "units": self.units}`). A subclass that defines no
        get_config gets the arguments it was constructed with (Keras's auto config)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = serialize(regularizers, self.activity_regularizer)
        if type(self).get_config is LayerSaving.get_config:
            auto = getattr(self, "_auto_config", None)
            if auto is not None:
                config.update(auto)
                # Keep name/trainable/dtype only where __init__ takes them (Keras's rule).
                parameters = inspect.signature(type(self).__init__).parameters
                takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD
                                for p in parameters.values())
                for key in ("name", "trainable", "dtype"):
                    if not takes_any and key not in parameters and key not in auto:
                        config.pop(key)
        return config

    def get_build_config(self):
        """What build() was given, so loading can build the layer before its weights are
        assigned (Keras's {"input_shape": ...}); None for a layer never built."""
        if not self.built or self._build_input_shape is None:
            return None
        shape = self._build_input_shape
        if shape and isinstance(shape[0], (list, tuple)):
            return {"input_shape": [list(s) for s in shape]}
        return {"input_shape": list(shape)}

    def build_from_config(self, config):
        """Build from get_build_config()'s dict (loading does this before the weights)."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            several = bool(shape) and isinstance(shape[0], (list, tuple))
            self._build([tuple(s) for s in shape] if several else tuple(shape))

    def save_assets(self, dir_path):
        """Write files the layer needs besides its weights (a vocabulary) into dir_path.
        Default: none. load_assets(dir_path) reads them back when loading a model file."""

    def load_assets(self, dir_path):
        """Read what save_assets wrote (see save_assets). Default: nothing to read."""

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a layer from get_config()'s dict. Saved activations, initializers,
        regularizers and constraints (names or {"class_name", "config"} dicts) are looked up with
        `custom_objects` first; a layer inside the config (serialize_keras_object's
        {"module", "class_name", "config"}) is rebuilt too."""
        config = dict(config)
        for key, value in config.items():
            if value is None:
                continue
            if isinstance(value, dict) and {"module", "class_name", "config"} <= set(value):
                config[key] = serialization.deserialize_keras_object(value, custom_objects)
            elif key == "activation":
                config[key] = activations.deserialize(value, custom_objects)
            elif key.endswith(("_initializer", "_regularizer")):
                module = initializers if key.endswith("_initializer") else regularizers
                config[key] = module.deserialize(value, custom_objects)
            elif key.endswith("_constraint"):
                config[key] = constraints.deserialize(value, custom_objects)
        return cls(**config)


def _plain_json(value, depth=0):
    """Whether `value` is numbers, strings, booleans, None, and lists/dicts of them."""
    if depth > 20:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain_json(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_json(v, depth + 1) for k, v in value.items())
    return False
