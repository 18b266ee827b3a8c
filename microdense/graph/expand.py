"""draw_graph(expand=...): a graph recomputed from the same leaves with some ops drawn as
what they stand for.

expand=True: each fused op drawn as the composition of primitives it replaces. A fused op
(ops/crossentropy.py's) does the work of several primitives in one record, for speed; its
record names that composition, drawn in a box named after the op.
expand="dense": each tiny Dense layer drawn as its scalar graph (scalar_zoom.py).

Expanding recomputes the graph node by node, each op through its own record unless the
expansion rewrites it, and, if the graph had gradients, runs the engine's backward through
the new graph so every new intermediate has one. The leaves' own gradients are left as they
were.
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
    return recompute(root, _composition, "expand=True")


def _composition(node, parents):
    """A fused op's composition, in a box named after it; None for any other op."""
    record = node.record
    if record.composition is None:
        return None
    with recording.layer_scope(Scope(record.name, record.rule, "function", node.scope)):
        return record.composition(*parents, **(node.attrs or {}))


def recompute(root, rewrite, option):
    """`root`'s graph made again from its leaves, in the scopes it ran in: each op as
    `rewrite(node, parents)` gives it, or, where that is None, by its own record."""
    order = engine.toposort(root)
    made = {}                                      # id(original) -> its recomputed tensor
    for node in order:
        if not node.parents:
            continue
        if node.record is None or node.record.forward is None:
            raise ValueError(f"draw_graph({option}) cannot recompute op '{node.op}', a "
                             f"md.custom_op: draw it without {option}.")
        parents = [made.get(id(parent), parent) for parent in node.parents]
        state = recording.mode.state
        outer, state.scope = state.scope, node.scope
        try:
            out = rewrite(node, parents)
            if out is None:
                out = node.record(*parents, **(node.attrs or {}))
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
