"""A model as JSON and back: Sequential and Functional configs, and your Model subclass's.

    model_from_json(model.to_json())          # the same layers, new weights

What config.json holds for a model; save_model writes it (saving_api.py) and loading rebuilds
the model from it, each weight checked against the file before it is allocated (file_format.py).
Model classes are found by name through the registry: the models import this package.
"""
import inspect
import json

from microdense import registry, serialization
from microdense import layers as layers_module
from microdense.saving import file_format
from microdense.saving.entries import layer_entry, restore_layer_entry
from microdense.saving.file_format import (FORMAT, MAX_BUILD_WEIGHTS, MODEL_CLASSES, RAW_ERRORS,
                                           ModelFileError, allow_weights, check_input_sizes,
                                           hostile)


def _base_method(model, name):
    """microdense's own Model.<name> (to tell whether a subclass overrides it)."""
    return getattr(registry.builtin_objects("models")["Model"], name)


def _model_class(class_name):
    return registry.builtin_objects("models")[class_name]     # the models import this package


def model_from_config(config, custom_objects=None, max_weights=MAX_BUILD_WEIGHTS):
    """A model from save_model's config.json contents: Sequential, Functional, or your
    subclass of Model, found by its saved name in custom_objects or the registry. Its layers
    may create `max_weights` weight values in all (8,388,608: 32 MB of float32), each weight
    checked before it is allocated; raise it for a bigger model you trust."""
    class_name = config.get("class_name")
    with allow_weights(max_weights, "the model config"):
        if class_name in MODEL_CLASSES:
            return _model_class(class_name).from_config(config["config"], custom_objects)
        Model = _model_class("Model")
        cls = registry.get_registered_object(str(class_name), custom_objects)
        if cls is None:
            raise registry.missing_object_error("model class", str(class_name))
        if not (inspect.isclass(cls) and issubclass(cls, Model)):
            raise ValueError(f"Cannot load a model of class {class_name!r}: the name refers "
                             f"to {cls!r}, which is not a subclass of Model.")
        model = serialization.from_config(cls, config["config"], custom_objects)
        restore_layer_entry(model, config, "model")
        return model


# ---- functional models: the layers, and the calls that connect them ------------------------
#
#   {"name": "functional", "trainable": true,
#    "layers": [{"class_name": "InputLayer", "config": {...}}, {"class_name": "Dense", ...}],
#    "nodes": [{"layer": "dense", "args": [["input_layer", 0, 0]], "several": false}, ...],
#    "inputs": [["input_layer", 0, 0]], "outputs": [["dense", 0, 0]],
#    "input_keys": null, "output_keys": null}
#
# A tensor is [layer name, call number of that layer within this model, output number]; the
# nodes are in the order they run, so loading replays them, calling each layer on tensors
# that already exist. An InputLayer's call number 0 is the Input itself.

