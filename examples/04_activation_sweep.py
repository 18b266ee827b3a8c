"""Example 4: which activation, which initializer? A sweep, and a look inside a 10-layer network.

    python examples/04_activation_sweep.py              # 3 seeds, every core; ~15 s on 2 cores
    python examples/04_activation_sweep.py --fast       # 1 seed, fewer epochs (what the tests run)
    python examples/04_activation_sweep.py --n-jobs 1   # one run after the other, in this process
    python examples/04_activation_sweep.py --log runs.jsonl   # killed? run it again: it resumes

Both parts run on md.experiments.sweep: every (config, seed) is one run, sent to a worker
process (joblib, as scikit-learn's n_jobs), each worker with one BLAS thread. A run's numbers
depend only on its config and seed, so the files below are the same with --n-jobs 1 or 2.

Writes viz/04_sweep.csv and viz/04_gradient_norms.csv, and with matplotlib installed
viz/04_sweep.png and viz/04_gradient_norms.png (seeded and rounded: re-running leaves them
unchanged); prints the tables as markdown.

Part 1, the sweep. relu, leaky_relu, PReLU (a layer with a learned slope), elu, tanh, sigmoid
and swish, each in the same MLP (2 hidden Dense layers of 32 units, Keras's default
glorot_uniform kernels, adam, batches of 64), on the spirals (600 points, 3 arms; 450 to train,
150 to validate) and on the 8x8 digits (1,437 / 360), for several seeds.
The table gives the final validation accuracy (mean and spread over seeds) and the epochs to
converge, defined here as: the first epoch whose validation accuracy reaches 90% of the best
final accuracy any activation reached on that dataset (mean over seeds; "never" if a seed
did not get there within the epochs run). A per-run threshold of 90% of the run's own final
accuracy would call a network stuck at chance "converged" at epoch 1; this one does not.

Part 2, inside a deep network. 10 Dense layers (9 hidden layers of 32 units and the softmax)
on the digits, with sigmoid, tanh or relu and Glorot (glorot_uniform, Keras's default) or He
(he_normal) initial weights. md.diagnostics.layer_report measures each layer's gradient norm
||d loss / d kernel|| and its dead-unit fraction at initialization (epoch 0), and
md.diagnostics.GradientMonitor after every training epoch. Sigmoid's gradients shrink layer by
layer towards the input (sigmoid' <= 1/4); ReLU's stay level but some units die (never
positive on the probe batch, so they pass no gradient); He weights (variance 2/fan_in) keep a
ReLU network's signal from fading where Glorot's (2/(fan_in+fan_out)) shrink it.

Keras, for comparison: the same models with `from keras.models import Sequential` and
`from keras.layers import Dense, PReLU`, and the sweep with scikit-learn's tools or a loop over
joblib.Parallel(n_jobs=-1); Keras has no GradientMonitor or layer_report: one would write a
custom training step with tf.GradientTape to get per-layer gradient norms.
"""
import argparse
import csv
import os
import sys
import time

import numpy as np

import microdense as md
from microdense.diagnostics import GradientMonitor, layer_report
from microdense.layers import Dense, PReLU
from microdense.models import Sequential

VIZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "viz")
ACTIVATIONS = ["relu", "leaky_relu", "prelu", "elu", "tanh", "sigmoid", "swish"]
CONVERGED = 0.9          # epochs to converge: first epoch reaching 90% of the best final accuracy
DEEP_GRID = {"activation": ["sigmoid", "tanh", "relu"],
             "initializer": ["glorot_uniform", "he_normal"]}
DEEP_CONFIGS = [(a, i) for a in DEEP_GRID["activation"] for i in DEEP_GRID["initializer"]]
DEPTH, WIDTH = 10, 32    # the deep network: DEPTH Dense layers, the last one the softmax


def settings(fast):
    """Seeds and epochs: the full run, or a quick one for the tests."""
    if fast:
        return {"seeds": [0], "epochs": {"spirals": 20, "digits": 6}, "deep_epochs": 3}
    return {"seeds": [0, 1, 2], "epochs": {"spirals": 60, "digits": 12}, "deep_epochs": 10}


