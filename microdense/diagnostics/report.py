"""layer_report: "why is my network not learning?" as one table, one row per layer.

    rows = md.diagnostics.layer_report(model, x_train[:256], y_train[:256])

A 5-layer sigmoid network (Glorot init, SGD lr=0.01) on spirals, before training:

    layer    activation  grad_norm  bias_grad  update_ratio  dead  saturated   mean    std  notes
    ---------------------------------------------------------------------------------------------
    dense    sigmoid      8.21e-04   7.43e-04      4.14e-06     -       0.00  0.500  0.035  tiny steps
    dense_1  sigmoid      7.12e-03   2.52e-03      1.28e-05     -       0.00  0.535  0.118
    dense_2  sigmoid      3.00e-02   9.66e-03      5.15e-05     -       0.00  0.447  0.148
    dense_3  sigmoid      1.31e-01   4.90e-02      2.35e-04     -       0.00  0.494  0.096
    dense_4  softmax      5.17e-01   1.82e-01      2.47e-03     -          -  0.333  0.110

Each layer down receives roughly a quarter of the gradient of the layer above (the chain rule
multiplies by sigmoid'(z) <= 1/4 per layer): with ten layers the first layer's gradient is
~1e-6 of the last one's, a vanishing gradient.

The notes column flags the usual suspects, with these thresholds:
    vanishing gradient   grad_norm < 1e-3 x the largest grad_norm in the model
    no gradient          grad_norm == 0 (the loss does not depend on this layer's kernel)
    nan/inf gradient     grad_norm is not finite: training diverged (the largest grad_norm
                         above is the largest finite one)
    dead units           dead_fraction >= 0.5
    saturated            saturated_fraction >= 0.5
    tiny/huge steps      update_ratio < 1e-5 or > 1e-1 (healthy is around 1e-3): the relative
                         step the compiled optimizer (SGD, Adam, RMSprop, ...) would take on
                         this batch, so an Adam model is judged by Adam's step, not SGD's
"""
import math

from microdense.diagnostics.statistics import layer_statistics

VANISHING = 1e-3
DEAD = 0.5
SATURATED = 0.5
STEP_RANGE = (1e-5, 1e-1)

COLUMNS = [   # (dict key, heading, format)
    ("layer", "layer", "{}"),
    ("activation", "activation", "{}"),
    ("grad_norm", "grad_norm", "{:.2e}"),
    ("bias_grad_norm", "bias_grad", "{:.2e}"),
    ("update_ratio", "update_ratio", "{:.2e}"),
    ("dead_fraction", "dead", "{:.2f}"),
    ("saturated_fraction", "saturated", "{:.2f}"),
    ("activation_mean", "mean", "{:.3f}"),
    ("activation_std", "std", "{:.3f}"),
    ("notes", "notes", "{}"),
]


def notes(rows):
    """One short diagnosis per row ('' when nothing looks wrong), using the thresholds above."""
    grads = [row["grad_norm"] for row in rows if row["grad_norm"] is not None]
    largest = max((g for g in grads if math.isfinite(g)), default=0.0)   # a NaN compares False
    found = []
    for row in rows:
        flags = []
        grad = row["grad_norm"]
        if grad is not None and not math.isfinite(grad):
            flags.append(f"{grad} gradient (diverged)")        # said, never taken for healthy
        elif grad == 0.0:
            flags.append("no gradient")
        elif grad is not None and grad < VANISHING * largest:
            flags.append("vanishing gradient")
        if (row["dead_fraction"] or 0.0) >= DEAD:
            flags.append(f"{row['dead_fraction']:.0%} dead units")
        if (row["saturated_fraction"] or 0.0) >= SATURATED:
            flags.append("saturated")
        ratio = row["update_ratio"]
        if ratio is not None and grad:
            if ratio < STEP_RANGE[0]:
                flags.append("tiny steps")
            elif ratio > STEP_RANGE[1]:
                flags.append("huge steps")
        found.append(", ".join(flags))
    return found


def format_report(rows):
    """The rows as a plain-text table (None shows as '-'; the dicts' type and weight_norm are
    left out for width); adds the notes column if missing."""
    if rows and "notes" not in rows[0]:
        rows = [dict(row, notes=note) for row, note in zip(rows, notes(rows))]
    cells = [[heading for _, heading, _ in COLUMNS]]
    for row in rows:
        cells.append(["-" if row.get(key) is None else fmt.format(row[key])
                      for key, _, fmt in COLUMNS])
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    numeric = [fmt != "{}" for _, _, fmt in COLUMNS]          # numbers align on the right
    lines = ["  ".join(cell.rjust(width) if right else cell.ljust(width)
                       for cell, width, right in zip(line, widths, numeric)).rstrip()
             for line in cells]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def layer_report(model, x, y, loss=None, learning_rate=None, print_fn=print):
    """One forward+backward pass over (x, y); prints a table of per-layer statistics and
    returns them as a list of dicts (one per layer, plain floats; None where not defined).

    Keys: layer, type, activation, grad_norm, bias_grad_norm, weight_norm, update_ratio,
    dead_fraction, saturated_fraction, activation_mean, activation_std, notes (see the module
    doc and diagnostics.statistics for the formulas). Use a few hundred rows of x: the
    statistics are over the whole batch. update_ratio is the compiled optimizer's real step;
    learning_rate=lr gives plain SGD's step at that rate instead. print_fn=None prints nothing.
    """
    rows = layer_statistics(model, x, y, loss=loss, learning_rate=learning_rate)
    for row, note in zip(rows, notes(rows)):
        row["notes"] = note
    if print_fn is not None:
        print_fn(format_report(rows))
    return rows
