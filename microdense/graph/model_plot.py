"""plot_model: one box per layer, as keras.utils.plot_model draws a model: a chain for a
Sequential model, the graph of layer calls for a functional one (merges, branches, several
inputs and outputs)."""
from microdense.graph import labels
from microdense.graph.labels import bold, escape
from microdense.graph.rendering import Canvas, write
from microdense.naming import activation_name


def plot_model(model, to_file=None, show_shapes=True, show_layer_activations=True,
               show_params=True, rankdir="TB", show_dtype=False, show_layer_names=True):
    """Draw a model's layers, one box each: input -> layer -> layer -> ... for a Sequential
    model; for a functional one, an arrow from a layer to each layer its output feeds.

    Each box names the layer and its class ("dense_1 (Dense)"), and optionally its
    activation, its input and output shapes (None is the batch axis), its number of
    parameters and its dtype. It reads only model.layers and each layer's public attributes
    (name, activation, compute_output_shape, count_params, dtype, batch_shape of an
    InputLayer) and the model's input_shape when it has one.

    Returns a `graphviz.Digraph` (see draw_graph). With `to_file` it also renders the picture
    there, in the format the extension names (.svg, .png, .pdf, or .dot for the DOT text);
    that needs Graphviz's `dot` and raises GraphvizNotFoundError, with install help, without.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of TB, LR, BT, RL; got {rankdir!r}.")
    layers = list(model.layers)
    canvas = Canvas()
    box_options = (show_shapes, show_layer_activations, show_params, show_dtype,
                   show_layer_names)
    if _is_functional(model):
        _draw_functional(canvas, model, box_options)
    else:
        _draw_chain(canvas, model, layers, box_options)
    drawing = canvas.to_drawing(getattr(model, "name", None) or "model",
                                {"rankdir": rankdir, "nodesep": "0.3", "ranksep": "0.3",
                                 "tooltip": " "},
                                {"fontname": "Helvetica", "fontsize": "11",
                                 "color": labels.BORDER},
                                {"arrowsize": "0.7", "color": "#444444"})
    if to_file is not None:
        write(drawing, to_file)
    return drawing


def _is_functional(model):
    return type(model).__name__ == "Functional"


def _draw_functional(canvas, model, box_options):
    """One box per layer of a functional model, an arrow for every tensor one layer's call
    passes to another's (a layer called twice, or with several inputs, gets several)."""
    boxes, drawn = {}, set()
    for number, layer in enumerate(model.layers):
        boxes[id(layer)] = f"layer{number}"
    for layer in model.layers:
        if _is_input_layer(layer):
            canvas.add_node(boxes[id(layer)], **_layer_box(layer, None, layer.batch_shape,
                                                           *box_options))
    for node in model._nodes:
        inputs = [t.shape for t in node.inputs]
        outputs = [t.shape for t in node.outputs]
        if id(node.layer) not in drawn:               # a shared layer: one box, first call
            drawn.add(id(node.layer))
            canvas.add_node(boxes[id(node.layer)], **_layer_box(
                node.layer, inputs if node.several else inputs[0],
                outputs if len(outputs) > 1 else outputs[0], *box_options))
        for tensor in node.inputs:
            canvas.add_edge(boxes[id(tensor.node.layer)], boxes[id(node.layer)])


def _draw_chain(canvas, model, layers, box_options):
    """Sequential: input -> layer -> layer -> ..., one box each."""
    shape = _model_input_shape(model, layers)
    previous = None
    if shape is not None and not _is_input_layer(layers[0] if layers else None):
        previous = "input"
        show_shapes = box_options[0]
        canvas.add_node("input", label=_input_label(shape, show_shapes), shape="box",
                        style="rounded,filled", fillcolor=labels.DATA, tooltip="model input")
    for number, layer in enumerate(layers):
        output_shape = _output_shape(layer, shape)
        node_id = f"layer{number}"
        canvas.add_node(node_id, **_layer_box(layer, shape, output_shape, *box_options))
        if previous is not None:
            canvas.add_edge(previous, node_id)
        previous, shape = node_id, output_shape


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


def _layer_box(layer, input_shape, output_shape, show_shapes, show_activations, show_params,
               show_dtype, show_names):
    kind = type(layer).__name__
    title = f"{bold(layer.name)} ({escape(kind)})" if show_names else bold(kind)
    rows = [title]
    activation = _activation_name(layer)
    if show_activations and activation is not None:
        rows.append(f"activation: {escape(activation)}")
    if show_shapes and not _is_input_layer(layer):
        rows.append(escape(f"{_format_shape(input_shape)} → {_format_shape(output_shape)}"))
    elif show_shapes:
        rows.append(escape(_format_shape(output_shape)))
    if show_params:
        count = _param_count(layer)
        rows.append(escape(f"params: {count:,}" if count is not None else
                           "params: ? (not built)"))
    if show_dtype and getattr(layer, "dtype", None) is not None:
        rows.append(f"dtype: {escape(layer.dtype)}")
    fill = labels.DATA if _is_input_layer(layer) else labels.LAYER
    return {"label": _table(rows), "shape": "box", "style": "rounded,filled",
            "fillcolor": fill, "tooltip": f"{layer.name} ({kind})"}


def _table(rows):
    cells = "".join(f"<tr><td>{row}</td></tr>" for row in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'
