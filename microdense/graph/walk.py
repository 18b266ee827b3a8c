"""Reading a recorded graph: which tensors it holds, which layer each belongs to, which to keep.

Only public tensor attributes are read (parents, name, scope, requires_grad); nothing is
written. Every walk is a loop over a list: linear in the size of the graph, no recursion.
"""


def walk(root):
    """Every tensor `root` depends on (itself included), nearest first: breadth-first order.

    A tensor's position in this list is its distance rank from the root, and serves as its
    stable node id: the same graph built twice gives the same DOT text.
    """
    order = [root]
    position = {id(root): 0}
    i = 0
    while i < len(order):
        for parent in order[i].parents:
            if id(parent) not in position:
                position[id(parent)] = len(order)
                order.append(parent)
        i += 1
    return order, position


def layers_of(tensors, position):
    """The layer (scope name) each tensor belongs to, or None; and each layer's description.

    A tensor belongs to the layer its op ran inside (`tensor.scope`). A weight, which no op
    made, belongs to the layer its name starts with: "dense_1/kernel" to layer "dense_1",
    when that layer has ops in this graph. An unnamed scalar constant (the 0.5 of `0.5 * x`)
    belongs to the layer of the first op that reads it: it is part of that layer's formula.
    """
    descriptions = {}                         # layer name -> description, in order first seen
    layers = [tensor.scope.layer if tensor.scope is not None else None for tensor in tensors]
    for layer in layers:
        if layer is not None:
            descriptions.setdefault(layer.name, layer.description)
    membership = []
    for tensor, layer in zip(tensors, layers):
        if layer is not None:
            membership.append(layer.name)
        elif not tensor.parents and tensor.name and "/" in tensor.name:
            prefix = tensor.name.rsplit("/", 1)[0]
            membership.append(prefix if prefix in descriptions else None)
        else:
            membership.append(None)
    for i, tensor in enumerate(tensors):
        if membership[i] is None:
            continue
        for parent in tensor.parents:
            j = position[id(parent)]
            if membership[j] is None and _is_unnamed_scalar_constant(parent):
                membership[j] = membership[i]
    return membership, descriptions


def _is_unnamed_scalar_constant(tensor):
    return not (tensor.parents or tensor.requires_grad or tensor.name or tensor.ndim)


def longest_chain(tensors, position, hidden):
    """The most drawn ops on any path from a leaf to the root (tensors as `walk` lists them).

    Tensors are taken consumers first (each once all its consumers are done), so the loop
    is linear and needs no recursion.
    """
    waiting = [0] * len(tensors)              # consumers not yet done
    for tensor in tensors:
        for parent in tensor.parents:
            waiting[position[id(parent)]] += 1
    ops_above = [0] * len(tensors)            # drawn ops from this tensor up to the root
    ready, longest = [0], 0
    while ready:
        i = ready.pop()
        here = ops_above[i] + (1 if tensors[i].parents and not hidden[i] else 0)
        longest = max(longest, here)
        for parent in tensors[i].parents:
            j = position[id(parent)]
            ops_above[j] = max(ops_above[j], here)
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    return longest


def keep_nearest(tensors, membership, max_nodes, collapse_layers, hidden=None):
    """Which tensors to draw so the picture has at most about `max_nodes` nodes.

    Tensors are taken nearest-first (the order `walk` gives) until the budget is spent; the
    rest, the ones farthest from the root, are elided. A tensor an op made costs two nodes
    (itself and its op), a leaf one; with collapse_layers a whole layer costs one.
    Tensors hidden inside a composed op cost nothing.
    Returns (kept: list of bool, number of nodes elided).
    """
    seen_layers = set()

    def cost(i):
        if hidden is not None and hidden[i]:
            return 0
        layer = membership[i] if collapse_layers else None
        if layer is not None:
            if layer in seen_layers:
                return 0
            seen_layers.add(layer)
            return 1
        return 2 if tensors[i].parents else 1

    kept = [True] * len(tensors)
    spent = elided = 0
    full = False                              # once full, everything farther is elided
    for i in range(len(tensors)):
        nodes = cost(i)
        full = full or (max_nodes is not None and i > 0 and spent + nodes > max_nodes)
        if full:
            kept[i] = False
            elided += nodes
        else:
            spent += nodes
    if collapse_layers:                       # a drawn layer node stands for all its tensors
        drawn = {membership[i] for i in range(len(tensors)) if kept[i]}
        for i, layer in enumerate(membership):
            if layer is not None and layer in drawn:
                kept[i] = True
    return kept, elided


