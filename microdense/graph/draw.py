"""draw_graph: a picture of every op, value and gradient that led to a tensor."""
from typing import NamedTuple, Optional

from microdense.graph import flow, labels, notes
from microdense.graph.labels import bold, escape
from microdense.graph.notes import ELIDED
from microdense.graph.rendering import Canvas
from microdense.graph.walk import Structure, function_scopes, keep_nearest, layers_of, walk

COLOR_BY = (None, "grad", "data")
RANKDIRS = ("LR", "TB", "RL", "BT")


def draw_graph(root, *, show_data=True, show_grad=True, group_layers=True,
               collapse_layers=False, color_by=None, rankdir="LR", max_nodes=1000,
               max_elements=labels.TINY, show_legend=False, edge_labels=None,
               show_rules=False, trace=None):
    """Draw the computation graph that produced `root`: input tensor -> op -> output tensor.

    Returns a `graphviz.Digraph` (a subclass, `Drawing`): `.source` is the DOT text,
    `.render("viz/mlp", format="svg")` writes a picture, and Jupyter shows it inline.
    Rendering needs Graphviz's `dot` program; without it rendering raises
    GraphvizNotFoundError, which says how to install it (`.source` still works).

    One box per tensor: its name if it has one ("dense/kernel"), shape and dtype, and its
    data and grad, in full when it has at most `max_elements` (4) values, else as mean, std,
    min and max.
    One ellipse per op ("matmul", "add", "sigmoid"); hover over it for its derivative rule.
    A tensor used twice (`a + a`) has two edges into the op.

    A sticky note says when the picture is emptier than expected: before `backward()` no
    gradients are shown yet; a tensor that recorded nothing (data, a constant, a result made
    under `md.no_grad()` such as `model.predict`'s) is one box, and also warns. Anything but
    a Tensor (`model.predict(x)`'s array, `train_on_batch`'s numbers) is a TypeError saying
    to draw `model(x)`, which returns a Tensor with its graph.

    Legend (fill colours, default colouring):
        light blue   parameter: a leaf that requires grad (a weight, a bias)
        light grey   data or constant: a leaf that does not require grad
        white        intermediate: a tensor an op made
        light green  the root (usually the loss); it also has a double border
        pale amber   an op
        pale orange  a collapsed layer (collapse_layers=True)
        red          NaN or inf somewhere in the tensor's data or grad (any colouring)

    color_by="grad" (or "data") instead shades every tensor by m = mean |grad| (or |data|)
    over its finite values, one step of the sequential YlGnBu scale per power of ten:
        palest yellow  m < 1e-6 (a vanished gradient), ..., 0.1 <= m < 1 mid blue,
        darkest blue   m >= 10 (an exploding one); white with a dashed border: no grad.
    A collapsed layer is shaded by its weights' mean |grad| (or |data|).

    root             the tensor to explain, usually a scalar loss after `loss.backward()`
    show_data        write each tensor's values (or their summary)
    show_grad        write each tensor's gradient (or its summary), where it has one
    group_layers     put the ops a layer made, and its weights, in a box named after it
    collapse_layers  draw each layer as one node (in/out shapes, parameter count)
    color_by         None, "grad" or "data" (see the legend)
    rankdir          "LR" (data flows left to right), "TB", "RL" or "BT"
    max_nodes        draw at most about this many nodes, nearest the root first; a note says
                     how many were left out. None draws everything.
    max_elements     tensors with at most this many values show them all; larger ones a summary
    show_legend      also draw the legend as a box of sample nodes
    edge_labels      None; "grad": each edge from an input to an op is labelled with the
                     gradient that input received along it (its values when tiny, else
                     its norm), read from the trace of `trace = md.trace_backward(loss)`
                     (found by itself, or pass trace= or draw the trace); "operand": the
                     inputs' roles where order matters (x and W of a matmul, numerator ...)
    show_rules       write each op's derivative rule under its name (PNG and PDF keep it)
    trace            the md.trace_backward Trace to read edge_labels="grad" from; `root`
                     may also be the trace itself
    """
    trace = flow.find_trace(root, trace, edge_labels)
    if trace is not None and root is trace:
        root = trace.root
    notes.require_tensor(root)
    _check_options(color_by, rankdir, max_nodes, edge_labels)
    tensors, position = walk(root)
    structure = Structure(tensors, position)
    membership, descriptions = layers_of(tensors, position)
    if not (group_layers or collapse_layers):
        membership = [None] * len(tensors)
    kept, elided = keep_nearest(tensors, membership, max_nodes, collapse_layers,
                                structure.hidden)

    canvas = Canvas()
    style = _Style(show_data, show_grad, color_by, max_elements, show_rules)
    edges = _Edges(edge_labels, trace, tensors, structure)
    if collapse_layers:
        _draw_collapsed(canvas, tensors, position, membership, descriptions, kept, style,
                        structure, edges)
    else:
        clusters = _add_clusters(canvas, tensors, membership, descriptions, kept,
                                 group_layers)
        _draw_tensors_and_ops(canvas, tensors, clusters, kept, style, structure, edges)
    if elided:
        notes.add_elision_note(canvas, elided)
    if notes.records_nothing(root):
        notes.warn_nothing_recorded()
        notes.add_nothing_recorded_note(canvas)
    elif show_grad and notes.has_no_gradients_yet(tensors):
        notes.add_no_gradients_note(canvas)
    if show_legend:
        _add_legend(canvas, color_by)
    return canvas.to_drawing("computation_graph", _graph_attributes(rankdir),
                             _node_attributes(), _edge_attributes())


