"""keras.activations: the activation functions by name, as layers and saved models ask for them.

The functions themselves are compositions of the engine's ops, in ops/activations.py: read
them there (`silu(x)` is `x * sigmoid(x)`). This module looks them up: 'relu' -> relu, your
registered names, and the name a saved model stores.
"""
from microdense.naming import activation_name
from microdense.recording import scope
from microdense.registry import get_registered_object, missing_object_error, unknown_name_error
from microdense.ops.activations import (  # noqa: F401 (keras.activations' names)
    celu, elu, exponential, gelu, glu, hard_shrink, hard_sigmoid, hard_silu, hard_swish,
    hard_tanh, leaky_relu, linear, log_sigmoid, log_softmax, mish, relu, relu6, selu,
    sigmoid, silu, soft_shrink, softmax, softplus, softsign, sparse_plus, sparse_sigmoid,
    sparsemax, squareplus, swish, tanh, tanh_shrink, threshold)

# ---- looking activations up by name --------------------------------------------------------

_BUILTINS = {fn.__name__: fn for fn in (
    elu, exponential, gelu, hard_sigmoid, hard_silu, leaky_relu, linear, log_softmax, mish,
    relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign, tanh,
    # Keras 3's newer names
    celu, glu, hard_shrink, hard_tanh, log_sigmoid, soft_shrink, sparse_plus, sparse_sigmoid,
    sparsemax, squareplus, tanh_shrink, threshold)}
_ALIASES = {"swish": silu, "hard_swish": hard_silu}
ALL_ACTIVATIONS = {**_BUILTINS, **_ALIASES}
_BUILT_IN = frozenset(_BUILTINS.values())


def apply(activation, x):
    """activation(x), as a layer calls it. A function that is not built in runs in a scope
    named after it (a lambda is named "activation"), so a drawing shows its ops in a box of
    its own inside the layer's, as `@md.scope` would."""
    if activation in _BUILT_IN:
        return activation(x)
    name = getattr(activation, "__name__", type(activation).__name__)
    with scope("activation" if name == "<lambda>" else name):
        return activation(x)


def get(identifier):
    """The activation for `identifier`: None -> linear, a name ('relu', a registered name),
    or any callable (returned as is)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        found = ALL_ACTIVATIONS.get(identifier) or get_registered_object(identifier)
        if found is None:
            raise unknown_name_error("activation", identifier, ALL_ACTIVATIONS)
        return found
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier {identifier!r} "
                    f"({type(identifier).__name__}): pass a name such as 'relu', a function, "
                    f"or None.")


def serialize(activation):
    """The name to save: a registered "package>name", else its own __name__ ('relu'): the
    one rule of naming.activation_name, also used to show it."""
    return activation_name(activation)


def deserialize(name, custom_objects=None):
    """The activation a saved name refers to: custom_objects first, then built-ins, then the
    registry. A missing one raises ValueError saying how to provide it."""
    if not isinstance(name, str):
        raise TypeError(f"An activation is saved as its name; got {type(name).__name__} "
                        f"{name!r}.")
    if custom_objects:
        for key in (name, name.split(">")[-1]):
            if key in custom_objects:
                return custom_objects[key]
    found = ALL_ACTIVATIONS.get(name) or get_registered_object(name)
    if found is None:
        raise missing_object_error("activation", name)
    return found