def load(name):
    """(x_train, x_val, y_train, y_val, learning_rate), labels one-hot; the same every time
    (the generators and the split have their own fixed seeds). Each run loads its own (15 ms):
    nothing is shared between worker processes."""
    if name == "spirals":
        x, y = md.datasets.spirals(600, n_classes=3, one_hot=True)
        return (*md.datasets.train_test_split(x, y, test_size=0.25, stratify=True), 0.02)
    x, y = md.datasets.load_digits(one_hot=True)
    return (*md.datasets.train_test_split(x, y, test_size=0.2, stratify=True), 0.005)


def hidden_layer(units, activation, initializer="glorot_uniform", **kwargs):
    """[Dense(units, activation)], or, for "prelu", a linear Dense followed by a PReLU layer."""
    if activation == "prelu":
        return [Dense(units, kernel_initializer=initializer, **kwargs), PReLU()]
    return [Dense(units, activation=activation, kernel_initializer=initializer, **kwargs)]


def build(n_inputs, n_classes, activation, n_hidden, width, initializer, learning_rate):
    md.layers.reset_name_counters()             # layers named dense, dense_1, ... every time
    model = Sequential()
    for i in range(n_hidden):
        extra = {"input_shape": (n_inputs,)} if i == 0 else {}
        for layer in hidden_layer(width, activation, initializer, **extra):
            model.add(layer)
    model.add(Dense(n_classes, activation="softmax", kernel_initializer=initializer))
    model.compile(optimizer=md.optimizers.Adam(learning_rate=learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# ---- part 1: the sweep --------------------------------------------------------------------

def shallow_run(dataset, activation, epochs, seed):
    """One run of the sweep: the validation accuracy after every epoch."""
    md.utils.set_random_seed(seed)      # the sweep does this too; here it reads as it works
    x_train, x_val, y_train, y_val, learning_rate = load(dataset)
    model = build(x_train.shape[1], y_train.shape[1], activation, n_hidden=2, width=32,
                  initializer="glorot_uniform", learning_rate=learning_rate)
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=64,
                        validation_data=(x_val, y_val), verbose=0)
    return {"final_val_accuracy": history.history["val_accuracy"][-1],
            "curve": history.history["val_accuracy"]}


def sweep(config, n_jobs, log):
    """One row per (dataset, activation, seed), with the validation accuracy of every epoch."""
    grid = [{"dataset": [name], "epochs": [epochs], "activation": ACTIVATIONS}
            for name, epochs in config["epochs"].items()]
    results = md.experiments.sweep(shallow_run, grid, seeds=config["seeds"], n_jobs=n_jobs,
                                   log=log)
    if results.failed:
        raise RuntimeError(f"{len(results.failed)} runs failed: {results.failed[0]['error']}")
    runs = [{"dataset": r["config"]["dataset"], "activation": r["config"]["activation"],
             "seed": r["seed"], "curve": r["result"]["curve"]} for r in results.runs]
    for name in config["epochs"]:           # the threshold needs every run of the dataset
        mine = [run for run in runs if run["dataset"] == name]
        best = max(np.mean([r["curve"][-1] for r in mine if r["activation"] == a])
                   for a in ACTIVATIONS)
        for run in mine:
            run["threshold"] = CONVERGED * best
            reached = [epoch for epoch, acc in enumerate(run["curve"], start=1)
                       if acc >= run["threshold"]]
            run["epochs_to_converge"] = reached[0] if reached else None
    return runs


def mean_epochs_to_converge(runs, dataset, activation):
    """The mean over seeds, or infinity when a seed never got there."""
    epochs = [r["epochs_to_converge"] for r in runs
              if r["dataset"] == dataset and r["activation"] == activation]
    return np.inf if None in epochs else np.mean(epochs)


def mean_final_accuracy(runs, dataset, activation):
    return np.mean([r["curve"][-1] for r in runs
                    if r["dataset"] == dataset and r["activation"] == activation])


def sweep_table(runs, names):
    lines = ["| activation | " + " | ".join(f"{n} accuracy | {n} epochs to converge"
                                            for n in names) + " |",
             "|:-----------|" + "|".join("---------:|----------:" for _ in names) + "|"]
    for activation in ACTIVATIONS:
        cells = []
        for name in names:
            mine = [r for r in runs if r["dataset"] == name and r["activation"] == activation]
            final = [r["curve"][-1] for r in mine]
            epochs = [r["epochs_to_converge"] for r in mine]
            spread = f" ± {np.std(final):.3f}" if len(final) > 1 else ""
            cells.append(f"{np.mean(final):.3f}{spread}")
            cells.append("never" if None in epochs else f"{np.mean(epochs):.1f}")
        lines.append(f"| {activation} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_sweep_csv(runs, path):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["dataset", "activation", "seed", "epochs", "final_val_accuracy",
                         "best_val_accuracy", "threshold", "epochs_to_converge"])
        for r in runs:
            writer.writerow([r["dataset"], r["activation"], r["seed"], len(r["curve"]),
                             f"{r['curve'][-1]:.4f}", f"{max(r['curve']):.4f}",
                             f"{r['threshold']:.4f}",
                             "" if r["epochs_to_converge"] is None else r["epochs_to_converge"]])