def _check_options(color_by, rankdir, max_nodes, edge_labels):
    if edge_labels not in flow.EDGE_LABELS:
        raise ValueError(f"edge_labels must be None, 'grad' or 'operand'; got {edge_labels!r}.")
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be None, 'grad' or 'data'; got {color_by!r}.")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}; got {rankdir!r}.")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None; got {max_nodes!r}.")


def _graph_attributes(rankdir):
    return {"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35", "fontname": "Helvetica",
            "fontsize": "11", "tooltip": " "}


def _node_attributes():
    return {"fontname": "Helvetica", "fontsize": "10", "color": labels.BORDER}


def _edge_attributes():
    return {"arrowsize": "0.6", "color": "#444444", "fontname": "Helvetica"}


# ---- how a tensor looks -------------------------------------------------------------------

class _Style(NamedTuple):
    """The drawing options that decide how a tensor node looks."""
    show_data: bool
    show_grad: bool
    color_by: Optional[str]
    max_elements: int
    show_rules: bool = False


def _kind(tensor, is_root):
    if is_root:
        return "root"
    if tensor.parents:
        return "intermediate"
    return "parameter" if tensor.requires_grad else "data"


KIND_FILL = {"root": labels.ROOT, "intermediate": labels.INTERMEDIATE,
             "parameter": labels.PARAMETER, "data": labels.DATA}


def _fill(kind, color_by, checked, shaded):
    """(fill colour, extra attributes) of a node: red if any `checked` array holds NaN or inf;
    else the colour of its kind, or with color_by the magnitude step of the `shaded` arrays."""
    if any(array is not None and not labels.is_finite(array) for array in checked):
        return labels.NOT_FINITE, {"color": labels.NOT_FINITE_BORDER, "penwidth": "2"}
    if color_by is None:
        return KIND_FILL.get(kind, labels.LAYER), {}
    size = labels.mean_abs([array for array in shaded if array is not None])
    if size is None:
        return labels.NO_VALUE, {"style": "rounded,filled,dashed"}
    step = labels.magnitude_step(size)
    return labels.MAGNITUDE_COLORS[step], {}


def _values_shaded(tensor, color_by):
    """The array color_by shades a tensor by: its grad, or its data."""
    return tensor.grad if color_by == "grad" else tensor.data


