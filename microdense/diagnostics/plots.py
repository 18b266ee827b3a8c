"""Pictures of training: curves from a History, gradient norms per layer, activation histograms.

matplotlib is optional (`pip install microdense[plot]`) and imported only inside these
functions. Each returns the matplotlib Figure; with to_file="curves.png" (or .svg, .pdf) it is
also written there, drawn by the Agg renderer without touching pyplot's global state (so it
works on a server and does not switch a notebook's backend). Without to_file the figure comes
from pyplot, so plt.show() or a notebook displays it.
"""
import math

import numpy as np

from microdense.diagnostics.statistics import (RELU_LIKE, SATURATING, layer_activation,
                                               dead_fraction, layer_outputs,
                                               saturated_fraction)


# ---- matplotlib, only when asked for ------------------------------------------------------

def _require_matplotlib(what):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(f"{what} needs matplotlib, which is not installed. Install it with "
                          f"`pip install microdense[plot]` (or `pip install matplotlib`).") \
            from None


def _panels(what, to_file, n, panel_size=(4.5, 3.2), max_columns=3):
    """A figure with n axes in a grid (unused cells hidden), plus the flat list of axes."""
    _require_matplotlib(what)
    columns = min(n, max_columns)
    rows = math.ceil(n / columns)
    size = (panel_size[0] * columns, panel_size[1] * rows)
    if to_file is None:
        import matplotlib.pyplot as plt
        figure = plt.figure(figsize=size)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        figure = Figure(figsize=size)
        FigureCanvasAgg(figure)            # the Agg renderer draws this figure only
    axes = list(figure.subplots(rows, columns, squeeze=False).ravel())
    for unused in axes[n:]:
        unused.set_visible(False)
    return figure, axes[:n]


def _integer_epochs(ax):
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _finish(figure, to_file):
    figure.tight_layout()
    if to_file is not None:
        figure.savefig(to_file, dpi=100)
    return figure


def _series(history):
    """The {key: [values]} dict of a History, a GradientMonitor, or a plain dict."""
    series = getattr(history, "history", history)
    if not isinstance(series, dict):
        raise TypeError(f"Expected a History (from model.fit), a GradientMonitor or a dict of "
                        f"lists; got {type(history).__name__}.")
    return series


def _x_axis(history, length):
    """Epoch numbers 1..n, or a GradientMonitor's step numbers when it recorded by batch."""
    steps = getattr(history, "steps", None)
    if steps is not None and len(steps) == length and getattr(history, "every_n_batches", None):
        return np.asarray(steps), "training batches"
    return np.arange(1, length + 1), "epoch"


# ---- the plots ----------------------------------------------------------------------------

def plot_history(history, keys=None, to_file=None):
    """Training curves: one panel per metric, with its validation twin ("val_" + key) beside.

    keys defaults to every recorded metric except validation twins and the per-layer
    "<layer>/<statistic>" keys of GradientMonitor (plot those with plot_gradient_norms).
    """
    series = _series(history)
    if keys is None:
        keys = [key for key in series if "/" not in key and not key.startswith("val_")]
    if not keys:
        raise ValueError(f"Nothing to plot: the history has keys {sorted(series)}.")
    figure, axes = _panels("plot_history", to_file, len(keys))
    for ax, key in zip(axes, keys):
        values = series[key]
        x, label = _x_axis(history, len(values))
        ax.plot(x, values, marker=".", label=key)
        if "val_" + key in series:
            val = series["val_" + key]
            ax.plot(np.arange(1, len(val) + 1), val, marker=".", label="val_" + key)
        ax.set_title(key)
        ax.set_xlabel(label)
        _integer_epochs(ax)
        ax.legend()
        ax.grid(alpha=0.3)
    return _finish(figure, to_file)


def plot_gradient_norms(history, to_file=None, statistic="grad_norm"):
    """Per-layer gradient norm ||dL/dW|| over training, log scale, one line per layer (first
    layer darkest). Vanishing gradients show as early layers lying decades below late ones.

    history is the History of a fit with a GradientMonitor (keys "<layer>/grad_norm"), the
    monitor itself (its every-N-batches records), or a dict. statistic picks another
    per-layer series, e.g. "update_ratio" or "dead_fraction" (linear scale for fractions).
    """
    series = _series(history)
    suffix = "/" + statistic
    keys = [key for key in series if key.endswith(suffix)]
    if not keys:
        raise ValueError(f"No '<layer>{suffix}' keys in this history; record them with "
                         f"callbacks=[md.diagnostics.GradientMonitor(probe=(x, y))].")
    figure, (ax,) = _panels("plot_gradient_norms", to_file, 1, panel_size=(7, 4.5))
    import matplotlib
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.9, len(keys)))
    log_scale = not statistic.endswith("fraction") and statistic != "activation_mean"
    for key, colour in zip(keys, colours):
        values = np.asarray(series[key], dtype=np.float64)
        if log_scale:
            values = np.where(values > 0, values, np.nan)   # log(0) has no place on the axis
        x, label = _x_axis(history, len(values))
        ax.plot(x, values, marker=".", color=colour, label=key[:-len(suffix)])
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel(label)
    _integer_epochs(ax)
    ax.set_ylabel(statistic)
    ax.set_title(f"{statistic} per layer" + (" (log scale)" if log_scale else ""))
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))  # off the lines
    ax.grid(alpha=0.3, which="both")
    return _finish(figure, to_file)


def plot_activation_histograms(model, x, to_file=None, bins=50, layers=None):
    """A histogram of each layer's outputs on x (all samples and units pooled), one panel per
    layer, titled with mean, std and the dead or saturated fraction. Saturated sigmoid/tanh
    layers pile up at the ends of their range; dead ReLU layers at 0.

    layers: names to show; default every layer with a kernel or a relu/sigmoid/tanh activation.
    """
    _require_matplotlib("plot_activation_histograms")
    outputs = [(layer, out) for layer, out in layer_outputs(model, x)
               if (layer.name in layers if layers is not None else
                   getattr(layer, "kernel", None) is not None
                   or layer_activation(layer) in RELU_LIKE + SATURATING)]
    if not outputs:
        raise ValueError("No layers to show: the model has no kernel or activation layers"
                         + (f" named {', '.join(layers)}." if layers else "."))
    figure, axes = _panels("plot_activation_histograms", to_file, len(outputs),
                           panel_size=(3.6, 2.8), max_columns=4)
    for ax, (layer, out) in zip(axes, outputs):
        name = layer_activation(layer)
        value_range = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}.get(name)
        ax.hist(out.ravel(), bins=bins, range=value_range, color="#4c72b0")
        title = f"{layer.name} ({name or 'linear'})"
        detail = f"mean {out.mean():.2f}, std {out.std():.2f}"
        if name in RELU_LIKE:
            detail += f", dead {dead_fraction(out):.0%}"
        elif name in SATURATING:
            detail += f", saturated {saturated_fraction(out, name):.0%}"
        if value_range is not None:      # the whole range, so a pile-up at its ends shows
            ax.set_xlim(value_range[0] - 0.05, value_range[1] + 0.05)
        ax.set_title(f"{title}\n{detail}", fontsize="small")
        ax.set_yticks([])
    return _finish(figure, to_file)