# ---- composed ops drawn as one op, and function scopes drawn as nested boxes ---------------

class Structure:
    """What is drawn for each tensor of `walk`'s list, after composed ops are contracted.

    A composed op (ops recorded inside `md.scope(name, kind="op")`, such as md.mean's sum
    and mul) is drawn as one op box named after it: its output keeps a node, its interior
    tensors are hidden, and its inputs are what its ops read from outside it.

    hidden[i]   True for a tensor inside a composed op (not drawn)
    op[i]       the op box drawn before tensor i ("" for a leaf)
    rule[i]     its derivative rule (a composed op's description)
    inputs[i]   positions of the tensors drawn as its inputs, one per edge, in argument order
    members[i]  for a composed op's output: every tensor inside it (itself included), whose
                backward steps together make the op's backward
    """

    def __init__(self, tensors, position):
        n = len(tensors)
        self.hidden = [False] * n
        self.op = [t.op for t in tensors]
        self.rule = [t.rule for t in tensors]
        self.inputs = [[position[id(p)] for p in t.parents] for t in tensors]
        self.members = [[i] for i in range(n)]
        composite = [_outermost_op_scope(t) for t in tensors]
        consumers = [[] for _ in range(n)]
        for i, t in enumerate(tensors):
            for p in t.parents:
                consumers[position[id(p)]].append(i)
        for i, scope in enumerate(composite):
            if scope is None:
                continue
            is_exit = i == 0 or any(composite[k] is not scope for k in consumers[i])
            if not is_exit:
                self.hidden[i] = True
                continue
            self.op[i], self.rule[i] = scope.name, scope.description
            self.inputs[i], self.members[i] = self._contract(i, scope, tensors, position,
                                                             composite)

    def _contract(self, exit_index, scope, tensors, position, composite):
        """The tensors a composed op reads from outside it, and the tensors inside it."""
        inputs, members, stack, seen = [], [], [exit_index], {exit_index}
        while stack:
            i = stack.pop()
            members.append(i)
            for p in tensors[i].parents:
                j = position[id(p)]
                inside = composite[j] is scope or (_is_unnamed_scalar_constant(p)
                                                   and p.scope is None)
                if inside:
                    self.hidden[j] = True
                    if j not in seen:
                        seen.add(j)
                        stack.append(j)
                elif j not in inputs:         # one edge per input, however often it is read
                    inputs.append(j)
        return inputs, members


def _outermost_op_scope(tensor):
    """The outermost composed op (a scope of kind "op") this tensor was made inside, or None."""
    if tensor.scope is None:
        return None
    for scope in tensor.scope.chain():
        if scope.kind == "op":
            return scope
    return None


def function_scopes(tensor):
    """The function scopes (md.scope) a tensor was made in, inside its innermost layer,
    outermost first: the nested boxes it is drawn in within its layer's box."""
    if tensor.scope is None:
        return ()
    chain = tensor.scope.chain()
    layer = tensor.scope.layer
    start = chain.index(layer) + 1 if layer is not None else 0
    inner = []
    for scope in chain[start:]:
        if scope.kind == "op":
            break
        if inner and inner[-1].name == scope.name:    # @md.scope'd, then boxed by its layer:
            continue                                  # one box
        inner.append(scope)
    return tuple(inner)
