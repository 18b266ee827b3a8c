"""plot_model: one box per layer, as keras.utils.plot_model draws a model: a chain for a
Sequential model, the graph of layer calls for a functional one (merges, branches, several
inputs and outputs)."""
from microdense.graph import labels
from microdense.graph.labels import bold, escape
from microdense.graph.rendering import Canvas, write
from microdense.naming import activation_name


BITMAP_FORMATS = ("png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp")


def plot_model(model, to_file="model.png", show_shapes=True, show_layer_activations=True,
               show_params=True, rankdir="TB", show_dtype=False, show_layer_names=True,
               expand_nested=False, dpi=200, show_trainable=False):
    """Draw a model's layers, one box each: input -> layer -> layer -> ... for a Sequential
    model; for a functional one, an arrow from a layer to each layer its output feeds.

    Each box names the layer and its class ("dense_1 (Dense)"), and optionally its
    activation, its input and output shapes (None is the batch axis), its number of
    parameters, its dtype and whether it is trainable (show_trainable). A model used as a
    layer is one box, or with expand_nested=True a frame holding its own layers. It reads only
    model.layers and each layer's public attributes (name, activation, compute_output_shape,
    count_params, dtype, trainable, batch_shape of an InputLayer) and the model's input_shape.

    Returns a `graphviz.Digraph` (see draw_graph) and, as Keras, renders the picture into
    `to_file` ("model.png" unless told otherwise; None writes nothing), in the format the
    extension names (.svg, .png, .pdf, or .dot for the DOT text). `dpi` is the resolution of
    a bitmap file (.png; 200 as Keras); .svg and .pdf are vector drawings and ignore it.
    Rendering needs Graphviz's `dot` and raises GraphvizNotFoundError, with install help,
    without.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of TB, LR, BT, RL; got {rankdir!r}.")
    options = {"show_shapes": show_shapes, "show_activations": show_layer_activations,
               "show_params": show_params, "show_dtype": show_dtype,
               "show_names": show_layer_names, "show_trainable": show_trainable,
               "expand_nested": expand_nested}
    canvas = Canvas()
    _draw_model(canvas, model, options)
    graph_attributes = {"rankdir": rankdir, "nodesep": "0.3", "ranksep": "0.3", "tooltip": " "}
    if to_file is not None and str(to_file).rsplit(".", 1)[-1].lower() in BITMAP_FORMATS:
        graph_attributes["dpi"] = str(dpi)   # only bitmaps: an .svg would grow dpi/72 times
    drawing = canvas.to_drawing(getattr(model, "name", None) or "model", graph_attributes,
                                {"fontname": "Helvetica", "fontsize": "11",
                                 "color": labels.BORDER},
                                {"arrowsize": "0.7", "color": "#444444"})
    if to_file is not None:
        write(drawing, to_file)
    return drawing


def _is_functional(model):
    return type(model).__name__ == "Functional"


def _is_model(layer):
    return hasattr(layer, "layers") and type(layer).__name__ in ("Functional", "Sequential")


def _draw_model(canvas, model, options, prefix="", cluster=None):
    """The boxes of a model's layers (ids `prefix`layer0, ...), inside `cluster`. Returns
    (the boxes its inputs go into, the boxes its outputs come out of), so the model can be
    wired into an outer one when it is drawn expanded."""
    if _is_functional(model):
        return _draw_functional(canvas, model, options, prefix, cluster)
    return _draw_chain(canvas, model, list(model.layers), options, prefix, cluster)


def _draw_layer(canvas, layer, box_id, input_shape, output_shape, options, cluster):
    """One layer: a box, or (a nested model, expand_nested) a frame with its layers inside.
    Returns (entry boxes, exit boxes)."""
    if options["expand_nested"] and _is_model(layer):
        frame = f"cluster_{box_id}"
        canvas.add_cluster(frame, cluster, label=_table([bold(layer.name) + " (" +
                                                         escape(type(layer).__name__) + ")"]),
                           style="rounded,dashed", color=labels.BORDER, tooltip=layer.name)
        return _draw_model(canvas, layer, options, f"{box_id}_", frame)
    canvas.add_node(box_id, cluster, **_layer_box(layer, input_shape, output_shape, options))
    return [box_id], [box_id]


def _draw_functional(canvas, model, options, prefix, cluster):
    """One box per layer of a functional model, an arrow for every tensor one layer's call
    passes to another's (a layer called twice, or with several inputs, gets several)."""
    ends, box_ids = {}, {}            # layer -> (its entry boxes, its exit boxes); its box id
    for number, layer in enumerate(model.layers):
        box_ids[id(layer)] = f"{prefix}layer{number}"

    def leaves_from(tensor):          # the box a tensor comes out of (output i of a model)
        exits = ends[id(tensor.node.layer)][1]
        return exits[min(tensor.index, len(exits) - 1)]

    for layer in model.layers:
        if _is_input_layer(layer):
            ends[id(layer)] = _draw_layer(canvas, layer, box_ids[id(layer)], None,
                                          layer.batch_shape, options, cluster)
    for node in model._nodes:
        inputs = [t.shape for t in node.inputs]
        outputs = [t.shape for t in node.outputs]
        if id(node.layer) not in ends:                # a shared layer: one box, first call
            ends[id(node.layer)] = _draw_layer(
                canvas, node.layer, box_ids[id(node.layer)],
                inputs if node.several else inputs[0],
                outputs if len(outputs) > 1 else outputs[0], options, cluster)
        entries = ends[id(node.layer)][0]
        for number, tensor in enumerate(node.inputs):  # input i of a model goes to its box i
            canvas.add_edge(leaves_from(tensor), entries[min(number, len(entries) - 1)])
    return ([ends[id(t.node.layer)][0][0] for t in model.inputs],
            [leaves_from(t) for t in model.outputs])


