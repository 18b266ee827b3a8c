"""Which layers a layer is made of: those it holds as attributes, as Keras 3 tracks them.

    class Block(Layer):
        def __init__(self):
            super().__init__()
            self.d1 = Dense(8)                      # a layer
            self.stack = [Dense(8), [Dense(4)]]     # lists, tuples, dicts: any depth
            self.heads = {"a": Dense(1)}

    sublayers(block, Layer)   # [d1, stack[0], stack[1][0], heads["a"]]: assignment order

The walk reads the attributes when asked, not when they are set, so a list filled after the
assignment (`self.blocks = []` then `self.blocks.append(Dense(4))` in a loop) counts too.
Only lists, tuples and dicts are opened (exactly those types); any other object (an optimizer,
a callback, a Node of the functional graph) is not a part of the layer and is not searched.
"""
from microdense.variables import Variable, instances_in

_CONTAINERS = (list, tuple, dict)      # exactly these: a NamedTuple (a Scope) is not opened


def sublayers(layer, layer_class):
    """The instances of `layer_class` (Layer) held by `layer`'s attributes (not itself), in
    the order the attributes were first set, each once."""
    found, seen = [], {id(layer)}
    stack = list(reversed(list(vars(layer).values())))
    while stack:                                  # depth first, in order, without recursion
        item = stack.pop()
        kind = type(item)
        if kind in _CONTAINERS:
            stack.extend(reversed(list(item.values()) if kind is dict else item))
        elif isinstance(item, layer_class) and id(item) not in seen:
            seen.add(id(item))
            found.append(item)
    return found


def flatten_layers(layer):
    """`layer` and every layer inside it, at any depth, each once (a layer shared by two
    blocks, or a model that holds itself, is visited once)."""
    order, seen, stack = [], set(), [layer]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        order.append(current)
        stack.extend(reversed(current._sublayers()))
    return order


def variables_in(value):
    """The Variables in an attribute's value: itself, or inside lists/tuples/dicts."""
    return instances_in(value, Variable)


def unique(weights):
    """Each weight once, first place kept (a layer shared by two blocks)."""
    seen, result = set(), []
    for weight in weights:
        if id(weight) not in seen:
            seen.add(id(weight))
            result.append(weight)
    return result
