"""What a drawn node says and what colour it wears: numbers, summaries, escaping, palettes.

Graphviz HTML-like labels are XML, so every piece of user text (tensor names, layer
descriptions) passes through `escape` before it lands inside one.
"""
import html

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

def escape(text):
    """Text made safe inside a Graphviz HTML-like label: & < > become entities."""
    return html.escape(str(text), quote=False)


def plain(text):
    """Text made safe inside a quoted DOT attribute such as a tooltip (backslash is special)."""
    return str(text).replace("\\", "\\\\")


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


def summary_lines(array, max_elements=TINY):
    """An array in one or two short lines: its values if it has at most `max_elements`,
    else mean, std, min and max.

    NaN and inf are counted on a line of their own and left out of the statistics.
    """
    array = np.asarray(array)
    if array.size <= max_elements:
        return [format_values(array)]                 # NaN and inf show as themselves
    values = finite_values(array)
    lines = []
    if values.size:
        mean, std = values.mean(dtype=np.float64), values.std(dtype=np.float64)
        lines = [f"mean {format_number(mean)}  std {format_number(std)}",
                 f"min {format_number(values.min())}  max {format_number(values.max())}"]
    if values.size < array.size:
        nans = int(np.isnan(array).sum())
        infs = array.size - values.size - nans
        lines.append(", ".join(f"{count} {what}" for count, what in
                               ((nans, "NaN"), (infs, "inf")) if count))
    return lines
