"""draw_graph(collapse_layers=True): each layer one node (its in/out shapes and parameter
count); tensors and ops outside any layer are drawn as usual."""
from microdense.graph import labels
from microdense.graph.labels import bold, escape
from microdense.graph.nodes import fill_of, kind_of, op_node, row, table, tensor_node, values_shaded
from microdense.graph.notes import ELIDED

def draw_collapsed(canvas, tensors, position, membership, descriptions, kept, style,
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
            canvas.add_node(f"t{i}", **tensor_node(tensor, kind_of(tensor, i == 0), style))
            if not tensor.parents:
                continue
            canvas.add_node(f"op{i}", **op_node(structure.op[i], structure.rule[i], style))
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
    fill, extra = fill_of("layer", style.color_by,
                        checked=[w.data for w in weights] + [w.grad for w in weights],
                        shaded=[values_shaded(tensor, style.color_by) for tensor in shaded])
    rows = [row(bold(layer))]
    if description:
        rows.append(row(escape(description)))
    rows.append(row(escape(f"in {_shapes(inputs)} → out {_shapes(outputs)}")))
    rows.append(row(escape(f"params {sum(weight.size for weight in weights):,}")))
    grads = [w.grad for w in weights if w.grad is not None]
    if style.show_grad and grads:
        rows.append(row(escape(f"weights' mean |grad| "
                                f"{labels.format_number(labels.mean_abs(grads))}")))
    attributes = {"label": table(rows), "shape": "box", "style": "rounded,filled",
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


