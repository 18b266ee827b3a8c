"""md.explore: a page that steps through a graph's forward pass, then its backward pass.

    ex = md.explore(loss)            # runs the traced backward, builds the page
    ex.save("viz/backprop.html")     # one self-contained file: open it in any browser, offline
    ex                               # in Jupyter: the same page, inline

The page is three things in one HTML file:
- the SVG of draw_graph(loss), laid out by Graphviz: the same clusters, colours and names as
  the static drawing, so the two agree;
- the trace of the backward pass as JSON: every number comes from md.trace_backward, that is
  from the engine's own walk, never from a second derivation;
- a small hand-written script and style sheet (explorer_page/), inlined, that step through it.
No JS library, no network, no web font: it works offline, from file:// and inside Jupyter.
"""
import html
import json
import math
import os
import re
import warnings

import numpy as np

from microdense import engine
from microdense.graph import labels, notes
from microdense.graph.draw import draw_graph, node_ids
from microdense.graph.nodes import kind_of
from microdense.graph.walk import Structure, layers_of, walk
from microdense.tensor import Tensor
from microdense.trace import Trace, trace_backward
from microdense.trace_text import local_factor, math_forms

PAGE_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "explorer_page")
SCRIPTS = ("explorer.js", "fold.js", "controls.js")   # one script, in this order
SMALL = 12               # arrays with at most this many values are written out in full
GRID_SIDE = 64           # a clicked tensor's grid shows 64 x 64 values a page
JUPYTER_HEIGHT = 680     # pixels of the inline frame in a notebook


def explore(root, *, rankdir="auto", max_nodes=1000, group_layers=True, title=None):
    """Build the explorer page for `root` (usually a scalar loss): an `Explorer`.

    `root` is a tensor, whose backward pass is then run here by md.trace_backward (so call
    this instead of `root.backward()`: like any backward, it adds to the leaves' .grad), or a
    Trace you already recorded with md.trace_backward.

    The page steps forward through the ops in the order they ran (each op's output appears),
    then backward through the trace: the current node is highlighted, the edges its gradient
    flows along light up with each contribution, and a side panel writes the chain rule with
    that step's numbers. Click a tensor for its data and gradient as a grid; click a layer's
    title to fold it into one node. When every Dense layer is tiny, "scalar view" shows them
    element by element (draw_graph(expand="dense")).

    rankdir, max_nodes, group_layers   as for draw_graph (the page's picture is draw_graph's)
    title                              the page's title (default: "Backprop explorer: <root>")
    """
    if not isinstance(root, (Trace, Tensor)):
        raise TypeError(f"md.explore shows the backward pass of a microdense Tensor (usually "
                        f"the loss: loss = loss_fn(y, model(x))), or a Trace from "
                        f"md.trace_backward; it was given a {type(root).__name__}. "
                        f"model.predict(x) returns a numpy array with no graph: use model(x).")
    trace = root if isinstance(root, Trace) else trace_backward(root)
    root = trace.root
    earlier = notes.earlier_gradients(trace)
    if earlier:
        notes.warn_earlier_gradients(trace, earlier, "md.explore")
    with warnings.catch_warnings():           # said once, above, not again by the drawing
        warnings.filterwarnings("ignore", "draw_graph: .* already held a gradient")
        drawing = draw_graph(root, rankdir=rankdir, max_nodes=max_nodes,
                             group_layers=group_layers, trace=trace)
        scalar = _scalar_view(root, group_layers)
    svg = _clean_svg(drawing.pipe(format="svg").decode("utf-8"))
    data = page_data(trace, max_nodes=max_nodes, group_layers=group_layers)
    data["rankdir"] = drawing.graph_attr["rankdir"]
    data["scalarView"] = bool(scalar)
    title = title or f"Backprop explorer: {data['root']}"
    return Explorer(_page(title, svg, data, scalar), trace)


def _scalar_view(root, group_layers):
    """The SVG of draw_graph(root, expand="dense"): each Dense layer element by element, when
    every Dense layer in the graph is tiny enough (scalar_zoom.py); else "" (no such view)."""
    try:
        drawing = draw_graph(root, expand="dense", group_layers=group_layers)
    except ValueError:                       # no Dense layer, or one too big to draw
        return ""
    return _clean_svg(drawing.pipe(format="svg").decode("utf-8"))


