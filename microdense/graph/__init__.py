"""Graphviz drawings: a tensor's computation graph (draw_graph) and a model's layers
(plot_model). They only read the recorded graph (parents, op, rule, name, scope, data, grad);
the engine never imports graphviz.

    loss.backward()
    md.draw_graph(loss).render("viz/mlp", format="svg")
    md.plot_model(model, to_file="viz/mlp_layers.svg")

Read in this order: walk.py (the traversal, composed ops contracted to one op), labels.py
(what a node says, and `escape`, the one function all user text goes through), nodes.py (how a
tensor, an op and the legend look), draw.py (draw_graph: boxes per layer and per md.scope),
flow.py (edge labels: the gradient each edge carried, read from md.trace_backward's trace),
collapsed.py (one node per layer), notes.py (what a drawing says when it would mislead:
nothing recorded, no gradients yet), model_plot.py, rendering.py (the returned Digraph and the
missing-Graphviz error).
"""
from microdense.graph.draw import draw_graph
from microdense.graph.model_plot import plot_model
from microdense.graph.rendering import Drawing, GraphvizNotFoundError

__all__ = ["draw_graph", "plot_model", "Drawing", "GraphvizNotFoundError"]
