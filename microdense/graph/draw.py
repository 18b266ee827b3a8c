"""draw_graph: a picture of every op, value and gradient that led to a tensor."""
from microdense.graph import flow, labels, notes
from microdense.graph.collapsed import draw_collapsed
from microdense.graph.expand import expand_fused
from microdense.graph.labels import bold, escape
from microdense.graph.nodes import Style, add_legend, kind_of, op_node, tensor_node
from microdense.graph.notes import ELIDED
from microdense.graph.rendering import Canvas
from microdense.graph.scalar_zoom import expand_dense
from microdense.graph.walk import (Structure, function_scopes, keep_nearest, layers_of,
                                   longest_chain, walk)

COLOR_BY = (None, "grad", "data")
RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
DEEP = 6                    # rankdir="auto": a chain of more ops than this is drawn top-down


def draw_graph(root, *, show_data=True, show_grad=True, group_layers=True,
               collapse_layers=False, color_by=None, rankdir="auto", max_nodes=1000,
               max_elements=labels.TINY, show_legend=False, edge_labels=None,
               show_rules=False, trace=None, expand=False):
    """Draw the computation graph that produced `root`: input tensor -> op -> output tensor.

    Returns a `graphviz.Digraph` (a subclass, `Drawing`): `.source` is the DOT text,
    `.render("viz/mlp", format="svg")` writes a picture, and Jupyter shows it inline.
    Rendering needs Graphviz's `dot` program; without it rendering raises
    GraphvizNotFoundError, which says how to install it (`.source` still works).

    One box per tensor: its name if it has one ("dense/kernel"), shape and dtype, and its
    data and grad, in full when it has at most `max_elements` (4) values, else as mean, std,
    min and max; above 16 values, as a glyph: a small heat-map of the matrix (each cell the
    mean of a block, blue below zero, red above, strongest at the ±scale written beside it),
    with mean, std, min and max in the tooltip.
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
    |grad| always means this one size, mean |grad| over the finite values: on edge labels,
    in the colouring and in the explorer alike.

    root             the tensor to explain, usually a scalar loss after `loss.backward()`
    show_data        write each tensor's values (or their summary)
    show_grad        write each tensor's gradient (or its summary), where it has one
    group_layers     put the ops a layer made, and its weights, in a box named after it
    collapse_layers  draw each layer as one node (in/out shapes, parameter count)
    color_by         None, "grad" or "data" (see the legend)
    rankdir          "auto" (the default): top to bottom ("TB") when the longest chain has
                     more than 6 ops, as a deep network's has, else left to right ("LR");
                     or one of "LR", "TB", "RL", "BT"
    max_nodes        draw at most about this many nodes, nearest the root first; a note says
                     how many were left out. None draws everything.
    max_elements     tensors with at most this many values show them all; larger ones a summary
    show_legend      also draw the legend as a box of sample nodes
    edge_labels      None; "grad": each edge from an input to an op is labelled with the
                     gradient that input received along it (its values when tiny, else
                     its mean |grad|, the one size |grad| means everywhere), read from the
                     trace of `trace = md.trace_backward(loss)` (found by itself, or pass
                     trace= or draw the trace); "operand": the
                     inputs' roles where order matters (x and W of a matmul, numerator ...)
    show_rules       write each op's derivative rule under its name (PNG and PDF keep it)
    trace            the md.trace_backward Trace to read edge_labels="grad" from; `root`
                     may also be the trace itself
    expand           True: draw each fused op (binary_crossentropy, categorical_crossentropy)
                     as the composition of primitives it stands for, in a box named after it;
                     "dense": draw each tiny Dense layer (up to 32 products x[b,i] * W[i,j],
                     e.g. 4 inputs x 4 units with a batch of 2) as its scalar graph, every
                     product and sum a node, with the engine's values and gradients
    """
    if expand not in (False, None, True, "dense"):
        raise ValueError(f"expand must be False, True or 'dense'; got {expand!r}.")
    if expand and edge_labels == "grad":
        raise ValueError(f"expand={expand!r} draws a recomputed graph, which the trace of "
                         f"edge_labels='grad' does not describe: use one or the other.")
    trace = flow.find_trace(root, trace, edge_labels)
    if trace is not None and root is trace:
        root = trace.root
    notes.require_tensor(root)
    _check_options(color_by, rankdir, max_nodes, edge_labels)
    if expand == "dense":
        root = expand_dense(root)
    elif expand:
        root = expand_fused(root)
    tensors, position = walk(root)
    structure = Structure(tensors, position)
    rankdir = choose_rankdir(rankdir, tensors, position, structure)
    membership, descriptions = layers_of(tensors, position)
    if not (group_layers or collapse_layers):
        membership = [None] * len(tensors)
    kept, elided = keep_nearest(tensors, membership, max_nodes, collapse_layers,
                                structure.hidden)

    canvas = Canvas()
    style = Style(show_data, show_grad, color_by, max_elements, show_rules)
    edges = flow.EdgeLabels(edge_labels, trace, tensors, structure)
    if collapse_layers:
        draw_collapsed(canvas, tensors, position, membership, descriptions, kept, style,
                        structure, edges)
    else:
        clusters = _add_clusters(canvas, tensors, membership, descriptions, kept,
                                 group_layers)
        _draw_tensors_and_ops(canvas, tensors, clusters, kept, style, structure, edges,
                              membership)
    if elided:
        notes.add_elision_note(canvas, elided)
    if notes.records_nothing(root):
        notes.warn_nothing_recorded()
        notes.add_nothing_recorded_note(canvas)
    elif show_grad and notes.has_no_gradients_yet(tensors):
        notes.add_no_gradients_note(canvas)
    passes = trace or flow.latest_trace(root)      # the pass whose gradients are drawn
    earlier = notes.earlier_gradients(passes) if show_grad and passes is not None else []
    if earlier:
        notes.warn_earlier_gradients(passes, earlier, "draw_graph")
        notes.add_earlier_gradients_note(canvas, passes, earlier)
    if show_legend:
        add_legend(canvas, color_by)
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