class Explorer:
    """The explorer page of one backward pass. `.save(path)` writes it; Jupyter shows it inline.

    `.html` is the page itself; `.trace` is the Trace it steps through.
    """

    def __init__(self, page, trace):
        self.html = page
        self.trace = trace

    def save(self, path):
        """Write the page to `path` (one self-contained .html file) and return the path."""
        path = os.fspath(path)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.html)
        return path

    def _repr_html_(self):
        # An iframe with the page as its srcdoc: its own document, so two explorers in one
        # notebook share no ids, no script state and no key presses.
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'style="width: 100%; height: {JUPYTER_HEIGHT}px; border: 1px solid #ccc" '
                f'sandbox="allow-scripts" title="backprop explorer"></iframe>')

    def __repr__(self):
        return (f"<Explorer: {len(self.trace.steps)} backward steps from "
                f"{self.trace.label(self.trace.root)}, page of {len(self.html) // 1024:,} KB; "
                f".save('page.html') writes it>")


# ---- the page's data: tensors, layers and the timeline of steps ----------------------------

def page_data(trace, max_nodes=1000, group_layers=True):
    """Everything the page's script reads, as plain JSON-ready Python: the tensors (with the
    SVG ids draw_graph gave them), the layers, and the steps (start, forward ops, the trace's
    backward steps, done)."""
    root = trace.root
    picture = _Picture(root, max_nodes, group_layers)
    tensors, position = picture.tensors, picture.position
    _label_like_the_text(trace, tensors)
    membership, descriptions = layers_of(tensors, position)
    if not group_layers:
        membership = [None] * len(tensors)
    steps, shown_at, first_grad_at, grad_at = _timeline(trace, picture)
    entries = [_tensor_entry(trace, tensor, k == 0, picture, membership[k], shown_at[k],
                             first_grad_at[k], grad_at[k]) for k, tensor in enumerate(tensors)]
    layers = [_layer_entry(layer, descriptions[layer], cluster, tensors, membership, entries)
              for layer, cluster in picture.cluster_ids.items()]
    drawn = sum(1 for e in entries if e["node"]) + sum(1 for e in entries if e["opNode"])
    elided = sum(2 if t.parents else 1 for k, t in enumerate(tensors)
                 if not picture.hidden[k]) - drawn
    return {"root": trace.label(root), "tensors": entries, "steps": steps, "layers": layers,
            "forwardSteps": sum(1 for step in steps if step["kind"] == "forward"),
            "backwardSteps": len(trace.steps),
            "elided": elided, "maxNodes": max_nodes,
            "earlier": [trace.label(tensor) for tensor, _ in notes.earlier_gradients(trace)],
            "colors": {"noValue": labels.NO_VALUE}, "gridSide": GRID_SIDE}


class _Picture:
    """Where each tensor of root's graph is in draw_graph's SVG: its node and its op's node,
    and for the ops inside a composed op (md.mean's sum and mul), the one op box drawn for
    them all, with an edge from each tensor the composed op reads."""

    def __init__(self, root, max_nodes, group_layers):
        self.tensors, self.position = walk(root)
        self.tensor_ids, self.op_ids, self.cluster_ids = node_ids(
            root, group_layers=group_layers, max_nodes=max_nodes)
        structure = Structure(self.tensors, self.position)
        self.hidden = structure.hidden
        self.inputs = structure.inputs
        self.box = list(range(len(self.tensors)))    # k -> the tensor whose op box shows k's op
        self.composed = [False] * len(self.tensors)
        for k, members in enumerate(structure.members):
            if members != [k] or structure.op[k] != self.tensors[k].op:
                for member in members:
                    self.box[member], self.composed[member] = k, True

    def node(self, k):
        return self.tensor_ids.get(id(self.tensors[k]))

    def op_node(self, k):
        """The op box that shows tensor k's op (its composed op's box, for a part of one)."""
        return self.op_ids.get(id(self.tensors[self.box[k]]))

    def edge(self, k, argument):
        """[tail id, head id, n]: the n-th SVG edge (a + a draws two with one title) along
        which input `argument` of tensor k's op is drawn; None where it is not drawn (elided,
        or read inside a composed op)."""
        tensor = self.tensors[k]
        parent = tensor.parents[argument]
        j = self.position[id(parent)]
        if self.composed[k] and j not in self.inputs[self.box[k]]:
            return None                               # inside the composed op
        tail, head = self.node(j), self.op_node(k)
        if tail is None or head is None:
            return None
        repeats = 0 if self.composed[k] else sum(1 for p in tensor.parents[:argument]
                                                 if p is parent)
        return [tail, head, repeats]

    def out_edge(self, k):
        """The edge from the op box to its output, when k is that output."""
        if self.box[k] != k:
            return None
        tail, head = self.op_node(k), self.node(k)
        return [tail, head, 0] if tail and head else None