def _tensor_node(tensor, kind, style):
    """Attributes of one tensor's node: an HTML table of name, shape, data and grad."""
    fill, extra = _fill(kind, style.color_by, checked=[tensor.data, tensor.grad],
                        shaded=[_values_shaded(tensor, style.color_by)])
    font = labels.font_color_on(fill)
    muted = font if style.color_by else labels.MUTED    # grey is unreadable on the shades
    shape = f"{labels.format_shape(tensor.shape)} {tensor.dtype}"
    data = labels.summary_lines(tensor.data, style.max_elements) if style.show_data else []
    grad = (labels.summary_lines(tensor.grad, style.max_elements)
            if style.show_grad and tensor.grad is not None else [])
    rows = [_row(bold(tensor.name))] if tensor.name else []
    rows.append(_row(f'<font color="{muted}">{escape(shape)}</font>'))
    rows += _value_rows("data", data) + _value_rows("grad", grad)
    tooltip = [tensor.name or "tensor", shape] + [f"{what} " + "; ".join(lines) for what, lines
                                                  in (("data", data), ("grad", grad)) if lines]
    attributes = {"label": _table(rows), "shape": "box", "style": "rounded,filled",
                  "fillcolor": fill, "fontcolor": font, "tooltip": " | ".join(tooltip)}
    if kind == "root":
        attributes["peripheries"] = "2"
    attributes.update(extra)
    return attributes


def _row(cell_html):
    return f'<tr><td colspan="2">{cell_html}</td></tr>'


def _value_rows(what, lines):
    """'data'/'grad' rows: a caption in the first column, the lines of the summary beside."""
    captions = [f"<i>{what}</i>"] + [""] * (len(lines) - 1)     # Graphviz rejects empty <i>
    return [f'<tr><td align="right">{caption}</td><td align="left">{escape(line)}</td></tr>'
            for caption, line in zip(captions, lines)]


def _table(rows):
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            + "".join(rows) + "</table>>")


def _op_node(op, rule, style):
    """Attributes of an op's node: its name (and with show_rules its rule); the tooltip is
    the rule."""
    label = bold(op)
    if style.show_rules and rule:
        label += f'<br/><font point-size="8">{escape(rule)}</font>'
    return {"label": f"<{label}>", "shape": "ellipse", "style": "filled",
            "fillcolor": labels.OP, "margin": "0.04,0.02", "height": "0.3",
            "tooltip": rule or op}


class _Edges:
    """How an input edge is labelled: by the gradient that flowed along it, or its operand."""

    def __init__(self, edge_labels, trace, tensors, structure):
        self.kind = edge_labels
        self.gradients = (flow.EdgeGradients(trace, tensors, structure)
                          if edge_labels == "grad" else None)

    def attributes(self, i, argument, parent, op, structure):
        composite = len(structure.members[i]) > 1
        text = None
        if self.kind == "grad":
            text = self.gradients.label(i, argument, parent, composite)
        elif self.kind == "operand" and not composite:
            text = flow.operand_text(op, argument, len(structure.inputs[i]))
        attributes = {"tooltip": f"input {argument} of {op}"}
        if text:
            attributes.update(label=f"<{escape(text)}>", fontsize="8",
                              fontcolor=labels.EDGE_LABEL)
        return attributes


# ---- one node per tensor and per op -------------------------------------------------------

def _add_clusters(canvas, tensors, membership, descriptions, kept, group_layers):
    """A box per layer that has a kept tensor, and inside it a box per function scope
    (md.scope) its ops ran in, nested as the calls were. Returns each tensor's box (or None)."""
    used = {layer for layer, keep in zip(membership, kept) if keep and layer is not None}
    layer_boxes = {}
    for number, (layer, description) in enumerate(descriptions.items()):
        if layer in used:
            layer_boxes[layer] = f"cluster_{number}"
            canvas.add_cluster(layer_boxes[layer], label=_layer_title(layer, description),
                               style="rounded", color=labels.CLUSTER_BORDER,
                               fontcolor="#8a4500", labeljust="l", margin="10")
    function_boxes = {}                      # id(scope) -> cluster id
    boxes = []
    for tensor, layer, keep in zip(tensors, membership, kept):
        box = layer_boxes.get(layer)
        if keep and group_layers:
            for scope in function_scopes(tensor):
                if id(scope) not in function_boxes:
                    function_boxes[id(scope)] = f"cluster_f{len(function_boxes)}"
                    canvas.add_cluster(function_boxes[id(scope)], parent=box,
                                       label=f"<{bold(scope.name)}>", style="rounded,dashed",
                                       color=labels.CLUSTER_BORDER, fontcolor="#8a4500",
                                       labeljust="l", margin="6")
                box = function_boxes[id(scope)]
        boxes.append(box)
    return boxes