# ---- part 2: inside a 10-layer network -----------------------------------------------------

def deep_run(activation, initializer, epochs, seed):
    """Gradient norm and dead fraction per layer, at init and after each epoch, of one config."""
    md.utils.set_random_seed(seed)
    x_train, x_val, y_train, y_val, _ = load("digits")
    probe = (x_train[:256], y_train[:256])
    model = build(x_train.shape[1], y_train.shape[1], activation, n_hidden=DEPTH - 1,
                  width=WIDTH, initializer=initializer, learning_rate=0.001)
    depth = {layer.name: i for i, layer in enumerate(model.layers, start=1)}
    rows = []
    for r in layer_report(model, *probe, print_fn=None):                # epoch 0: at init
        rows.append(_deep_row(activation, initializer, 0, depth[r["layer"]], r["layer"],
                              r["grad_norm"], r["dead_fraction"], r["saturated_fraction"]))
    monitor = GradientMonitor()             # probes fit's first 256 rows: the same probe
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32,
                        validation_data=(x_val, y_val), callbacks=[monitor], verbose=0)
    logs = history.history                         # GradientMonitor's "dense_3/grad_norm"
    for epoch in range(len(logs["loss"])):
        for layer in model.layers:
            values = [logs[key][epoch] if key in logs else None for key in
                      (f"{layer.name}/grad_norm", f"{layer.name}/dead_fraction",
                       f"{layer.name}/saturated_fraction")]
            rows.append(_deep_row(activation, initializer, epoch + 1, depth[layer.name],
                                  layer.name, *values))
    return {"rows": rows, "val_accuracy": logs["val_accuracy"][-1]}


def deep_networks(config, n_jobs, log):
    """Every deep config's per-layer rows, and its final validation accuracy."""
    results = md.experiments.sweep(deep_run, dict(DEEP_GRID, epochs=[config["deep_epochs"]]),
                                   seeds=[0], n_jobs=n_jobs, log=log)
    if results.failed:
        raise RuntimeError(f"{len(results.failed)} runs failed: {results.failed[0]['error']}")
    rows = [row for r in results.runs for row in r["result"]["rows"]]
    accuracy = {(r["config"]["activation"], r["config"]["initializer"]):
                r["result"]["val_accuracy"] for r in results.runs}
    return rows, accuracy


def _deep_row(activation, initializer, epoch, depth, layer, grad_norm, dead, saturated):
    return {"activation": activation, "initializer": initializer, "epoch": epoch,
            "depth": depth, "layer": layer, "grad_norm": grad_norm, "dead_fraction": dead,
            "saturated_fraction": saturated}