def _timeline(trace, picture):
    """The page's steps: the start, each op in the order it ran (engine.toposort: parents
    before children), each step of the trace, the end. Also, for each tensor (by position),
    the step at which its value is known, and those at which its gradient starts to arrive
    and is complete."""
    position = picture.position
    size = len(position)
    steps = [{"kind": "start"}]
    shown_at = [0] * size                      # leaves are known from the start
    forward = [t for t in engine.toposort(trace.root) if t.parents]
    for number, tensor in enumerate(forward, start=1):
        k = position[id(tensor)]
        shown_at[k] = len(steps)
        edges = [picture.edge(k, i) for i in range(len(tensor.parents))]
        steps.append({"kind": "forward", "tensor": k, "number": number, "of": len(forward),
                      "edges": [e for e in edges + [picture.out_edge(k)] if e]})
    first_grad_at, grad_at = [None] * size, [None] * size
    if trace.steps:                            # the seed: the root's gradient, from the start
        first_grad_at[0] = grad_at[0] = len(steps)
    for step in trace.steps:
        steps.append(_backward_step(trace, step, picture))
        for c in step.contributions:
            j = position[id(c.parent)]
            if first_grad_at[j] is None:
                first_grad_at[j] = len(steps) - 1
            grad_at[j] = len(steps) - 1        # the last contribution completes it
    steps.append({"kind": "done"})
    return steps, shown_at, first_grad_at, grad_at


def _layer_entry(layer, description, cluster, tensors, membership, entries):
    """A layer's cluster and what folding it hides: its nodes, its ops and parameters."""
    inside = [k for k in range(len(tensors)) if membership[k] == layer]
    weights = [k for k in inside if not tensors[k].parents and tensors[k].requires_grad]
    entry = {"name": layer, "description": description, "cluster": cluster,
             "nodes": [entries[k][key] for k in inside for key in ("node", "opNode")
                       if entries[k][key]],
             "ops": sum(1 for k in inside if entries[k]["opNode"]),
             "params": int(sum(tensors[k].size for k in weights))}
    # Folded and coloured by |grad|, a layer is shaded by its weights' mean |grad|, as
    # draw_graph(collapse_layers=True, color_by="grad") shades it, once all have arrived.
    grad_at = [entries[k]["gradAt"] for k in weights]
    if weights and None not in grad_at:
        grads = [np.asarray(tensors[k].grad) for k in weights]
        fill = (labels.NOT_FINITE if not all(map(labels.is_finite, grads)) else
                labels.MAGNITUDE_COLORS[labels.magnitude_step(labels.mean_abs(grads) or 0.0)])
        entry.update(gradAt=max(grad_at), gradColor=fill, gradFont=labels.font_color_on(fill))
    return entry


def _label_like_the_text(trace, tensors):
    """Give every tensor its trace label in the order print(trace) would, so the page and the
    printed worked example call each tensor by the same name ('mul_0', 'sigmoid_1')."""
    trace.label(trace.root)
    for step in trace.steps:
        trace.label(step.node)
        for parent in step.node.parents:
            trace.label(parent)
    for tensor in tensors:
        trace.label(tensor)


def _backward_step(trace, step, picture):
    node = step.node
    k = picture.position[id(node)]
    received = trace.received(node)
    fan_in = [_value(c.added) for c in received] if len(received) > 1 else []
    forms = math_forms(trace, node)         # from the op's record, as print(trace) writes it
    contributions = []
    for c in step.contributions:
        local = local_factor(step, c)       # the op's own backward, given ones
        contributions.append({
            "parent": picture.position[id(c.parent)], "input": c.input_index,
            "form": forms[c.input_index],
            "fromOp": _value(c.from_op), "local": None if local is None else _value(local),
            "added": _value(c.added), "summedAxes": list(c.summed_axes),
            "total": _value(c.total), "count": c.count, "of": len(trace.received(c.parent)),
            "edge": picture.edge(k, c.input_index)})
    return {"kind": "backward", "tensor": k, "number": step.index,
            "upstream": _value(step.upstream), "seed": step.index == 0 and node is trace.root,
            "fanIn": fan_in, "contributions": contributions, "outEdge": picture.out_edge(k)}


