"""What a drawn node says and what colour it wears: numbers, summaries, escaping, palettes.

Graphviz HTML-like labels are XML and other attributes are quoted strings with escapes of
their own, so every piece of user text passes through `escape` before it lands in either.
"""
import numpy as np

# ---- colours (the legend in draw_graph's docstring describes these) -----------------------

PARAMETER = "#cfe2ff"       # light blue: a leaf that requires grad (a weight)
DATA = "#e9ecef"            # light grey: a leaf that does not (data, a constant)
INTERMEDIATE = "#ffffff"    # white: made by an op
ROOT = "#c7f0c2"            # light green: the tensor draw_graph was called on (the loss)
OP = "#fff2cc"              # pale amber: an op
LAYER = "#fde2c8"           # pale orange: a collapsed layer
NOT_FINITE = "#ff9a9a"      # red fill ...
NOT_FINITE_BORDER = "#d00000"   # ... and red border: NaN or inf somewhere in data or grad
NO_VALUE = "#ffffff"        # colour_by: a tensor with no gradient (drawn dashed)
BORDER = "#555555"
MUTED = "#555555"           # shape/dtype line
CLUSTER_BORDER = "#e07b00"
EDGE_LABEL = "#1f4e99"       # dark blue: the gradient written on an edge

# color_by: ColorBrewer's sequential YlGnBu, one step per power of ten of mean |value|.
MAGNITUDE_COLORS = ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4",
                    "#1d91c0", "#225ea8", "#253494", "#081d58")
SMALLEST_DECADE = -7        # mean |v| < 1e-6 falls in the palest step (1e-7 ≤ ... < 1e-6 and below)
DARK_STEPS = 6              # steps from here on are dark enough to need white text


def magnitude_step(mean_abs):
    """Palette index of a magnitude: step k holds 10^(k-7) <= mean |v| < 10^(k-6), clamped.

    So step 0 is "below 1e-6" (vanishing), step 6 is [0.1, 1), step 8 is "10 and above".
    """
    if not mean_abs > 0:                                    # 0 (and NaN, handled elsewhere)
        return 0
    decade = int(np.floor(np.log10(mean_abs)))
    return min(max(decade - SMALLEST_DECADE, 0), len(MAGNITUDE_COLORS) - 1)


def magnitude_step_label(step, what="v"):
    """The range of mean |v| one palette step stands for, e.g. '0.001 ≤ mean |v| < 0.01'."""
    low, high = _power_of_ten(step + SMALLEST_DECADE), _power_of_ten(step + SMALLEST_DECADE + 1)
    if step == 0:
        return f"mean |{what}| < {high}"
    if step == len(MAGNITUDE_COLORS) - 1:
        return f"mean |{what}| ≥ {low}"
    return f"{low} ≤ mean |{what}| < {high}"


def _power_of_ten(exponent):
    return f"{10.0 ** exponent:g}" if -3 <= exponent <= 3 else f"1e{exponent}"


def font_color_on(fill):
    """Black text, except white on the darkest magnitude steps."""
    return "white" if fill in MAGNITUDE_COLORS[DARK_STEPS:] else "black"


# ---- text ---------------------------------------------------------------------------------

# One escaping function for every piece of user text (tensor and layer names, descriptions,
# op names and rules, the model's name) wherever it lands: an HTML-like label, a quoted
# attribute such as a tooltip, or the graph's own name. Its output is safe in all three.
REPLACEMENTS = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                ("\\", "\\\\"))      # & first: the others write an &


def escape(text):
    """Any text made safe wherever it lands in DOT, and shown as it is.

    & < > " become XML entities, and so does ] in a text made of nothing else (Graphviz's
    HTML-label parser rejects "]" or "]]" alone). A backslash is doubled, as Graphviz's
    escString wants: alone it would start an escape (\\N is the node's name) or, at the end,
    swallow the closing quote. Characters Python would not print (NUL and other control
    characters, which XML forbids; lone surrogates; invisible ones such as a zero-width
    space) are written as Python writes them, \\x00, \\n, \\u200b, so the drawing shows
    that they are there.
    """
    text = str(text)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    for special, replacement in REPLACEMENTS:
        if special in text:             # most text has none: a fast scan, no copy
            text = text.replace(special, replacement)
    if text and not text.strip("]"):
        text = text.replace("]", "&#93;")
    return text


def bold(text):
    """User text in bold; an empty name as "" (Graphviz rejects an empty <b></b>)."""
    return f"<b>{escape(text)}</b>" if str(text) else "<b>&quot;&quot;</b>"


def format_number(value):
    """A number in at most 4 significant digits: 0.1235, -3.2e-05, 1024, nan, inf."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.4g}"


def format_shape(shape):
    """(3, 4) as '(3, 4)'; a scalar's () as 'scalar'."""
    return str(tuple(shape)) if len(shape) else "scalar"


def format_values(array):
    """Every value of a tiny array, e.g. '[[1, 2], [3, 4]]' or '0.5' for a scalar."""
    return _format_nested(np.asarray(array).tolist())


def _format_nested(values):
    if isinstance(values, list):
        return "[" + ", ".join(_format_nested(value) for value in values) + "]"
    return format_number(values)


# ---- summaries of arrays ------------------------------------------------------------------

