"""Run every example in examples/ and check what it prints and the files it writes.

Each example runs as a subprocess (sys.executable, cwd = repo root) from a copy of the script
in a temporary examples/ folder, so its output folder (../viz relative to the script) is a
temporary viz/ and the real gallery is left alone. Scripts that know `--fast` get it.
"""
import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "examples")
SVG = "{http://www.w3.org/2000/svg}"
_runs = {}


class Run:
    """One example's run: its stdout and the folder it wrote into."""

    def __init__(self, name, stdout, viz):
        self.name, self.stdout, self.viz = name, stdout, viz

    def path(self, filename):
        return os.path.join(self.viz, filename)

    def written(self):
        """The files the example says it wrote ("wrote <path>" lines), as absolute paths."""
        return [os.path.normpath(os.path.join(REPO, path))
                for path in re.findall(r"\bwrote (\S+)", self.stdout)]

    def number(self, pattern):
        """The float captured by the regex `pattern` in stdout (first match)."""
        match = re.search(pattern, self.stdout, re.MULTILINE)
        assert match, f"{self.name}: no line matching {pattern!r} in its output:\n{self.stdout}"
        return float(match.group(1))


def run_example(name, tmp_path_factory, **environment):
    """Run examples/<name>.py once per test session (cached); fail with its stderr if it fails.
    `environment` adds variables to its environment (a separate run, cached separately)."""
    key = (name, tuple(sorted(environment.items())))
    if key not in _runs:
        source = os.path.join(EXAMPLES, f"{name}.py")
        root = tmp_path_factory.mktemp(name)
        os.makedirs(root / "examples")
        os.makedirs(root / "viz")
        script = shutil.copy(source, root / "examples")
        with open(source) as f:
            args = ["--fast"] if "--fast" in f.read() else []
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   MPLBACKEND="Agg", **environment)
        done = subprocess.run([sys.executable, str(script), *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (f"examples/{name}.py exited with {done.returncode}:\n"
                                      f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        _runs[key] = Run(name, done.stdout, str(root / "viz"))
    return _runs[key]


def load_example(name):
    """examples/<name>.py imported as a module (its main() does not run)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}",
                                                  os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- checking files -----------------------------------------------------------------------

def svg_items(path, kind="node"):
    """{title: [texts]} of the SVG's <g class=kind> groups (graphviz writes one per node)."""
    root = ET.parse(path).getroot()
    items = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == kind:
            title = group.find(f"{SVG}title").text
            items[title] = [t.text or "" for t in group.iter(f"{SVG}text")]
    return items


def svg_boxes(path, kind):
    """{title: (x0, y0, x1, y1)}: the bounding box of each <g class=kind>'s outline."""
    boxes = {}
    for group in ET.parse(path).getroot().iter(f"{SVG}g"):
        if group.get("class") != kind:
            continue
        numbers = []
        for shape in group.iter():
            tag = shape.tag.replace(SVG, "")
            if tag == "ellipse":
                cx, cy = float(shape.get("cx")), float(shape.get("cy"))
                rx, ry = float(shape.get("rx")), float(shape.get("ry"))
                numbers += [cx - rx, cy - ry, cx + rx, cy + ry]
            elif tag in ("polygon", "path"):
                numbers += [float(v) for v in
                            re.findall(r"-?\d+\.?\d*", shape.get("points") or shape.get("d"))]
        xs, ys = numbers[0::2], numbers[1::2]
        boxes[group.find(f"{SVG}title").text] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def inside(inner, outer):
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2]
            and inner[3] <= outer[3])


def node_fill(path, text):
    """The fill colour of the first node whose first text line is `text`."""
    for group in ET.parse(path).getroot().iter(f"{SVG}g"):
        if group.get("class") == "node":
            texts = [t.text for t in group.iter(f"{SVG}text")]
            if texts and texts[0] == text:
                return next(s.get("fill") for s in group.iter()
                            if s.tag.replace(SVG, "") in ("path", "polygon")
                            and s.get("fill") not in (None, "none"))
    raise AssertionError(f"no node labelled {text!r} in {path}")


def read_csv(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def check_written(run, expected):
    """Every expected file exists in the run's viz/, is printed, and is valid for its type."""
    written = run.written()
    for filename in expected:
        path = run.path(filename)
        assert os.path.exists(path), f"{run.name} did not write viz/{filename}"
        assert os.path.normpath(path) in written, f"{run.name} never prints 'wrote {filename}'"
    for path in written:
        assert os.path.exists(path), f"{run.name} says it wrote {path}, which does not exist"
        assert os.path.dirname(path) == os.path.normpath(run.viz), f"{path} is not in viz/"
        if path.endswith(".svg"):
            assert len(svg_items(path)) >= 2, f"{path} has fewer than 2 graph nodes"
        elif path.endswith(".png"):
            with open(path, "rb") as f:
                assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        elif path.endswith(".csv"):
            assert len(read_csv(path)[1]) >= 1, f"{path} has no rows"


# ---- the examples -------------------------------------------------------------------------

def test_00_demo(tmp_path_factory):
    run = run_example("00_demo", tmp_path_factory)
    check_written(run, ["00_demo_graph.svg", "00_demo_layers.svg"])
    accuracy = run.number(r"^trained \d+ epochs on spirals: loss [\d.]+, accuracy ([\d.]+)")
    assert accuracy > 0.45                                  # 3 classes: chance is 1/3
    # The printed gradient is that of the drawn batch alone, as a fresh model computes it
    # (not a sum with fit's last step): the demo's own training, redone here.
    demo = load_example("00_demo")
    model, x, y = demo.train(fast=True, print_fn=lambda text: None)
    fresh = demo.Sequential.from_config(model.get_config(), {"swish": demo.swish})
    fresh.set_weights(model.get_weights())
    demo.md.losses.CategoricalCrossentropy()(y[:4], fresh(x[:4])).backward()
    expected = np.linalg.norm(fresh.layers[0].kernel.grad)
    printed = run.number(r"^dense/kernel: grad norm (\S+) after one backward")
    assert printed == pytest.approx(expected, rel=1e-3)
    ops = {t[0] for t in svg_items(run.path("00_demo_graph.svg")).values() if len(t) == 1}
    assert {"matmul", "tanh", "sigmoid", "mul"} <= ops


def test_01_chain_rule(tmp_path_factory):
    run = run_example("01_chain_rule", tmp_path_factory)
    check_written(run, ["01_chain_rule.svg"])
    grads = {name: run.number(rf"^{name} = .*dL/d{name} =\s*(-?[\d.]+)")
             for name in ("a", "b", "c", "f")}
    assert grads == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0}
    texts = [line for texts in svg_items(run.path("01_chain_rule.svg")).values()
             for line in texts]
    for name in ("a", "b", "c", "f", "L"):
        assert name in texts, f"no node named {name} in the drawing"


def test_02_keras_tutorial(tmp_path_factory):
    run = run_example("02_keras_tutorial", tmp_path_factory)
    check_written(run, ["02_tutorial_model.svg"])
    assert "Total params: 16,938" in run.stdout        # 64*64+64 + 64*128+128 + ... + 32*10+10
    assert run.number(r"^test accuracy: ([\d.]+)") > 0.85
    assert run.number(r"^train accuracy \(last epoch\): ([\d.]+)") > 0.85
    nodes = svg_items(run.path("02_tutorial_model.svg"))
    names = {texts[0] for texts in nodes.values()}
    assert {"dense", "dense_1", "dense_2", "dense_3"} <= names
    assert any("custom_activation" in line for texts in nodes.values() for line in texts)


def test_03_custom_activation(tmp_path_factory):
    run = run_example("03_custom_activation", tmp_path_factory)
    check_written(run, ["03_custom_activation.svg"])
    assert "gradcheck(custom_activation, x): passed" in run.stdout
    assert "with respect to its kernel: passed" in run.stdout
    assert run.number(r"max \|layer.kernel.grad - float64 gradient\| = (\S+)") < 1e-5
    assert run.number(r"max \|backward - formula\| = (\S+)") < 1e-12
    assert "ops recorded inside layer 'dense': matmul, add, sigmoid, mul" in run.stdout
    # In the picture the activation's own ops sit inside the Dense layer's box.
    path = run.path("03_custom_activation.svg")
    clusters = svg_items(path, "cluster")
    (cluster,) = [t for t, texts in clusters.items() if "".join(texts).startswith("dense")]
    assert "custom_activation" in "".join(clusters[cluster])
    box = svg_boxes(path, "cluster")[cluster]
    nodes, node_boxes = svg_items(path), svg_boxes(path, "node")
    for op in ("matmul", "add", "sigmoid", "mul"):
        assert any(texts == [op] and inside(node_boxes[title], box)
                   for title, texts in nodes.items()), f"no {op} node inside {cluster}"


def test_04_activation_sweep(tmp_path_factory):
    run = run_example("04_activation_sweep", tmp_path_factory)
    pictures = ["04_sweep.png", "04_gradient_norms.png"]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pictures = []
    check_written(run, ["04_sweep.csv", "04_gradient_norms.csv"] + pictures)

    activations = ["relu", "leaky_relu", "prelu", "elu", "tanh", "sigmoid", "swish"]
    columns, rows = read_csv(run.path("04_sweep.csv"))
    assert columns[:3] == ["dataset", "activation", "seed"]
    assert {"final_val_accuracy", "epochs_to_converge"} <= set(columns)
    assert sorted({(r["dataset"], r["activation"]) for r in rows}) == sorted(
        (d, a) for d in ("spirals", "digits") for a in activations)
    accuracy = {(r["dataset"], r["activation"]): float(r["final_val_accuracy"]) for r in rows}
    assert accuracy[("spirals", "relu")] > 0.9 and accuracy[("digits", "relu")] > 0.85
    for activation in activations:                          # the printed markdown table
        assert re.search(rf"^\| {activation} \| [\d.]+", run.stdout, re.MULTILINE)

    columns, rows = read_csv(run.path("04_gradient_norms.csv"))
    assert columns == ["activation", "initializer", "epoch", "depth", "layer", "grad_norm",
                       "dead_fraction", "saturated_fraction"]
    configs = {(r["activation"], r["initializer"]) for r in rows}
    assert {("sigmoid", "glorot_uniform"), ("relu", "he_normal")} <= configs
    epochs = {int(r["epoch"]) for r in rows}
    assert min(epochs) == 0 and len(epochs) >= 2            # at init, then after each epoch
    assert len(rows) == len(configs) * len(epochs) * 10     # 10 layers

    def norm(activation, initializer, depth, epoch=0):
        return next(float(r["grad_norm"]) for r in rows if r["activation"] == activation and
                    r["initializer"] == initializer and int(r["depth"]) == depth and
                    int(r["epoch"]) == epoch)
    # Vanishing gradients: sigmoid's first layer gets a tiny fraction of its last layer's
    # gradient, and far less than ReLU's first layer.
    assert norm("sigmoid", "glorot_uniform", 1) < 1e-3 * norm("sigmoid", "glorot_uniform", 10)
    assert norm("sigmoid", "glorot_uniform", 1) < 1e-3 * norm("relu", "he_normal", 1)
    assert 0.1 < norm("relu", "he_normal", 1) / norm("relu", "he_normal", 10) < 10
    # Dead ReLU units are measured (a fraction) for relu layers and not for sigmoid ones.
    relu_dead = [float(r["dead_fraction"]) for r in rows
                 if r["activation"] == "relu" and r["dead_fraction"] != ""]
    assert relu_dead and all(0.0 <= d <= 1.0 for d in relu_dead)
    assert all(r["dead_fraction"] == "" for r in rows if r["activation"] == "sigmoid")


def test_05_vanishing_gradients(tmp_path_factory):
    run = run_example("05_vanishing_gradients", tmp_path_factory)
    check_written(run, ["05_deep_sigmoid.svg", "05_deep_relu.svg"])
    table = re.findall(r"^\|\s+(\d+) \|\s+(\S+) \|\s+(\S+) \|\s+(\S+) \|\s+(\S+) \|",
                       run.stdout, re.MULTILINE)
    assert len(table) == 8, run.stdout
    sigmoid = [float(row[1]) for row in table]
    relu = [float(row[3]) for row in table]
    assert sigmoid == sorted(sigmoid), "sigmoid's gradient should grow towards the output"
    assert sigmoid[0] < 1e-3 * sigmoid[-1]
    assert sigmoid[0] < relu[0] / 100
    assert 0.1 < relu[0] / relu[-1] < 10
    # Both drawings have one node per layer (collapsed), and shade layer 1 differently.
    for activation in ("sigmoid", "relu"):
        names = {texts[0] for texts in svg_items(run.path(f"05_deep_{activation}.svg")).values()
                 if texts}
        assert {"dense", "dense_7", "loss"} <= names
    assert (node_fill(run.path("05_deep_sigmoid.svg"), "dense")
            != node_fill(run.path("05_deep_relu.svg"), "dense"))
    # BatchNormalization before each sigmoid: the first layer's gradient no longer vanishes.
    batchnorm = [float(row) for row in re.findall(r"^\|\s+\d+ \|(?:[^|]*\|){5}\s+(\S+) \|$",
                                                  run.stdout, re.MULTILINE)]
    assert len(batchnorm) == 8, run.stdout
    assert batchnorm[0] > 1000 * sigmoid[0]
    assert 0.1 < run.number(r"^sigmoid \+ batchnorm: first layer / last layer gradient norm = "
                            r"(\S+)") < 10


def test_09_residual_mlp(tmp_path_factory):
    run = run_example("09_residual_mlp", tmp_path_factory)
    check_written(run, ["09_residual_mlp.svg"])
    table = re.findall(r"^\|\s+(\d+) \|\s+(\S+) \|\s+(\S+) \|", run.stdout, re.MULTILINE)
    assert len(table) == 8, run.stdout
    plain = run.number(r"^plain: first-layer gradient norm (\S+),")
    residual = run.number(r"^residual: first-layer gradient norm (\S+),")
    assert plain == pytest.approx(float(table[0][1]), rel=0.01)      # example 5's number
    assert residual > 1000 * plain                                   # no longer vanishing
    assert run.number(r"^residual: first-layer .* first / last = (\S+)") > 1e-3
    assert 'Model: "residual_sigmoid"' in run.stdout and "Connected to" in run.stdout
    names = {texts[0] for texts in svg_items(run.path("09_residual_mlp.svg")).values() if texts}
    assert {"inputs", "dense", "residual_1", "residual_6", "dense_7"} <= names
    # Example 5 printed the same first-layer gradient for the same plain network.
    example_5 = run_example("05_vanishing_gradients", tmp_path_factory)
    assert plain == pytest.approx(example_5.number(r"^\|\s+1 \|\s+(\S+) \|"), rel=0.01)


def test_06_backward_by_hand(tmp_path_factory):
    run = run_example("06_backward_by_hand", tmp_path_factory)
    check_written(run, ["06_backward_by_hand.svg"])
    assert "all 9 gradients recomputed by hand in numpy: equal to the engine's" in run.stdout
    assert "step 0: loss = mean(err2)" in run.stdout
    assert "b1 (16,) receives it summed over axis 0 (the batch)" in run.stdout
    assert "..." not in run.stdout.split("all 9 gradients")[0]      # every value on screen
    element = run.number(r"^dL/dW1\[1,2\] = sum_r x\[r,1\] \* dL/dxW1\[r,2\] = .* = (-?[\d.]+)$")
    assert element == run.number(r"^the engine's W1.grad\[1, 2\] = (-?[\d.]+)$")
    edges = svg_items(run.path("06_backward_by_hand.svg"), kind="edge")
    edge_texts = [line for texts in edges.values() for line in texts]
    assert sum(text.startswith(("grad", "mean |grad|")) for text in edge_texts) >= 10
    ops = [texts for texts in svg_items(run.path("06_backward_by_hand.svg")).values()
           if texts and texts[0] == "tanh"]
    assert ops and ops[0][1] == "d tanh(x)/dx = 1 - tanh(x)^2"       # show_rules=True


def test_07_training_loop(tmp_path_factory):
    run = run_example("07_training_loop", tmp_path_factory)
    assert run.number(r"^final training accuracy: ([\d.]+)") >= 0.97
    losses = [float(v) for v in re.findall(r"loss ([\d.]+)", run.stdout)]
    assert losses[-1] < losses[0] / 10


# ---- the gallery is the same on every machine ---------------------------------------------

# What another CPU would change: OpenBLAS's kernels (each CPU family sums a matmul in its own
# order) and numpy's SIMD loops for exp, tanh, ... (AVX2 or not). Both can be forced here.
ANOTHER_CPU = {"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": "AVX2 FMA3 F16C"}


@pytest.mark.parametrize("name, drawings", [
    ("00_demo", ["00_demo_graph.svg", "00_demo_layers.svg"]),
    ("03_custom_activation", ["03_custom_activation.svg"]),
    ("06_backward_by_hand", ["06_backward_by_hand.svg"]),
    ("05_vanishing_gradients", ["05_deep_sigmoid.svg", "05_deep_relu.svg"])])
def test_drawings_do_not_depend_on_the_cpu(tmp_path_factory, name, drawings):
    """Rerunning the examples leaves git clean on any machine: no digit in a drawing is
    decided by float rounding (a mean that cancels to ~1e-9 shows as ≈0)."""
    here = run_example(name, tmp_path_factory)
    elsewhere = run_example(name, tmp_path_factory, **ANOTHER_CPU)
    for drawing in drawings:
        with open(here.path(drawing), encoding="utf-8") as a, \
                open(elsewhere.path(drawing), encoding="utf-8") as b:
            assert a.read() == b.read(), f"viz/{drawing} depends on the CPU's rounding"
