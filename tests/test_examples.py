"""Run every example in examples/ and check the files it writes.

Each example asserts its own claims where it makes them (the loss went down, the first sigmoid
layer's gradient vanishes, ...), so an example that exits 0 has shown what it says; nothing
here reads what it prints. Each runs as a subprocess (sys.executable, cwd = repo root) from a
copy of the script in a temporary examples/ folder, so its output folder (../viz relative to
the script) is a temporary viz/ and the real gallery is left alone. Scripts that know `--fast`
get it.
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
    """One example's run: the folder it wrote into."""

    def __init__(self, name, viz):
        self.name, self.viz = name, viz

    def path(self, filename):
        return os.path.join(self.viz, filename)


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
        if done.returncode != 0:                            # an assert in it failed, or worse
            pytest.fail(f"examples/{name}.py exited with {done.returncode}:\n"
                        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}", pytrace=False)
        _runs[key] = Run(name, str(root / "viz"))
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
    """The run's viz/ holds exactly the expected files, each valid for its type."""
    written = sorted(os.listdir(run.viz))
    assert written == sorted(expected), f"{run.name} wrote {written} into viz/, not {expected}"
    for path in map(run.path, written):
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
    ops = {t[0] for t in svg_items(run.path("00_demo_graph.svg")).values() if len(t) == 1}
    assert {"matmul", "tanh", "sigmoid", "mul"} <= ops


def test_01_chain_rule(tmp_path_factory):
    run = run_example("01_chain_rule", tmp_path_factory)
    check_written(run, ["01_chain_rule.svg"])
    texts = [line for texts in svg_items(run.path("01_chain_rule.svg")).values()
             for line in texts]
    for name in ("a", "b", "c", "f", "L"):
        assert name in texts, f"no node named {name} in the drawing"


def test_02_keras_tutorial(tmp_path_factory):
    run = run_example("02_keras_tutorial", tmp_path_factory)
    check_written(run, ["02_tutorial_model.svg"])
    nodes = svg_items(run.path("02_tutorial_model.svg"))
    names = {texts[0] for texts in nodes.values()}
    assert {"dense", "dense_1", "dense_2", "dense_3"} <= names
    assert any("custom_activation" in line for texts in nodes.values() for line in texts)


def test_03_custom_activation(tmp_path_factory):
    run = run_example("03_custom_activation", tmp_path_factory)
    check_written(run, ["03_custom_activation.svg"])
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
    assert all(0.0 <= float(r["final_val_accuracy"]) <= 1.0 for r in rows)

    columns, rows = read_csv(run.path("04_gradient_norms.csv"))
    assert columns == ["activation", "initializer", "epoch", "depth", "layer", "grad_norm",
                       "dead_fraction", "saturated_fraction"]
    configs = {(r["activation"], r["initializer"]) for r in rows}
    assert {("sigmoid", "glorot_uniform"), ("relu", "he_normal")} <= configs
    epochs = {int(r["epoch"]) for r in rows}
    assert min(epochs) == 0 and len(epochs) >= 2            # at init, then after each epoch
    assert len(rows) == len(configs) * len(epochs) * 10     # 10 layers
    assert all(float(r["grad_norm"]) > 0 for r in rows)
    # Dead ReLU units are measured (a fraction) for relu layers and not for sigmoid ones.
    relu_dead = [float(r["dead_fraction"]) for r in rows
                 if r["activation"] == "relu" and r["dead_fraction"] != ""]
    assert relu_dead and all(0.0 <= d <= 1.0 for d in relu_dead)
    assert all(r["dead_fraction"] == "" for r in rows if r["activation"] == "sigmoid")


def test_05_vanishing_gradients(tmp_path_factory):
    run = run_example("05_vanishing_gradients", tmp_path_factory)
    check_written(run, ["05_deep_sigmoid.svg", "05_deep_relu.svg"])
    # Both drawings have one node per layer (collapsed), and shade layer 1 differently.
    for activation in ("sigmoid", "relu"):
        names = {texts[0] for texts in svg_items(run.path(f"05_deep_{activation}.svg")).values()
                 if texts}
        assert {"dense", "dense_7", "loss"} <= names
    assert (node_fill(run.path("05_deep_sigmoid.svg"), "dense")
            != node_fill(run.path("05_deep_relu.svg"), "dense"))


def test_09_residual_mlp(tmp_path_factory):
    run = run_example("09_residual_mlp", tmp_path_factory)
    check_written(run, ["09_residual_mlp.svg"])
    names = {texts[0] for texts in svg_items(run.path("09_residual_mlp.svg")).values() if texts}
    assert {"inputs", "dense", "residual_1", "residual_6", "dense_7"} <= names


def test_09s_plain_network_is_example_5s_sigmoid_network():
    """Example 9 fixes example 5's network: the same layers, starting weights and batch size."""
    example_5, example_9 = load_example("05_vanishing_gradients"), load_example("09_residual_mlp")
    assert (example_5.DEPTH, example_5.WIDTH, example_5.BATCH) == \
        (example_9.DEPTH, example_9.WIDTH, example_9.BATCH)
    plain = example_9.plain_network().get_weights()
    sigmoid = example_5.deep_network("sigmoid").get_weights()
    assert len(plain) == len(sigmoid) == 2 * example_5.DEPTH       # a kernel and a bias each
    for ours, theirs in zip(plain, sigmoid):
        np.testing.assert_array_equal(ours, theirs)


def test_06_backward_by_hand(tmp_path_factory):
    run = run_example("06_backward_by_hand", tmp_path_factory)
    check_written(run, ["06_backward_by_hand.svg"])
    edges = svg_items(run.path("06_backward_by_hand.svg"), kind="edge")
    edge_texts = [line for texts in edges.values() for line in texts]
    assert sum(text.startswith(("grad", "mean |grad|")) for text in edge_texts) >= 10
    ops = [texts for texts in svg_items(run.path("06_backward_by_hand.svg")).values()
           if texts and texts[0] == "tanh"]
    assert ops and ops[0][1] == "d tanh(x)/dx = 1 - tanh(x)^2"       # show_rules=True


def test_07_training_loop(tmp_path_factory):
    run = run_example("07_training_loop", tmp_path_factory)
    check_written(run, [])                                  # a loop by hand: no pictures


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