def _draw_chain(canvas, model, layers, options, prefix, cluster):
    """Sequential: input -> layer -> layer -> ..., one box each."""
    shape = _model_input_shape(model, layers)
    previous = entries = None
    if shape is not None and not _is_input_layer(layers[0] if layers else None) and not prefix:
        previous = entries = ["input"]                 # (a nested chain's input is outside)
        canvas.add_node("input", cluster, label=_input_label(shape, options["show_shapes"]),
                        shape="box", style="rounded,filled", fillcolor=labels.DATA,
                        tooltip="model input")
    for number, layer in enumerate(layers):
        output_shape = _output_shape(layer, shape)
        first, last = _draw_layer(canvas, layer, f"{prefix}layer{number}", shape, output_shape,
                                  options, cluster)
        if previous is not None:
            canvas.add_edge(previous[0], first[0])
        entries = entries or first
        previous, shape = last, output_shape
    return entries or [], previous or []


# ---- reading the model --------------------------------------------------------------------

def _is_input_layer(layer):
    return layer is not None and getattr(layer, "batch_shape", None) is not None


def _model_input_shape(model, layers):
    """The input shape with its batch axis, (None, 3), or None when the model does not say."""
    shape = getattr(model, "input_shape", None)
    if shape is None and _is_input_layer(layers[0] if layers else None):
        shape = layers[0].batch_shape
    return tuple(shape) if shape is not None else None


def _output_shape(layer, input_shape):
    """What the layer makes of `input_shape`, or None when unknown."""
    if _is_input_layer(layer):
        return tuple(layer.batch_shape)
    if input_shape is None or not hasattr(layer, "compute_output_shape"):
        return None
    try:
        return tuple(layer.compute_output_shape(input_shape))
    except (TypeError, ValueError, IndexError):
        return None


def _activation_name(layer):
    """'relu', a registered or user function's name; None for layers without an activation."""
    activation = getattr(layer, "activation", None)
    return None if activation is None else activation_name(activation)


def _param_count(layer):
    """The number of weights, or None for a layer not built yet (it has none so far)."""
    try:
        return int(layer.count_params())
    except (ValueError, AttributeError):
        return None


# ---- drawing it ---------------------------------------------------------------------------

def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):                      # several inputs or outputs
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _input_label(shape, show_shapes):
    rows = ["<b>input</b>"] + ([escape(_format_shape(shape))] if show_shapes else [])
    return _table(rows)


def _layer_box(layer, input_shape, output_shape, options):
    kind = type(layer).__name__
    title = f"{bold(layer.name)} ({escape(kind)})" if options["show_names"] else bold(kind)
    rows = [title]
    activation = _activation_name(layer)
    if options["show_activations"] and activation is not None:
        rows.append(f"activation: {escape(activation)}")
    if options["show_shapes"] and not _is_input_layer(layer):
        rows.append(escape(f"{_format_shape(input_shape)} → {_format_shape(output_shape)}"))
    elif options["show_shapes"]:
        rows.append(escape(_format_shape(output_shape)))
    if options["show_params"]:
        count = _param_count(layer)
        rows.append(escape(f"params: {count:,}" if count is not None else
                           "params: ? (not built)"))
    if options["show_dtype"] and getattr(layer, "dtype", None) is not None:
        rows.append(f"dtype: {escape(layer.dtype)}")
    if options["show_trainable"] and getattr(layer, "trainable", None) is not None:
        rows.append("trainable: " + ("yes" if layer.trainable else "no"))
    fill = labels.DATA if _is_input_layer(layer) else labels.LAYER
    return {"label": _table(rows), "shape": "box", "style": "rounded,filled",
            "fillcolor": fill, "tooltip": f"{layer.name} ({kind})"}


def _table(rows):
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'