def _layer_title(layer, description):
    """'dense_1 · Dense(4, activation=relu)' as an HTML label."""
    title = bold(layer)
    return f"<{title} · {escape(description)}>" if description else f"<{title}>"


def _draw_tensors_and_ops(canvas, tensors, boxes, kept, style, structure, edges):
    for i, tensor in enumerate(tensors):
        if not kept[i] or structure.hidden[i]:
            continue
        box = boxes[i]
        canvas.add_node(f"t{i}", box, **_tensor_node(tensor, _kind(tensor, i == 0), style))
        if not tensor.parents:
            continue
        canvas.add_node(f"op{i}", box, **_op_node(structure.op[i], structure.rule[i], style))
        canvas.add_edge(f"op{i}", f"t{i}")
        _add_input_edges(canvas, i, tensors, f"op{i}", kept, structure, edges)


def _add_input_edges(canvas, i, tensors, head, kept, structure, edges):
    """One edge per input, in argument order (a + a gives two); elided inputs hang off the
    note node, once per op."""
    from_note = False
    for argument, j in enumerate(structure.inputs[i]):
        if kept[j]:
            canvas.add_edge(f"t{j}", head, **edges.attributes(i, argument, tensors[j],
                                                               structure.op[i], structure))
        elif not from_note:
            canvas.add_edge(ELIDED, head, style="dashed")
            from_note = True


# ---- one node per layer -------------------------------------------------------------------

def _draw_collapsed(canvas, tensors, position, membership, descriptions, kept, style,
                    structure, edges):
    """Layers become single nodes; tensors and ops outside any layer are drawn as usual."""
    layer_ids = {layer: f"layer{number}" for number, layer in enumerate(descriptions)}
    drawn_edges = set()                 # edges touching a layer node are drawn once

    def node_of(j):
        return layer_ids[membership[j]] if membership[j] is not None else f"t{j}"

    def add_edge(tail, head, **attributes):
        if tail.startswith("layer") or head.startswith("layer"):
            if (tail, head) in drawn_edges:
                return
            drawn_edges.add((tail, head))
        canvas.add_edge(tail, head, **attributes)

    for i, tensor in enumerate(tensors):
        layer = membership[i]
        if not kept[i] or structure.hidden[i] or (layer is not None and not tensor.parents):
            continue
        if layer is None:
            canvas.add_node(f"t{i}", **_tensor_node(tensor, _kind(tensor, i == 0), style))
            if not tensor.parents:
                continue
            canvas.add_node(f"op{i}", **_op_node(structure.op[i], structure.rule[i], style))
            canvas.add_edge(f"op{i}", f"t{i}")
        head = layer_ids[layer] if layer is not None else f"op{i}"
        from_note = False
        for argument, j in enumerate(structure.inputs[i]):
            if layer is not None and membership[j] == layer:
                continue                                # inside the layer: not drawn
            if kept[j]:
                add_edge(node_of(j), head, **(edges.attributes(i, argument, tensors[j],
                                                               structure.op[i], structure)
                                              if layer is None else {}))
            elif not from_note:
                add_edge(ELIDED, head, style="dashed")
                from_note = True

    inputs, outputs = _layer_boundaries(tensors, position, membership)
    weights = {layer: [] for layer in descriptions}
    for tensor, layer in zip(tensors, membership):
        if layer is not None and not tensor.parents and tensor.requires_grad:
            weights[layer].append(tensor)
    drawn = {layer for layer, keep in zip(membership, kept) if keep}
    for layer, description in descriptions.items():
        if layer in drawn:
            canvas.add_node(layer_ids[layer], **_layer_node(
                layer, description, inputs[layer], outputs[layer], weights[layer],
                membership[0] == layer, style))


