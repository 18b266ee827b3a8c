"""draw_graph(expand=True): each fused op drawn as the composition of primitives it replaces.

A fused op (ops/crossentropy.py's) does the work of several primitives in one record, for
speed; its record names that composition. Expanding recomputes the graph from the same
leaves, node by node, with each fused op's composition in its place (in a box named after
the op, so the drawing shows where it was), and, if the graph had gradients, runs its
backward so every new intermediate has one. The leaves' own gradients are left as they were.
"""
from microdense import engine, recording
from microdense.recording import Scope


def expand_fused(root):
    """A new graph computing what `root`'s does, fused ops replaced by their compositions;
    `root` itself if it has none."""
    order = engine.toposort(root)
    if not any(node.record is not None and node.record.composition is not None
               for node in order):
        return root
    made = {}                                      # id(original) -> its recomputed tensor
    for node in order:
        if not node.parents:
            continue
        record = node.record
        if record.forward is None:
            raise ValueError(f"draw_graph(expand=True) cannot recompute op '{node.op}', a "
                             f"md.custom_op: draw it without expand=True.")
        parents = [made.get(id(parent), parent) for parent in node.parents]
        state = recording.mode.state
        outer, state.scope = state.scope, node.scope
        try:
            if record.composition is not None:     # a box named after the fused op
                state.scope = Scope(record.name, record.rule, "function", node.scope)
                out = record.composition(*parents, **(node.attrs or {}))
            else:
                out = record(*parents, **(node.attrs or {}))
        finally:
            state.scope = outer
        out.name = node.name
        made[id(node)] = out
    expanded = made[id(root)]
    if root.grad is not None:
        _fill_gradients(expanded, root.grad, [node for node in order if not node.parents])
    return expanded


def _fill_gradients(expanded, seed, leaves):
    """Backward through the expanded graph, leaving the leaves' gradients as they were."""
    kept = [(leaf, leaf.grad) for leaf in leaves]
    for leaf in leaves:
        leaf.grad = None
    try:
        expanded.backward(seed)
    finally:
        for leaf, grad in kept:
            leaf.grad = grad
