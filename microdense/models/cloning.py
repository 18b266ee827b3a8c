"""clone_model: the same architecture with new weights, as keras.models.clone_model.

    copy = clone_model(model)                 # new layers, newly initialized weights
    copy.set_weights(model.get_weights())     # ... to start from the same numbers

Each layer is remade by clone_function(layer), by default from its config
(`type(layer).from_config(layer.get_config())`, so names are kept, as Keras keeps them):
a Sequential model is remade layer by layer, a functional one call by call on new Inputs
(or `input_tensors`), a subclassed one with `type(model).from_config(model.get_config())`.
"""
from microdense.layers import Input, InputLayer
from microdense.models.functional import Functional
from microdense.models.model import Model
from microdense.models.sequential import Sequential


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model like `model`, with new layers and new weights (see the module docstring).
    call_function and recursive are Keras's options for rewiring; only their defaults are
    supported."""
    if call_function is not None or recursive or kwargs:
        raise ValueError("clone_model: call_function, recursive=True and other options are "
                         "not supported by microdense; pass clone_function only.")
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_function)
    if isinstance(model, Model):
        return type(model).from_config(model.get_config())
    raise ValueError(f"clone_model expects a model; received {type(model).__name__}.")


def _clone_sequential(model, input_tensors, clone_function):
    layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is not None:
        first = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors
        layers.insert(0, first)
    elif model._layers and isinstance(model._layers[0], InputLayer):
        layers.insert(0, Input(batch_shape=model._layers[0].batch_shape,
                               dtype=model._layers[0].dtype))
    clone = Sequential(layers, name=model.name)
    if not clone.built and model.built:
        clone.build(model.input_shape)
    return clone


def _clone_functional(model, input_tensors, clone_function):
    if input_tensors is None:
        new_inputs = [Input(batch_shape=t.shape, dtype=t.dtype, name=t.node.layer.name)
                      for t in model.inputs]
    else:
        new_inputs = list(input_tensors) if isinstance(input_tensors, (list, tuple)) \
            else [input_tensors]
        if len(new_inputs) != len(model.inputs):
            raise ValueError(f"clone_model: model '{model.name}' has {len(model.inputs)} "
                             f"inputs; input_tensors has {len(new_inputs)}.")
    tensors = dict(zip(model.inputs, new_inputs))
    clones = {}
    for node in model._nodes:
        if node.layer not in clones:
            clones[node.layer] = clone_function(node.layer)
        args = [tensors[t] for t in node.inputs]
        out = clones[node.layer](args if node.several else args[0])
        tensors.update(zip(node.outputs, out if isinstance(out, list) else [out]))
    outputs = model._pack([tensors[t] for t in model.outputs], "output")
    inputs = new_inputs[0] if model._single_input else (
        dict(zip(model._input_keys, new_inputs)) if model._input_keys else new_inputs)
    return Model(inputs, outputs, name=model.name)