def _layer_boundaries(tensors, position, membership):
    """What flows into and out of each layer: {layer: {position: tensor}} for each direction.

    Inputs are tensors from outside the layer that its ops read, and data cast inside it
    (a non-weight leaf with at least one axis); outputs are its tensors read outside it.
    """
    inputs = {layer: {} for layer in membership if layer is not None}
    outputs = {layer: {} for layer in inputs}
    if membership[0] is not None:
        outputs[membership[0]][0] = tensors[0]
    for i, tensor in enumerate(tensors):
        layer = membership[i]
        for parent in tensor.parents:
            j = position[id(parent)]
            if membership[j] != layer:
                if layer is not None:
                    inputs[layer][j] = parent
                if membership[j] is not None:
                    outputs[membership[j]][j] = parent
            elif layer is not None and not (parent.parents or parent.requires_grad
                                            or parent.ndim == 0):
                inputs[layer][j] = parent
    return inputs, outputs


def _layer_node(layer, description, inputs, outputs, weights, is_root, style):
    """Attributes of a collapsed layer's node: name, description, in/out shapes, parameters."""
    shaded = weights or list(outputs.values())       # a layer without weights: its output
    fill, extra = _fill("layer", style.color_by,
                        checked=[w.data for w in weights] + [w.grad for w in weights],
                        shaded=[_values_shaded(tensor, style.color_by) for tensor in shaded])
    rows = [_row(bold(layer))]
    if description:
        rows.append(_row(escape(description)))
    rows.append(_row(escape(f"in {_shapes(inputs)} → out {_shapes(outputs)}")))
    rows.append(_row(escape(f"params {sum(weight.size for weight in weights):,}")))
    grads = [w.grad for w in weights if w.grad is not None]
    if style.show_grad and grads:
        rows.append(_row(escape(f"weights' mean |grad| "
                                f"{labels.format_number(labels.mean_abs(grads))}")))
    attributes = {"label": _table(rows), "shape": "box", "style": "rounded,filled",
                  "fillcolor": fill, "fontcolor": labels.font_color_on(fill),
                  "tooltip": f"{layer}: {description}"}
    if is_root:
        attributes["peripheries"] = "2"
    attributes.update(extra)
    return attributes


def _shapes(tensors_by_position, most=3):
    shapes = [labels.format_shape(tensor.shape) for tensor in tensors_by_position.values()]
    if not shapes:
        return "?"
    return ", ".join(shapes[:most]) + (f" (+{len(shapes) - most} more)" if len(shapes) > most
                                       else "")


# ---- the legend, drawn ---------------------------------------------------------------------

def _add_legend(canvas, color_by):
    """One node holding the legend of draw_graph's docstring: a swatch and a line per colour."""
    if color_by is None:
        samples = [("parameter (weight)", labels.PARAMETER), ("data / constant", labels.DATA),
                   ("intermediate", labels.INTERMEDIATE), ("root (loss)", labels.ROOT),
                   ("layer (collapsed)", labels.LAYER)]
    else:
        samples = [(labels.magnitude_step_label(step, color_by), color)
                   for step, color in reversed(list(enumerate(labels.MAGNITUDE_COLORS)))]
        samples.append((f"no {color_by}", labels.NO_VALUE))
    samples += [("op", labels.OP), ("NaN or inf", labels.NOT_FINITE)]
    rows = ['<tr><td colspan="2"><b>legend</b></td></tr>']
    rows += [f'<tr><td bgcolor="{fill}" border="1" width="18"> </td>'
             f'<td align="left">{escape(text)}</td></tr>' for text, fill in samples]
    canvas.add_node("legend", shape="box", style="rounded", color="#999999",
                    label='<<table border="0" cellborder="0" cellspacing="2" cellpadding="2">'
                          + "".join(rows) + "</table>>")