def deep_table(rows, epoch, statistic, fmt):
    configs = [f"{a} / {i.split('_')[0]}" for a, i in DEEP_CONFIGS]
    lines = ["| layer | " + " | ".join(configs) + " |",
             "|------:|" + "|".join("-" * (len(c) + 1) + ":" for c in configs) + "|"]
    for depth in range(1, DEPTH + 1):
        cells = []
        for activation, initializer in DEEP_CONFIGS:
            value = next(r[statistic] for r in rows if r["activation"] == activation and
                         r["initializer"] == initializer and r["epoch"] == epoch and
                         r["depth"] == depth)
            cells.append("-" if value is None else fmt.format(value))
        lines.append(f"| {depth} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def dead_table(rows, last):
    relu = [(a, i) for a, i in DEEP_CONFIGS if a == "relu"]
    lines = ["| layer | " + " | ".join(f"{a} / {i.split('_')[0]}" for a, i in relu) + " |",
             "|------:|" + "|".join("-------------:" for _ in relu) + "|"]
    for depth in range(1, DEPTH):                    # the softmax layer has no ReLU units
        cells = []
        for activation, initializer in relu:
            dead = {r["epoch"]: r["dead_fraction"] for r in rows if r["depth"] == depth and
                    r["activation"] == activation and r["initializer"] == initializer}
            cells.append(f"{dead[0]:.2f} -> {dead[last]:.2f}")
        lines.append(f"| {depth} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def norms_at_init(rows, activation, initializer):
    """{depth: ||d loss / d kernel||} of one deep config before training (layer 1 = input side)."""
    return {r["depth"]: r["grad_norm"] for r in rows if r["activation"] == activation
            and r["initializer"] == initializer and r["epoch"] == 0}


def write_deep_csv(rows, path):
    columns = ["activation", "initializer", "epoch", "depth", "layer", "grad_norm",
               "dead_fraction", "saturated_fraction"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if r[k] is None else
                                 f"{r[k]:.4g}" if isinstance(r[k], float) else r[k])
                             for k in columns})


# ---- pictures (matplotlib is optional) -------------------------------------------------------