TINY = 4        # arrays with at most this many values are shown in full


def is_finite(array):
    """True when the array holds no NaN and no inf."""
    array = np.asarray(array)
    return array.dtype.kind not in "fc" or bool(np.isfinite(array).all())


def finite_values(array):
    """The finite values of an array, flattened (all of it when it has no NaN or inf)."""
    array = np.asarray(array)
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        return array[np.isfinite(array)]
    return array.reshape(-1)


def mean_abs(arrays):
    """mean |v| over the finite values of one or more arrays taken together (what color_by
    shades), or None when there are none."""
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    total, count = 0.0, 0
    for array in arrays:
        values = finite_values(array)
        total += float(np.abs(values).sum(dtype=np.float64))
        count += values.size
    return total / count if count else None


NOISE_ULPS = 1000     # a mean below this many units of rounding of its values' size is noise


def is_rounding_noise(mean, values):
    """True when `mean` is smaller than the rounding error of the values it averages.

    Values that cancel (the gradient reaching softmax's logits sums to 0 over each row) leave
    a mean such as -8e-10 in float32, whose digits depend on the CPU's summation order: the
    drawing shows it as ≈0, the same on every machine. The threshold is NOISE_ULPS machine
    epsilons of mean |value| (1.2e-4 of it in float32, 2.2e-13 in float64); integers are exact.
    """
    if values.dtype.kind != "f":
        return False
    return abs(mean) < NOISE_ULPS * np.finfo(values.dtype).eps * np.abs(values).mean(
        dtype=np.float64)


def summary_lines(array, max_elements=TINY):
    """An array in one or two short lines: its values if it has at most `max_elements`,
    else mean, std, min and max.

    NaN and inf are counted on a line of their own and left out of the statistics. A mean
    lost in rounding noise shows as ≈0 (see is_rounding_noise).
    """
    array = np.asarray(array)
    if array.size <= max_elements:
        return [format_values(array)]                 # NaN and inf show as themselves
    values = finite_values(array)
    lines = []
    if values.size:
        mean, std = values.mean(dtype=np.float64), values.std(dtype=np.float64)
        shown_mean = "≈0" if is_rounding_noise(mean, values) else format_number(mean)
        lines = [f"mean {shown_mean}  std {format_number(std)}",
                 f"min {format_number(values.min())}  max {format_number(values.max())}"]
    if values.size < array.size:
        lines.append(non_finite_count(array))
    return lines


def non_finite_count(array):
    """'1 NaN, 2 inf': how many values are not finite ("" when all are)."""
    array = np.asarray(array)
    if is_finite(array):
        return ""
    nans = int(np.isnan(array).sum())
    infs = int(np.isinf(array).sum())
    return ", ".join(f"{count} {what}" for count, what in ((nans, "NaN"), (infs, "inf"))
                     if count)


# ---- wide tensors: a matrix glyph instead of numbers --------------------------------------

WIDE = 16                   # arrays with more values than this are drawn as a glyph
GLYPH_ROWS, GLYPH_COLS = 6, 12       # at most this many cells down and across
GLYPH_CELL = ("4", "3")     # a cell's width and height, in points


def diverging_color(value, largest):
    """Blue below zero, white at zero, red above; full strength at |value| = largest.
    (The explorer's grid uses the same scale.) NaN and inf are the NOT_FINITE red."""
    if not np.isfinite(value):
        return NOT_FINITE
    strength = min(abs(value) / largest, 1.0) if largest > 0 else 0.0
    fade = round(255 * (1 - 0.75 * strength))
    return f"#{fade:02x}{fade:02x}ff" if value < 0 else f"#ff{fade:02x}{fade:02x}"


def glyph_blocks(array):
    """The array seen as a matrix (a vector is one row; more axes are folded into the rows)
    cut into at most GLYPH_ROWS x GLYPH_COLS blocks: the mean of each block's finite values
    (NaN where a block has none, or holds a NaN or inf)."""
    array = np.asarray(array, dtype=np.float64)
    matrix = array.reshape(1, -1) if array.ndim < 2 else array.reshape(-1, array.shape[-1])
    rows = np.array_split(np.arange(matrix.shape[0]), min(GLYPH_ROWS, matrix.shape[0]))
    cols = np.array_split(np.arange(matrix.shape[1]), min(GLYPH_COLS, matrix.shape[1]))
    return np.array([[matrix[np.ix_(r, c)].mean() for c in cols] for r in rows])


def glyph(array):
    """A wide array as a tiny heat-map (HTML-like table) and its colour scale: each cell the
    mean of a block of values, blue negative, red positive, strongest at ±largest."""
    blocks = glyph_blocks(array)
    finite = blocks[np.isfinite(blocks)]
    largest = float(np.abs(finite).max()) if finite.size else 0.0
    width, height = GLYPH_CELL
    cells = "".join(
        "<tr>" + "".join(f'<td bgcolor="{diverging_color(v, largest)}" width="{width}" '
                         f'height="{height}" fixedsize="true"></td>' for v in row) + "</tr>"
        for row in blocks)
    table = (f'<table border="1" color="{BORDER}" cellborder="0" cellspacing="0" '
             f'cellpadding="0">{cells}</table>')
    return table, f"±{format_number(largest)}"
