"""model.summary(): Keras 3's table, drawn with the same box characters and column widths.

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
    │ dense (Dense)                        │ (None, 64)                  │             704 │
    └──────────────────────────────────────┴─────────────────────────────┴─────────────────┘
     Total params: 704 (2.75 KB)
     Trainable params: 704 (2.75 KB)
     Non-trainable params: 0 (0.00 B)

Keras (keras/src/utils/summary_utils.py) lays the table out with the `rich` library: columns
at 45%, 80% and 100% of the line (88 characters, or the terminal width - 4 if smaller), each
cell padded by one space, and the widths shrunk evenly until the borders fit. The layout code
below does the same arithmetic without the dependency.
"""
import math
import shutil
import textwrap

HEADER = ("Layer (type)", "Output Shape", "Param #")
ALIGN = ("left", "left", "right")
# A functional model whose layers do not form a chain gets a fourth column, as in Keras:
# which layer outputs feed each layer, as "<layer>[<node>][<output>]".
CONNECTED_HEADER = HEADER + ("Connected to",)
CONNECTED_ALIGN = ALIGN + ("left",)


def count_params(weights):
    return int(sum(math.prod(w.shape) for w in weights))


def readable_memory_size(size):
    """Bytes as Keras shows them: '35.25 KB', '0.00 B'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def column_widths(line_length, positions):
    """The text width of each column, as rich lays out Keras's table."""
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    cells = [w + 2 for w in widths]                   # one space of padding on each side
    excess = sum(cells) - (line_length - len(cells) - 1)   # the vertical borders take the rest
    if excess > 0:                                    # rich's ratio_reduce: shave evenly
        remaining, columns_left = excess, len(cells)
        for i, cell in enumerate(cells):
            shaved = min(cell, round(remaining / columns_left))
            cells[i] = cell - shaved
            remaining -= shaved
            columns_left -= 1
    return [cell - 2 for cell in cells]


def _row(cells, widths, edge="│", align=ALIGN):
    """One table row; a cell longer than its column wraps onto more lines, as rich does."""
    wrapped = [textwrap.wrap(text, width) or [""] for text, width in zip(cells, widths)]
    lines = []
    for i in range(max(len(w) for w in wrapped)):
        parts = []
        for column, width in enumerate(widths):
            text = wrapped[column][i] if i < len(wrapped[column]) else ""
            parts.append(text.rjust(width) if align[column] == "right" else text.ljust(width))
        lines.append(edge + edge.join(f" {part} " for part in parts) + edge)
    return lines


def _rule(widths, left, fill, middle, right):
    return left + middle.join(fill * (w + 2) for w in widths) + right


def _format_shape(shape):
    if isinstance(shape, list):                  # a layer with several outputs
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return "(" + ", ".join("None" if n is None else str(n) for n in shape) + ")"


def _layer_fields(layer, output_shape):
    name = f"{layer.name} ({type(layer).__name__})"
    if not layer.built:
        return name, "?", "0 (unbuilt)"
    shape = "?" if output_shape is None else _format_shape(output_shape)
    return name, shape, f"{layer.count_params():,}"


def connections(model):
    """{layer name: "a[0][0], b[0][0]"} for a functional model that is not a chain (Keras's
    "Connected to" column), or None when its layers form a chain (or it is Sequential)."""
    nodes = getattr(model, "_nodes", None)
    if nodes is None or type(model).__name__ == "Sequential":
        return None
    readers = [id(tensor) for node in nodes for tensor in node.inputs]
    layers = [node.layer for node in nodes]
    chain = (len(model.inputs) == 1 and all(len(node.inputs) == 1 for node in nodes)
             and len(readers) == len(set(readers)) and len(layers) == len(set(layers)))
    if chain:
        return None
    text = {}
    for node in nodes:
        sources = [f"{t.node.layer.name}[{t.node.layer._inbound_nodes.index(t.node)}]"
                   f"[{t.index}]" for t in node.inputs]
        text.setdefault(node.layer.name, []).extend(sources)
    return {name: ", ".join(sources) for name, sources in text.items()}


def summary_text(model, line_length=None, positions=None):
    """The summary as one string (ending in a newline), as Keras 3 hands it to print_fn."""
    connected = connections(model)
    header, align = (HEADER, ALIGN) if connected is None else (CONNECTED_HEADER,
                                                               CONNECTED_ALIGN)
    default = 88 if connected is None else 108
    line_length = line_length or min(default, shutil.get_terminal_size().columns - 4)
    positions = positions or ((0.45, 0.80, 1.0) if connected is None else
                              (0.3, 0.56, 0.74, 1.0))
    widths = column_widths(line_length, positions)
    lines = [f'Model: "{model.name}"',
             _rule(widths, "┏", "━", "┳", "┓"),
             *_row(header, widths, edge="┃", align=align),
             _rule(widths, "┡", "━", "╇", "┩")]
    layers = model.layers
    shapes = model._output_shapes()
    for i, layer in enumerate(layers):
        if i:
            lines.append(_rule(widths, "├", "─", "┼", "┤"))
        fields = _layer_fields(layer, shapes.get(layer.name))
        if connected is not None:
            fields += (connected.get(layer.name, "-"),)
        lines.extend(_row(fields, widths, align=align))
    lines.append(_rule(widths, "└", "─", "┴", "┘"))

    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    trainable_bytes = sum(w.data.nbytes for w in trainable)
    frozen_bytes = sum(w.data.nbytes for w in frozen)
    optimizer_count, optimizer_bytes = _optimizer_size(model)
    total = count_params(trainable) + count_params(frozen) + optimizer_count
    total_bytes = trainable_bytes + frozen_bytes + optimizer_bytes
    lines.append(f" Total params: {total:,} ({readable_memory_size(total_bytes)})")
    lines.append(f" Trainable params: {count_params(trainable):,} "
                 f"({readable_memory_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {count_params(frozen):,} "
                 f"({readable_memory_size(frozen_bytes)})")
    if optimizer_count:
        lines.append(f" Optimizer params: {optimizer_count:,} "
                     f"({readable_memory_size(optimizer_bytes)})")
    return "\n".join(lines) + "\n"


def _optimizer_size(model):
    """Keras counts an optimizer's variables once it has taken a step: its slots (Adam's
    momentum and velocity per weight), plus `iterations` (int64) and `learning_rate`
    (float32)."""
    optimizer = model.optimizer
    if not model.compiled or not optimizer.built:       # built: it has taken a step
        return 0, 0
    slots = [a for key, a in optimizer.get_state().items() if key != "iterations"]
    return sum(a.size for a in slots) + 2, sum(a.nbytes for a in slots) + 8 + 4
