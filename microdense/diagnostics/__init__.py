"""Diagnostics: why is my network not learning? Numbers and pictures, per layer.

    md.diagnostics.layer_report(model, x[:256], y[:256])     # one pass, a table per layer
    monitor = md.diagnostics.GradientMonitor(probe=(x[:256], y[:256]))
    history = model.fit(x, y, epochs=20, callbacks=[monitor])
    md.diagnostics.plot_gradient_norms(history, to_file="grad_norms.png")

Read in this order: statistics.py (the formulas and the probe pass), report.py (the table),
gradient_monitor.py (the same numbers recorded during fit, a Callback), plots.py (matplotlib,
optional).
"""
from microdense.diagnostics.statistics import (LayerTrace, dead_fraction, layer_activation,
                                               layer_outputs, layer_statistics, probe_pass,
                                               saturated_fraction, trace_statistics)
from microdense.diagnostics.report import format_report, layer_report
from microdense.diagnostics.plots import (plot_activation_histograms, plot_gradient_norms,
                                          plot_history)
from microdense.diagnostics.gradient_monitor import GradientMonitor