def choose_rankdir(rankdir, tensors, position, structure):
    """rankdir="auto": "TB" for a chain of more than DEEP ops (a picture taller than wide
    fits a screen, and reads down like the layers of a model summary), else "LR"."""
    if rankdir != "auto":
        return rankdir
    return "TB" if longest_chain(tensors, position, structure.hidden) > DEEP else "LR"


def _graph_attributes(rankdir):
    return {"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35", "fontname": "Helvetica",
            "fontsize": "11", "tooltip": " "}


def _node_attributes():
    return {"fontname": "Helvetica", "fontsize": "10", "color": labels.BORDER}


def _edge_attributes():
    return {"arrowsize": "0.6", "color": "#444444", "fontname": "Helvetica"}


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


def _draw_tensors_and_ops(canvas, tensors, boxes, kept, style, structure, edges, membership):
    for i, tensor in enumerate(tensors):
        if not kept[i] or structure.hidden[i]:
            continue
        box = boxes[i]
        canvas.add_node(f"t{i}", box, **tensor_node(tensor, kind_of(tensor, i == 0), style))
        if not tensor.parents:
            continue
        canvas.add_node(f"op{i}", box, **op_node(structure.op[i], structure.rule[i], style))
        canvas.add_edge(f"op{i}", f"t{i}")
        _add_input_edges(canvas, i, tensors, f"op{i}", kept, structure, edges, membership)


def _add_input_edges(canvas, i, tensors, head, kept, structure, edges, membership):
    """One edge per input, in argument order (a + a gives two); elided inputs hang off the
    note node, once per op.

    An edge into a layer's box from outside it spans two ranks, not one: the layer's weights
    (one rank above the op that reads them) then sit below the box it comes from, so layer
    boxes stack one after the other instead of side by side in a staircase."""
    from_note = False
    for argument, j in enumerate(structure.inputs[i]):
        if kept[j]:
            attributes = edges.attributes(i, argument, tensors[j], structure.op[i], structure)
            if membership[i] is not None and membership[j] != membership[i]:
                attributes["minlen"] = "2"
            canvas.add_edge(f"t{j}", head, **attributes)
        elif not from_note:
            canvas.add_edge(ELIDED, head, style="dashed")
            from_note = True


def node_ids(root, *, group_layers=True, max_nodes=1000):
    """The DOT ids draw_graph(root) gives, which its SVG keeps as each group's <title>.

    Returns ({id(tensor): tensor node id}, {id(tensor): op node id}, {layer: cluster id}) for
    what draw_graph(root, group_layers=..., max_nodes=...) draws (layers not collapsed); a
    tensor it leaves out, or hides inside a composed op (md.mean's sum), has no entry. The
    explorer page finds its tensors in the SVG by them.
    """
    _check_options(None, "LR", max_nodes, None)
    tensors, position = walk(root)
    hidden = Structure(tensors, position).hidden
    membership, descriptions = layers_of(tensors, position)
    if not group_layers:
        membership = [None] * len(tensors)
    kept, _ = keep_nearest(tensors, membership, max_nodes, False, hidden)
    drawn = [keep and not hide for keep, hide in zip(kept, hidden)]
    tensor_ids = {id(t): f"t{i}" for i, t in enumerate(tensors) if drawn[i]}
    op_ids = {id(t): f"op{i}" for i, t in enumerate(tensors) if drawn[i] and t.parents}
    used = {layer for layer, keep in zip(membership, kept) if keep and layer is not None}
    cluster_ids = {layer: f"cluster_{number}" for number, layer in enumerate(descriptions)
                   if layer in used}
    return tensor_ids, op_ids, cluster_ids