def plot_sweep(runs, names, path):
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.2))
    colours = plt.get_cmap("tab10")
    for ax, name in zip(np.atleast_1d(axes), names):
        for k, activation in enumerate(ACTIVATIONS):
            curves = np.array([r["curve"] for r in runs
                               if r["dataset"] == name and r["activation"] == activation])
            epochs = np.arange(1, curves.shape[1] + 1)
            ax.plot(epochs, curves.mean(axis=0), color=colours(k), label=activation)
        threshold = next(r["threshold"] for r in runs if r["dataset"] == name)
        ax.axhline(threshold, color="grey", linestyle=":", label="converged (90% of best)")
        ax.set_title(f"{name}: validation accuracy (mean over seeds)")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_ylabel("accuracy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_gradient_norms(rows, last_epoch, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2), sharey=True)
    colours = plt.get_cmap("tab10")
    for ax, epoch, title in ((axes[0], 0, "at initialization"),
                             (axes[1], last_epoch, f"after {last_epoch} epochs")):
        for k, (activation, initializer) in enumerate(DEEP_CONFIGS):
            mine = sorted((r["depth"], r["grad_norm"]) for r in rows
                          if r["activation"] == activation and r["initializer"] == initializer
                          and r["epoch"] == epoch)
            style = "-" if initializer == "glorot_uniform" else "--"
            ax.plot([d for d, _ in mine], [g for _, g in mine], style, marker="o",
                    color=colours(["sigmoid", "tanh", "relu"].index(activation)),
                    label=f"{activation}, {initializer}")
        ax.set_yscale("log")
        ax.set_xticks(range(1, DEPTH + 1))
        ax.set_xlabel("layer (1 = nearest the input)")
        ax.set_title(f"||d loss / d kernel|| per layer, {title}")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("gradient norm (log scale)")
    axes[1].legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def try_plot(plot, *args):
    try:
        plot(*args)
        print(f"wrote {os.path.relpath(args[-1])}")
    except ImportError:
        print(f"matplotlib is not installed: skipped {os.path.relpath(args[-1])} "
              f"(pip install matplotlib)")


# ---- main --------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="1 seed, few epochs, for the tests")
    parser.add_argument("--n-jobs", type=int, default=-1,
                        help="worker processes (-1: every core, 1: one run after the other here)")
    parser.add_argument("--log", help="a JSON-lines file of finished runs; runs in it are skipped")
    args = parser.parse_args(argv)
    config = settings(args.fast)
    start = time.perf_counter()
    names = list(config["epochs"])

    runs = sweep(config, args.n_jobs, args.log)
    print(f"## Activation sweep: validation accuracy after {config['epochs']['spirals']} "
          f"(spirals) / {config['epochs']['digits']} (digits) epochs, "
          f"{len(config['seeds'])} seed(s)\n")
    thresholds = {r["dataset"]: r["threshold"] for r in runs}
    print("Epochs to converge: first epoch reaching 90% of the best final accuracy on the "
          "dataset (" + ", ".join(f"{n}: {thresholds[n]:.3f}" for n in names) + ").\n")
    print(sweep_table(runs, names))
    for name, good in (("spirals", 0.9), ("digits", 0.85)):
        assert mean_final_accuracy(runs, name, "relu") > good, f"relu should learn {name}"
        slowest = mean_epochs_to_converge(runs, name, "sigmoid")
        assert all(slowest >= mean_epochs_to_converge(runs, name, a) for a in ACTIVATIONS), \
            f"sigmoid (slope <= 1/4) should be the last to converge on {name}"
    write_sweep_csv(runs, os.path.join(VIZ, "04_sweep.csv"))
    print(f"\nwrote {os.path.relpath(os.path.join(VIZ, '04_sweep.csv'))}")

    sweep_seconds = time.perf_counter() - start
    rows, accuracy = deep_networks(config, args.n_jobs, args.log)
    last = config["deep_epochs"]
    print(f"\n## {DEPTH}-layer network on the digits: ||d loss / d kernel|| per layer at "
          f"initialization (layer 1 = nearest the input)\n")
    print(deep_table(rows, 0, "grad_norm", "{:.2e}"))
    print(f"\n## The same after {last} epochs of training\n")
    print(deep_table(rows, last, "grad_norm", "{:.2e}"))
    print(f"\n## Dead ReLU units: fraction of each layer's units never positive on 256 "
          f"training rows, at initialization -> after {last} epochs\n")
    print(dead_table(rows, last))
    print(f"\n## Validation accuracy after {last} epochs\n")
    print("| activation | initializer | accuracy | first/last layer gradient norm at init |")
    print("|:-----------|:------------|---------:|---------------------------------------:|")
    for activation, initializer in DEEP_CONFIGS:
        norms = norms_at_init(rows, activation, initializer)
        print(f"| {activation} | {initializer} | {accuracy[(activation, initializer)]:.3f} | "
              f"{norms[1] / norms[DEPTH]:.2e} |")
    sigmoid = norms_at_init(rows, "sigmoid", "glorot_uniform")
    relu_he = norms_at_init(rows, "relu", "he_normal")
    relu_glorot = norms_at_init(rows, "relu", "glorot_uniform")
    assert sigmoid[1] < 1e-3 * sigmoid[DEPTH], "sigmoid's gradient vanishes towards the input"
    assert sigmoid[1] < 1e-3 * relu_he[1], "ReLU's first layer gets far more gradient"
    assert 0.1 < relu_he[1] / relu_he[DEPTH] < 10, "ReLU with He weights keeps it level"
    assert relu_glorot[1] < relu_he[1] / 10, "Glorot's smaller weights shrink ReLU's signal"
    write_deep_csv(rows, os.path.join(VIZ, "04_gradient_norms.csv"))
    print(f"\nwrote {os.path.relpath(os.path.join(VIZ, '04_gradient_norms.csv'))}")

    try_plot(plot_sweep, runs, names, os.path.join(VIZ, "04_sweep.png"))
    try_plot(plot_gradient_norms, rows, last, os.path.join(VIZ, "04_gradient_norms.png"))
    print(f"time: {time.perf_counter() - start:.1f} s ({sweep_seconds:.1f} s for the sweep), "
          f"n_jobs={args.n_jobs}")


if __name__ == "__main__":
    sys.exit(main())