def functional_config(model):
    """get_config() of a Functional model (the layout above)."""
    calls = {}                                    # node -> its call number within the model
    call_counts = {}                              # layer -> how many of its calls so far

    def ref(tensor):
        node = tensor.node
        if node not in calls:                     # an Input
            if node.inputs:
                raise ValueError(f"Cannot save model '{model.name}': its input "
                                 f"{tensor!r} is not an Input(), and a saved model starts "
                                 f"from Inputs.")
            calls[node] = 0
        return [node.layer.name, calls[node], tensor.index]

    nodes = []
    for node in model._nodes:
        args = [ref(tensor) for tensor in node.inputs]
        calls[node] = call_counts.get(node.layer, 0)
        call_counts[node.layer] = calls[node] + 1
        nodes.append({"layer": node.layer.name, "args": args, "several": node.several})
    return {"name": model.name, "trainable": model.trainable,
            "layers": [layer_entry(layer) for layer in model.layers],
            "nodes": nodes,
            "inputs": [ref(t) for t in model.inputs],
            "outputs": [ref(t) for t in model.outputs],
            "input_keys": None if model._single_input else model._input_keys,
            "output_keys": None if model._single_output else model._output_keys,
            "single_input": model._single_input, "single_output": model._single_output}


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a Functional model: its layers, then each call in order, on symbolic tensors."""
    layers = {}
    for layer_config in config["layers"]:
        layer = deserialize_layer(layer_config, custom_objects)
        if layer.name in layers:
            raise ModelFileError(f"corrupt or hostile model file: two layers are named "
                                 f"'{layer.name}'.")
        layers[layer.name] = layer
    calls = {name: [] for name in layers}         # layer name -> its calls' outputs, in order
    for name, layer in layers.items():
        if isinstance(layer, layers_module.InputLayer):
            calls[name].append([layer.output])

    def tensor(ref):
        name, call, index = ref
        if name not in calls or not 0 <= call < len(calls[name]) or \
                not 0 <= index < len(calls[name][call]):
            raise ModelFileError(f"corrupt or hostile model file: the config refers to "
                                 f"output {index} of call {call} of layer '{name}', which no "
                                 f"earlier node made.")
        return calls[name][call][index]

    for node in config["nodes"]:
        if node["layer"] not in layers:
            raise ModelFileError(f"corrupt or hostile model file: a node calls the unknown "
                                 f"layer '{node['layer']}'.")
        args = [tensor(ref) for ref in node["args"]]
        out = layers[node["layer"]](args if node["several"] else args[0])
        calls[node["layer"]].append(out if isinstance(out, list) else [out])

    def structure(refs, keys, single):
        tensors = [tensor(ref) for ref in refs]
        if single:
            return tensors[0]
        return dict(zip(keys, tensors)) if keys is not None else tensors

    inputs = structure(config["inputs"], config.get("input_keys"), config.get("single_input"))
    outputs = structure(config["outputs"], config.get("output_keys"),
                        config.get("single_output"))
    return cls(inputs, outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def model_from_json(json_string, custom_objects=None, max_weights=MAX_BUILD_WEIGHTS):
    """A model (new weights) from the architecture Model.to_json wrote, as Keras's. The text
    is checked field by field as a model file's config is: it never runs code. Sizes are
    checked before anything is allocated: JSON nested beyond MAX_JSON_DEPTH (200) levels,
    an input sample beyond MAX_SAMPLE_VALUES, and weights beyond `max_weights` values in all
    (8,388,608: 32 MB of float32) are refused; raise max_weights for a bigger model."""
    if isinstance(json_string, (str, bytes)):
        file_format.check_json_depth(json_string, "<json>", "the text")
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json needs the JSON text Model.to_json() returns; "
                         f"could not parse it: {error}") from None
    if not isinstance(config, dict):
        raise ValueError(f"model_from_json needs the JSON object Model.to_json() returns; "
                         f"this text holds {type(config).__name__}.")
    # The same field checks as a model file's config.json (which also carries its format).
    file_format.check_config({**config, "format": FORMAT}, "<json>")
    check_input_sizes(config, "<json>", 0)
    try:
        return model_from_config(config, custom_objects, max_weights)
    except MemoryError:
        raise hostile("<json>", "config", "asks for more memory than there is") from None
    except RAW_ERRORS as error:
        raise hostile("<json>", "config", f"does not build a model "
                                          f"({type(error).__name__}: {error})") from None


def deserialize_layer(entry, custom_objects=None):
    """A layer from {"class_name": ..., "config": ...}: built-in, custom_objects, or registered."""
    class_name = entry["class_name"]
    config = entry["config"]
    cls = (registry.get_registered_object(class_name, custom_objects)
           or layers_module.ALL_LAYERS.get(class_name)
           or (_model_class(class_name) if class_name in MODEL_CLASSES else None))
    if cls is None:
        raise registry.missing_object_error("layer class", class_name)
    try:
        layer = serialization.from_config(cls, config, custom_objects)
        restore_layer_entry(layer, entry)
        return layer
    except ModelFileError:
        raise
    except ValueError as error:
        raise ValueError(f"While loading layer '{config.get('name')}' ({class_name}): "
                         f"{error}") from None
    except RAW_ERRORS as error:
        raise ModelFileError(f"corrupt or hostile model file: the config of layer "
                             f"'{config.get('name')}' ({class_name}) does not fit its "
                             f"constructor ({type(error).__name__}: {error}).") from None
