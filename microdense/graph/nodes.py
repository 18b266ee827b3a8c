"""How draw_graph draws one thing: a tensor's box, an op's ellipse, the legend; the colours of
each kind, and of each magnitude when shading by gradient or data (see draw_graph's legend)."""
from typing import NamedTuple, Optional

from microdense.graph import labels
from microdense.graph.labels import bold, escape


class Style(NamedTuple):
    """The drawing options that decide how a tensor node looks."""
    show_data: bool
    show_grad: bool
    color_by: Optional[str]
    max_elements: int
    show_rules: bool = False


def kind_of(tensor, is_root):
    if is_root:
        return "root"
    if tensor.parents:
        return "intermediate"
    return "parameter" if tensor.requires_grad else "data"


KIND_FILL = {"root": labels.ROOT, "intermediate": labels.INTERMEDIATE,
             "parameter": labels.PARAMETER, "data": labels.DATA}


def fill_of(kind, color_by, checked, shaded):
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


def values_shaded(tensor, color_by):
    """The array color_by shades a tensor by: its grad, or its data."""
    return tensor.grad if color_by == "grad" else tensor.data


def tensor_node(tensor, kind, style):
    """Attributes of one tensor's node: an HTML table of name, shape, data and grad."""
    fill, extra = fill_of(kind, style.color_by, checked=[tensor.data, tensor.grad],
                        shaded=[values_shaded(tensor, style.color_by)])
    font = labels.font_color_on(fill)
    muted = font if style.color_by else labels.MUTED    # grey is unreadable on the shades
    shape = f"{labels.format_shape(tensor.shape)} {tensor.dtype}"
    data = labels.summary_lines(tensor.data, style.max_elements) if style.show_data else []
    grad = (labels.summary_lines(tensor.grad, style.max_elements)
            if style.show_grad and tensor.grad is not None else [])
    rows = [row(bold(tensor.name))] if tensor.name else []
    rows.append(row(f'<font color="{muted}">{escape(shape)}</font>'))
    if tensor.size > max(labels.WIDE, style.max_elements):
        rows.append(glyph_row([("data", tensor.data, style.show_data),
                               ("grad", tensor.grad, style.show_grad)], muted))
        rows += value_rows("", [labels.non_finite_count(array) for array in
                                (tensor.data, tensor.grad) if array is not None
                                and not labels.is_finite(array)])
    else:
        rows += value_rows("data", data) + value_rows("grad", grad)
    tooltip = [tensor.name or "tensor", shape] + [f"{what} " + "; ".join(lines) for what, lines
                                                  in (("data", data), ("grad", grad)) if lines]
    attributes = {"label": table(rows), "shape": "box", "style": "rounded,filled",
                  "fillcolor": fill, "fontcolor": font, "tooltip": " | ".join(tooltip)}
    if kind == "root":
        attributes["peripheries"] = "2"
    attributes.update(extra)
    return attributes


def row(cell_html):
    return f'<tr><td colspan="2">{cell_html}</td></tr>'


def glyph_row(arrays, muted):
    """A wide tensor's data and grad side by side, each as a heat-map glyph and its scale
    (labels.glyph); the numbers are in the tooltip and in the explorer."""
    cells = []
    for what, array, shown in arrays:
        if shown and array is not None:
            picture, scale = labels.glyph(array)
            cells.append(f'<td align="right"><i>{what}</i></td><td>{picture}</td>'
                         f'<td align="left"><font color="{muted}">{scale}</font>'
                         f'</td>')
    if not cells:
        return ""
    inner = "".join(cells)
    return (f'<tr><td colspan="2"><table border="0" cellborder="0" cellspacing="2" '
            f'cellpadding="0"><tr>{inner}</tr></table></td></tr>')


def value_rows(what, lines):
    """'data'/'grad' rows: a caption in the first column, the lines of the summary beside."""
    captions = [f"<i>{what}</i>" if what else ""] + [""] * (len(lines) - 1)   # no empty <i>
    return [f'<tr><td align="right">{caption}</td><td align="left">{escape(line)}</td></tr>'
            for caption, line in zip(captions, lines)]


def table(rows):
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            + "".join(rows) + "</table>>")


def op_node(op, rule, style):
    """Attributes of an op's node: its name (and with show_rules its rule); the tooltip is
    the rule."""
    label = bold(op)
    if style.show_rules and rule:
        label += f'<br/><font point-size="8">{escape(rule)}</font>'
    return {"label": f"<{label}>", "shape": "ellipse", "style": "filled",
            "fillcolor": labels.OP, "margin": "0.04,0.02", "height": "0.3",
            "tooltip": rule or op}



# ---- the legend, drawn ---------------------------------------------------------------------

def add_legend(canvas, color_by):
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