def _tensor_entry(trace, tensor, is_root, picture, layer, shown_at, first_grad_at, grad_at):
    """A tensor as the page knows it; only a drawn one (node is not None) carries its grids.
    `opBox` is the op box that shows its op (a composed op's box for a part of one)."""
    k = picture.position[id(tensor)]
    node = picture.node(k)
    op_node = picture.op_node(k) if picture.box[k] == k else None
    grad = np.asarray(tensor.grad) if grad_at is not None else None
    entry = {"label": trace.label(tensor), "name": tensor.name, "op": tensor.op,
             "rule": tensor.rule, "shape": list(tensor.shape), "dtype": str(tensor.dtype),
             "kind": kind_of(tensor, is_root), "layer": layer,
             "parents": [picture.position[id(p)] for p in tensor.parents],
             "scope": (" > ".join(s.name for s in tensor.scope.chain())
                       if tensor.scope is not None else None),
             "node": node, "opNode": op_node,
             "opBox": picture.op_node(k) if tensor.parents else None, "shownAt": shown_at,
             "firstGradAt": first_grad_at, "gradAt": grad_at,
             "value": _value(tensor.data),
             "gradValue": None if grad is None else _value(grad)}
    if grad is not None:
        fill = (labels.NOT_FINITE if not labels.is_finite(grad) else
                labels.MAGNITUDE_COLORS[labels.magnitude_step(labels.mean_abs(grad) or 0.0)])
        entry["gradColor"] = fill
        entry["gradFont"] = labels.font_color_on(fill)
    if node is not None:              # only what can be clicked carries its grids
        entry["data"] = _grid(tensor.data)
        entry["dataStats"] = _stats(tensor.data)
        if grad is not None:
            entry["grad"] = _grid(grad)
            entry["gradStats"] = _stats(grad)
    return entry


# ---- arrays as JSON -----------------------------------------------------------------------

def _number(value, float32):
    """One value as JSON: a number (float32 to 7 significant digits, which is all it holds),
    or "NaN" / "Infinity" / "-Infinity", which JSON has no numbers for (JS's Number() reads
    them back)."""
    if math.isfinite(value):
        return float(f"{value:.7g}") if float32 else value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _numbers(array):
    array = np.asarray(array)
    float32 = array.dtype != np.float64
    return [_number(v, float32) for v in array.astype(np.float64).ravel().tolist()]


def _value(array):
    """An array for the side panel: every value when it is small, else its summary."""
    array = np.asarray(array)
    if array.size <= SMALL:
        return {"shape": list(array.shape), "values": _numbers(array)}
    stats = _stats(array)
    return {"shape": list(array.shape), "mean": stats["mean"], "norm": stats["norm"],
            "meanAbs": stats["meanAbs"]}


def _stats(array):
    """mean, std, min, max and norm over the finite values; how many are NaN or inf."""
    array = np.asarray(array)
    values = labels.finite_values(array).astype(np.float64)
    stats = {"nonFinite": int(array.size - values.size)}
    if values.size:
        stats.update(mean=_number(values.mean(), False), std=_number(values.std(), False),
                     min=_number(values.min(), False), max=_number(values.max(), False),
                     norm=_number(float(np.linalg.norm(values)), False),
                     meanAbs=_number(float(np.abs(values).mean()), False))
    else:
        stats.update(mean=None, std=None, min=None, max=None, norm=None, meanAbs=None)
    return stats


def _grid(array):
    """Every value of an array for the page's colour grid, seen as a matrix.

    A scalar is 1 x 1; a vector is wrapped GRID_SIDE values to a row; an array of 3 or more
    axes has its leading axes folded into the rows (numpy's order: a row is x[i, j, :]).
    `shape` is the array's own, so the page names each cell by its real index. The page
    shows GRID_SIDE x GRID_SIDE cells at a time, with buttons to page through the rest.
    """
    array = np.asarray(array)
    if array.ndim == 0:
        cols = 1
    elif array.ndim == 1:
        cols = max(1, min(array.shape[0], GRID_SIDE))
    else:
        cols = max(1, array.shape[-1])
    return {"shape": list(array.shape), "cols": cols, "values": _numbers(array)}


# ---- assembling the page ------------------------------------------------------------------

def _clean_svg(svg):
    """Graphviz's SVG without its XML prolog, doctype and comments, ready to inline in HTML."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


def _json_for_script(data):
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' at all,
    so no name can close the script element ('</script>') or open a comment."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _read(name):
    with open(os.path.join(PAGE_FILES, name), encoding="utf-8") as file:
        return file.read()


def _page(title, svg, data, scalar=""):
    """The template with its {{slots}} filled in one pass (so no inserted text, however it
    reads, is taken for a slot)."""
    parts = {"TITLE": html.escape(title), "STYLE": _read("explorer.css"), "SVG": svg,
             "SCALAR": scalar, "DATA": _json_for_script(data),
             "SCRIPT": "\n".join(_read(name) for name in SCRIPTS)}
    return re.sub(r"\{\{(\w+)\}\}", lambda match: parts[match.group(1)],
                  _read("explorer.html"))
