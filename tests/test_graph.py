"""Drawings: the DOT text of draw_graph and plot_model, the rendered SVG's structure (parsed as
XML, never compared as bytes), and the error a user gets when Graphviz's `dot` is missing.

Rendering tests FAIL when `dot` is missing; set MICRODENSE_SKIP_RENDER=1 to skip them instead.
"""
import os
import re
import shutil
import warnings
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import microdense as md
from microdense.graph import Drawing, GraphvizNotFoundError, draw_graph, plot_model
from microdense.graph import labels
from microdense.tensor import Scope, layer_scope

SVG = {"svg": "http://www.w3.org/2000/svg"}


# ---- helpers ------------------------------------------------------------------------------

@pytest.fixture
def dot():
    """Rendering needs Graphviz's `dot`: fail loudly without it, unless explicitly opted out."""
    if shutil.which("dot"):
        return
    if os.environ.get("MICRODENSE_SKIP_RENDER") == "1":
        pytest.skip("MICRODENSE_SKIP_RENDER=1: rendering tests skipped (no Graphviz `dot`).")
    pytest.fail("Graphviz's `dot` is not on PATH, so rendering cannot be tested. Install it "
                "(apt-get install graphviz / brew install graphviz / conda install -c "
                "conda-forge graphviz) or set MICRODENSE_SKIP_RENDER=1 to skip these tests.")


def param(values, name=None):
    return md.Tensor(np.asarray(values, dtype=np.float64), requires_grad=True, name=name)


def custom_activation(x):
    return x * md.sigmoid(x)


def mlp(seed=0):
    """A two-layer MLP written by hand, with layer scopes as the layers will set them."""
    rng = np.random.default_rng(seed)
    t = {"x": md.Tensor(rng.normal(size=(8, 3)), name="x"),
         "y": md.Tensor(rng.normal(size=(8, 1)), name="y_true"),
         "W1": param(rng.normal(size=(3, 4)), "dense/kernel"),
         "b1": param(np.zeros(4), "dense/bias"),
         "W2": param(rng.normal(size=(4, 1)), "dense_1/kernel"),
         "b2": param(np.zeros(1), "dense_1/bias")}
    with layer_scope(Scope("dense", "Dense(4, activation=custom_activation)")):
        t["h"] = custom_activation(t["x"] @ t["W1"] + t["b1"])
    with layer_scope(Scope("dense_1", "Dense(1)")):
        t["out"] = t["h"] @ t["W2"] + t["b2"]
    t["loss"] = ((t["out"] - t["y"]) ** 2).mean()
    t["loss"].backward()
    return t


def nodes(source):
    """{node id: attribute text} of every node statement in DOT source."""
    found = dict(re.findall(r"^\t+(\w+) \[(.*)\]$", source, flags=re.M))
    return {node_id: text for node_id, text in found.items()
            if node_id not in ("graph", "node", "edge")}        # default-attribute lines


def edges(source):
    """[(tail, head)] of every edge statement, in order, repeats kept."""
    return re.findall(r"^\t+(\w+) -> (\w+)", source, flags=re.M)


def node_named(source, name):
    """The id and attributes of the one node whose label shows `name` in bold."""
    found = [(node_id, text) for node_id, text in nodes(source).items()
             if f"<b>{name}</b>" in text]
    assert len(found) == 1, f"expected one node named {name!r}, found {len(found)}"
    return found[0]


def row(attributes, what):
    """The first line of a node's 'data' or 'grad' row."""
    match = re.search(rf"<i>{what}</i></td><td align=\"left\">(.*?)</td>", attributes)
    return match and match.group(1)


def clusters(source):
    """{cluster label text: DOT text of its body}."""
    found = {}
    for block in re.findall(r"subgraph cluster_\w+ \{\n(.*?)\n\t\}", source, flags=re.S):
        label = re.search(r"label=<(.*?)> style=", block).group(1)
        found[label] = block
    return found


def svg_of(drawing):
    """The rendered SVG as an XML tree (structure only: bytes differ between versions)."""
    return ET.fromstring(drawing.pipe(format="svg"))


def svg_titles(tree, kind="node"):
    return [g.find("svg:title", SVG).text for g in tree.iterfind(f".//svg:g[@class='{kind}']",
                                                                  SVG)]


def tanh_chain(length):
    x = param(0.5, "x")
    h = x
    for _ in range(length):
        h = md.tanh(h)
    return x, h


# ---- what draw_graph returns --------------------------------------------------------------

def test_returns_a_graphviz_digraph():
    g = draw_graph(mlp()["loss"])
    assert isinstance(g, graphviz.Digraph) and isinstance(g, Drawing)
    assert g.source.startswith("digraph computation_graph {")


def test_every_op_and_parameter_appears_exactly_once():
    t = mlp()
    source = draw_graph(t["loss"]).source
    ops = re.findall(r"label=<<b>(\w+)</b>> .*shape=\"ellipse\"", source)
    # x@W1, +b1, sigmoid, *, @W2, +b2, -y, **2, and mean
    assert sorted(ops) == sorted(["matmul", "add", "sigmoid", "mul", "matmul", "add", "sub",
                                  "pow", "mean"])
    for name in ("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "x", "y_true"):
        node_named(source, name)
    recorded = {id(t["loss"])}
    stack = [t["loss"]]
    while stack:                                     # the test's own count of the graph
        for parent in stack.pop().parents:
            if id(parent) not in recorded:
                recorded.add(id(parent))
                stack.append(parent)
    tensor_nodes = [i for i in nodes(source) if i.startswith("t")]
    assert len(tensor_nodes) == len(recorded)


def test_edges_follow_the_data_from_inputs_through_the_op_to_its_output():
    a, b = param(2.0, "a"), param(-3.0, "b")
    c = a * b
    source = draw_graph(c).source
    a_id, b_id, c_id = node_named(source, "a")[0], node_named(source, "b")[0], "t0"
    op = [i for i in nodes(source) if i.startswith("op")]
    assert op == ["op0"]
    assert edges(source) == [("op0", c_id), (a_id, "op0"), (b_id, "op0")]
    assert "d(a*b)/da = b, d(a*b)/db = a" in nodes(source)["op0"]     # rule as tooltip


def test_labels_carry_values_and_gradients():
    a, b = param(2.0, "a"), param(-3.0, "b")
    c = a * b
    d = c + a                                           # dd/da = b + 1 = -2, dd/db = a = 2
    d.backward()
    source = draw_graph(d).source
    assert row(node_named(source, "a")[1], "data") == "2"
    assert row(node_named(source, "a")[1], "grad") == "-2"
    assert row(node_named(source, "b")[1], "grad") == "2"
    assert "scalar float64" in node_named(source, "a")[1]


def test_larger_tensors_are_summarised_and_tiny_ones_listed():
    t = mlp()
    source = draw_graph(t["loss"]).source
    kernel = node_named(source, "dense/kernel")[1]
    assert "(3, 4) float64" in kernel
    assert row(kernel, "data") == (f"mean {t['W1'].data.mean():.4g}  "
                                   f"std {t['W1'].data.std():.4g}")
    assert f"min {t['W1'].grad.min():.4g}  max {t['W1'].grad.max():.4g}" in kernel
    bias = node_named(source, "dense/bias")[1]
    assert row(bias, "data") == "[0, 0, 0, 0]"
    assert row(bias, "grad") == "[" + ", ".join(f"{v:.4g}" for v in t["b1"].grad) + "]"


def test_show_data_and_show_grad_switch_rows_off():
    loss = mlp()["loss"]
    assert "<i>data</i>" not in draw_graph(loss, show_data=False).source
    assert "<i>grad</i>" in draw_graph(loss, show_data=False).source
    assert "<i>grad</i>" not in draw_graph(loss, show_grad=False).source


def test_a_tensor_used_twice_has_two_edges():
    a = param(3.0, "a")
    source = draw_graph(a + a).source
    a_id = node_named(source, "a")[0]
    assert edges(source).count((a_id, "op0")) == 2


def test_colours_say_what_each_tensor_is():
    t = mlp()
    source = draw_graph(t["loss"]).source
    assert f'fillcolor="{labels.PARAMETER}"' in node_named(source, "dense/kernel")[1]
    assert f'fillcolor="{labels.DATA}"' in node_named(source, "x")[1]
    assert f'fillcolor="{labels.ROOT}"' in nodes(source)["t0"]
    assert 'peripheries="2"' in nodes(source)["t0"]
    intermediates = [attributes for node_id, attributes in nodes(source).items()
                     if f'fillcolor="{labels.INTERMEDIATE}"' in attributes]
    assert len(intermediates) == 8        # matmul, add, sigmoid, mul, matmul, add, sub, pow



def test_nan_and_inf_are_red():
    a = param([1.0, np.nan, 2.0, np.inf, 5.0, 6.0], "a")
    b = param([1.0, 2.0], "b")
    source = draw_graph((a * 2.0).sum() + b.sum()).source
    bad = node_named(source, "a")[1]
    assert f'fillcolor="{labels.NOT_FINITE}"' in bad
    assert "1 NaN, 1 inf" in bad and "mean 3.5" in bad        # stats of the finite values
    assert labels.NOT_FINITE not in node_named(source, "b")[1]


def test_user_text_is_escaped_in_html_labels(dot):
    a = param(1.0, 'a<b> & "c"')
    with layer_scope(Scope("odd<layer>", "Weird(x<1 & y>2)")):
        out = a * 2.0
    g = draw_graph(out)
    assert "a&lt;b&gt; &amp; &quot;c&quot;" in g.source
    assert "<b>odd&lt;layer&gt;</b> · Weird(x&lt;1 &amp; y&gt;2)" in g.source
    without_tooltips = re.sub(r'tooltip="(\\.|[^"\\])*"', "", g.source)   # plain text there
    assert "a<b>" not in without_tooltips and 'a&lt;b&gt;' in without_tooltips
    titles = svg_titles(svg_of(g))                        # and Graphviz accepts it
    assert len(titles) == len(nodes(g.source))


def test_drawing_is_deterministic():
    assert draw_graph(mlp(1)["loss"]).source == draw_graph(mlp(1)["loss"]).source


def test_drawing_only_reads_the_graph():
    t = mlp()
    before = {k: (v.data.copy(), None if v.grad is None else v.grad.copy(), v.name)
              for k, v in t.items()}
    draw_graph(t["loss"], collapse_layers=True, color_by="grad", show_legend=True)
    for k, v in t.items():
        data, grad, name = before[k]
        np.testing.assert_array_equal(v.data, data)
        assert (v.grad is None and grad is None) or np.array_equal(v.grad, grad)
        assert v.name == name


def test_a_leaf_alone_is_one_node():
    source = draw_graph(param([1.0, 2.0], "w")).source
    assert list(nodes(source)) == ["t0"] and edges(source) == []


def test_bad_options_are_explained():
    a = param(1.0)
    with pytest.raises(ValueError, match="color_by"):
        draw_graph(a, color_by="size")
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(a, rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(a, max_nodes=0)


# ---- layers -------------------------------------------------------------------------------

def test_ops_and_weights_of_a_layer_share_its_cluster():
    source = draw_graph(mlp()["loss"]).source
    found = clusters(source)
    assert set(found) == {"<b>dense</b> · Dense(4, activation=custom_activation)",
                          "<b>dense_1</b> · Dense(1)"}
    dense = found["<b>dense</b> · Dense(4, activation=custom_activation)"]
    # the user's activation shows as its own primitives inside the layer
    assert [op for op in re.findall(r"<<b>(\w+)</b>>", dense)] == ["mul", "add", "sigmoid",
                                                                   "matmul"]
    assert "<b>dense/kernel</b>" in dense and "<b>dense/bias</b>" in dense
    assert "<b>dense_1/kernel</b>" in found["<b>dense_1</b> · Dense(1)"]
    for outside in ("x", "y_true"):
        assert all(f"<b>{outside}</b>" not in block for block in found.values())


def test_a_python_number_in_a_layer_formula_sits_in_that_layer():
    x = param([1.0, -2.0], "x")
    with layer_scope(Scope("leaky", "LeakyReLU(0.2)")):
        out = md.relu(x) - 0.2 * md.relu(-x)
    source = draw_graph(out.sum()).source
    (block,) = clusters(source).values()
    assert ">0.2</td>" in block and "<b>x</b>" not in block
    collapsed = nodes(draw_graph(out.sum(), collapse_layers=True).source)
    assert "in (2,) → out (2,)" in collapsed["layer0"]
    assert not any(">0.2</td>" in text for text in collapsed.values())


def test_group_layers_false_draws_no_clusters():
    assert "subgraph" not in draw_graph(mlp()["loss"], group_layers=False).source


def test_collapse_layers_draws_one_node_per_layer():
    t = mlp()
    source = draw_graph(t["loss"], collapse_layers=True).source
    drawn = nodes(source)
    layers = {i: text for i, text in drawn.items() if i.startswith("layer")}
    assert len(layers) == 2 and "subgraph" not in source
    dense = next(text for text in layers.values() if "<b>dense</b>" in text)
    assert "in (8, 3) → out (8, 4)" in dense and "params 16" in dense
    assert "Dense(4, activation=custom_activation)" in dense
    dense_1 = next(text for text in layers.values() if "<b>dense_1</b>" in text)
    assert "in (8, 4) → out (8, 1)" in dense_1 and "params 5" in dense_1
    # layer internals vanish; the loss's own ops stay
    assert "matmul" not in source and "sigmoid" not in source and "<b>pow</b>" in source
    dense_id = next(i for i, text in layers.items() if "<b>dense</b>" in text)
    dense_1_id = next(i for i, text in layers.items() if "<b>dense_1</b>" in text)
    assert (dense_id, dense_1_id) in edges(source)
    assert (node_named(source, "x")[0], dense_id) in edges(source)
    assert len(edges(source)) == len(set(edges(source)))


def test_collapsed_layers_render(dot):
    g = draw_graph(mlp()["loss"], collapse_layers=True)
    assert set(svg_titles(svg_of(g))) == set(nodes(g.source))


# ---- colour by magnitude ------------------------------------------------------------------

def test_magnitude_steps_are_powers_of_ten():
    assert labels.magnitude_step(0.0) == 0
    assert labels.magnitude_step(3e-9) == 0
    assert labels.magnitude_step(2e-6) == 1
    assert labels.magnitude_step(0.5) == 6
    assert labels.magnitude_step(5.0) == 7
    assert labels.magnitude_step(1e6) == 8
    assert labels.magnitude_step_label(6, "grad") == "0.1 ≤ mean |grad| < 1"


def test_color_by_grad_shows_a_vanishing_gradient():
    x, h = tanh_chain(1)
    deep = param(np.full(5, 2.0), "deep")
    z = deep
    for _ in range(12):                                 # each sigmoid shrinks grad by <= 1/4
        z = md.sigmoid(z)
    loss = z.sum() + h
    loss.backward()
    source = draw_graph(loss, color_by="grad").source
    fill = re.compile(r'fillcolor="(#\w+)"')
    deep_fill = fill.search(node_named(source, "deep")[1]).group(1)
    assert deep_fill == labels.MAGNITUDE_COLORS[labels.magnitude_step(
        np.abs(deep.grad).mean())]
    assert deep_fill == labels.MAGNITUDE_COLORS[0]              # mean |grad| < 1e-6
    assert fill.search(nodes(source)["t0"]).group(1) == labels.MAGNITUDE_COLORS[7]   # grad 1


def test_color_by_data_and_no_grad():
    a = param([1e-4, -1e-4], "a")
    c = md.Tensor([3.0, 3.0], name="c")
    out = (a * c).sum()                                 # no backward: no grads anywhere
    by_data = draw_graph(out, color_by="data").source
    assert f'fillcolor="{labels.MAGNITUDE_COLORS[3]}"' in node_named(by_data, "a")[1]
    by_grad = draw_graph(out, color_by="grad").source
    assert 'style="rounded,filled,dashed"' in node_named(by_grad, "a")[1]


def test_legend_can_be_drawn(dot):
    loss = mlp()["loss"]
    plain = draw_graph(loss, show_legend=True)
    assert "parameter (weight)" in nodes(plain.source)["legend"]
    shaded = draw_graph(loss, color_by="grad", show_legend=True)
    assert "mean |grad| &lt; 1e-6" in nodes(shaded.source)["legend"]
    assert "legend" in svg_titles(svg_of(shaded))


# ---- big graphs ---------------------------------------------------------------------------

def test_ten_thousand_node_chain_draws_without_recursion():
    # (its speed is measured by benchmarks/draw_graph.py, not here)
    x, h = tanh_chain(10_000)                           # deeper than Python's recursion limit
    h.backward()
    source = draw_graph(h, max_nodes=None).source
    assert len(nodes(source)) == 20_001 and len(edges(source)) == 20_000


def test_max_nodes_elides_the_farthest_and_says_how_many():
    x, h = tanh_chain(10_000)
    source = draw_graph(h, max_nodes=100, show_grad=False).source    # forward only
    drawn = nodes(source)
    assert len(drawn) == 101 and "elided" in drawn      # 100 nodes and the note
    assert "19,901 more nodes not drawn" in drawn["elided"]     # 20,001 in all, 100 drawn
    assert "t0" in drawn and "t49" in drawn and "t50" not in drawn    # nearest the root kept
    assert ("elided", "op49") in edges(source)
    assert node_named(draw_graph(h, max_nodes=None).source, "x")      # all of it, on request


def test_max_nodes_renders_with_its_note(dot):
    x, h = tanh_chain(300)
    g = draw_graph(h, max_nodes=40, show_grad=False)
    titles = svg_titles(svg_of(g))
    assert len(titles) == 41 and "elided" in titles


def test_collapsing_thousands_of_layers():
    h = md.Tensor(np.ones((2, 3)), name="x")
    for number in range(3000):
        w = param(np.full((3, 3), 0.1), f"dense_{number}/kernel")
        with layer_scope(Scope(f"dense_{number}", "Dense(3)")):
            h = md.tanh(h @ w)
    h.sum().backward()
    source = draw_graph(h.sum(), collapse_layers=True, max_nodes=None).source
    assert sum(i.startswith("layer") for i in nodes(source)) == 3000


def test_max_nodes_with_collapsed_layers_counts_a_layer_once():
    h = md.Tensor(np.ones((2, 3)), name="x")
    for number in range(30):
        w = param(np.full((3, 3), 0.1), f"dense_{number}/kernel")
        with layer_scope(Scope(f"dense_{number}", "Dense(3)")):
            h = md.tanh(h @ w)
    source = draw_graph(h.sum(), collapse_layers=True, max_nodes=12).source
    drawn = nodes(source)
    assert sum(i.startswith("layer") for i in drawn) == 10      # t0, op0, 10 layers
    assert "21 more nodes not drawn" in drawn["elided"]        # 20 layers and x


# ---- rendering ----------------------------------------------------------------------------

def test_rendered_svg_has_a_node_per_tensor_and_op(dot):
    g = draw_graph(mlp()["loss"])
    tree = svg_of(g)
    assert sorted(svg_titles(tree)) == sorted(nodes(g.source))
    assert len(svg_titles(tree, "edge")) == len(edges(g.source))
    assert len(list(tree.iterfind(".//svg:g[@class='cluster']", SVG))) == 2


def test_render_writes_a_file_and_jupyter_gets_svg(dot, tmp_path):
    g = draw_graph(mlp()["loss"])
    path = g.render(tmp_path / "mlp", format="svg")
    ET.parse(path)
    bundle = g._repr_mimebundle_()
    assert ET.fromstring(bundle["image/svg+xml"].encode()).tag == "{http://www.w3.org/2000/svg}svg"


# ---- Graphviz missing ---------------------------------------------------------------------

def check_install_help(error):
    message = str(error.value)
    assert isinstance(error.value, graphviz.ExecutableNotFound)
    assert isinstance(error.value, RuntimeError)
    assert "Graphviz" in message and "not found" in message
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    assert ".source" in message


def test_missing_dot_raises_with_install_help(monkeypatch, tmp_path):
    g = draw_graph(mlp()["loss"])
    monkeypatch.setenv("PATH", "")
    assert g.source.startswith("digraph")               # the DOT text needs no Graphviz
    with pytest.raises(GraphvizNotFoundError) as error:
        g.pipe(format="svg")
    check_install_help(error)
    with pytest.raises(GraphvizNotFoundError) as error:
        g.render(tmp_path / "mlp", format="png")
    check_install_help(error)
    with pytest.raises(GraphvizNotFoundError):
        g._repr_mimebundle_()                           # Jupyter display: never silent


def test_plot_model_to_file_without_dot_raises_but_dot_text_works(monkeypatch, tmp_path):
    model = FakeModel([FakeDense("dense", 4, "relu", 16)], input_shape=(None, 3))
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizNotFoundError) as error:
        plot_model(model, to_file=tmp_path / "model.svg")
    check_install_help(error)
    assert not (tmp_path / "model.svg").exists()
    plot_model(model, to_file=tmp_path / "model.dot")
    assert (tmp_path / "model.dot").read_text().startswith("digraph")


# ---- plot_model ---------------------------------------------------------------------------

class FakeDense:
    """Just the public attributes plot_model reads (the real layers have the same ones)."""

    def __init__(self, name, units, activation, params, built=True):
        self.name, self.units, self.params, self.built = name, units, params, built
        self.activation = getattr(md.activations, activation) if isinstance(activation, str) \
            else activation
        self.dtype = "float32"

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def count_params(self):
        if not self.built:
            raise ValueError("not built")
        return self.params


class FakeModel:
    def __init__(self, layers, input_shape=None, name="sequential"):
        self.layers, self.name = layers, name
        if input_shape is not None:
            self.input_shape = input_shape


def three_layers():
    return FakeModel([FakeDense("dense", 64, "relu", 256),
                      FakeDense("dense_1", 32, custom_activation, 2080),
                      FakeDense("dense_2", 10, "softmax", 330)], input_shape=(None, 3))


def test_plot_model_draws_one_box_per_layer_in_order():
    g = plot_model(three_layers(), to_file=None)
    assert isinstance(g, graphviz.Digraph)
    drawn = nodes(g.source)
    assert list(drawn) == ["input", "layer0", "layer1", "layer2"]
    assert edges(g.source) == [("input", "layer0"), ("layer0", "layer1"), ("layer1", "layer2")]
    assert "<b>dense_1</b> (FakeDense)" in drawn["layer1"]
    assert "activation: custom_activation" in drawn["layer1"]
    assert "activation: relu" in drawn["layer0"]
    assert "(None, 3) → (None, 64)" in drawn["layer0"]
    assert "(None, 64) → (None, 32)" in drawn["layer1"]
    assert "params: 2,080" in drawn["layer1"]
    assert "dtype" not in g.source and "rankdir=TB" in g.source


def test_plot_model_options():
    model = three_layers()
    source = plot_model(model, show_shapes=False, show_layer_activations=False,
                        show_params=False, show_dtype=True, rankdir="LR", to_file=None).source
    assert "→" not in source and "activation:" not in source and "params" not in source
    assert "dtype: float32" in source and "rankdir=LR" in source
    unbuilt = FakeModel([FakeDense("dense", 4, "relu", 0, built=False)])
    assert "params: ? (not built)" in plot_model(unbuilt, to_file=None).source


def test_plot_model_escapes_names():
    model = FakeModel([FakeDense("d<1>&", 4, "relu", 16)])
    assert "<b>d&lt;1&gt;&amp;</b>" in plot_model(model, to_file=None).source


def test_plot_model_to_file_renders_by_extension(dot, tmp_path):
    model = three_layers()
    g = plot_model(model, to_file=tmp_path / "model.svg")
    tree = ET.parse(tmp_path / "model.svg").getroot()
    assert svg_titles(tree) == ["input", "layer0", "layer1", "layer2"]
    assert isinstance(g, graphviz.Digraph)
    plot_model(model, to_file=tmp_path / "model.png")
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plot_model(model, to_file=tmp_path / "model.pdf")
    assert (tmp_path / "model.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pdf", "model.png", "model.svg"]
    with pytest.raises(ValueError, match="extension"):
        plot_model(model, to_file=tmp_path / "model")


# ---- with the real layers and model -------------------------------------------------------

def real_model():
    return md.models.Sequential([
        md.layers.Dense(4, activation=custom_activation, input_shape=(3,)),
        md.layers.Dense(2, activation="relu"),
        md.layers.Dense(1)])


def test_plot_model_of_a_sequential():
    model = real_model()
    drawn = nodes(plot_model(model, to_file=None).source)
    names = [layer.name for layer in model.layers]
    assert list(drawn) == ["input", "layer0", "layer1", "layer2"]
    assert f"<b>{names[0]}</b> (Dense)" in drawn["layer0"]
    assert "activation: custom_activation" in drawn["layer0"]
    assert "(None, 3) → (None, 4)" in drawn["layer0"] and "params: 16" in drawn["layer0"]
    assert "(None, 2) → (None, 1)" in drawn["layer2"] and "params: 3" in drawn["layer2"]


def test_plot_model_writes_model_png_by_default_as_keras(dot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plot_model(real_model())
    assert (tmp_path / "model.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["model.png"]


def test_plot_model_dpi_sets_a_bitmaps_resolution_only(dot, tmp_path):
    """dpi scales a .png (Keras's default 200); an .svg is a vector drawing and ignores it."""
    model = real_model()
    sizes = {}
    for dpi in (50, 200):
        plot_model(model, to_file=tmp_path / f"m{dpi}.png", dpi=dpi)
        header = (tmp_path / f"m{dpi}.png").read_bytes()[16:24]       # IHDR width, height
        sizes[dpi] = (int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big"))
    assert sizes[200][0] == pytest.approx(4 * sizes[50][0], rel=0.1)
    assert "dpi" not in plot_model(model, to_file=tmp_path / "m.svg").source


def test_plot_model_show_trainable_and_expand_nested():
    inner = md.models.Sequential([md.layers.Dense(4, activation="relu"),
                                  md.layers.Dense(2)], name="inner")
    inputs = md.layers.Input(shape=(3,))
    frozen = md.layers.Dense(3, name="frozen")
    frozen.trainable = False
    outputs = md.layers.Dense(1, name="head")(inner(frozen(inputs)))
    model = md.Model(inputs, outputs)
    shown = nodes(plot_model(model, show_trainable=True, to_file=None).source)
    assert "trainable: no" in shown["layer1"] and "trainable: yes" in shown["layer3"]
    assert "<b>inner</b> (Sequential)" in shown["layer2"]             # one box, as Keras
    source = plot_model(model, expand_nested=True, to_file=None).source
    expanded = nodes(source)
    assert "layer2" not in expanded and "(None, 3) → (None, 4)" in expanded["layer2_layer0"]
    assert "subgraph cluster_layer2" in source and "<b>inner</b> (Sequential)" in source
    assert sorted(edges(source)) == [("layer0", "layer1"), ("layer1", "layer2_layer0"),
                                     ("layer2_layer0", "layer2_layer1"),
                                     ("layer2_layer1", "layer3")]
    outer = md.models.Sequential([md.layers.Input((3,)), inner, md.layers.Dense(1)])
    chain = plot_model(outer, expand_nested=True, to_file=None).source
    assert sorted(edges(chain)) == [("input", "layer0_layer0"),
                                    ("layer0_layer0", "layer0_layer1"),
                                    ("layer0_layer1", "layer1")]


def test_draw_graph_of_a_sequential_groups_each_layer():
    model = real_model()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    loss = (model(x) ** 2).mean()
    loss.backward()
    found = clusters(draw_graph(loss).source)
    assert len(found) == 3
    first = model.layers[0]
    block = found[f"<b>{first.name}</b> · Dense(4, activation=custom_activation)"]
    assert f"<b>{first.name}/kernel</b>" in block and f"<b>{first.name}/bias</b>" in block
    assert sorted(re.findall(r"<<b>(\w+)</b>>", block)) == [   # the activation: a box inside
        "add", "custom_activation", "matmul", "mul", "sigmoid"]


def test_max_elements_decides_between_values_and_a_summary():
    x = md.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    loss = (x * 2.0).sum()
    loss.backward()
    full = md.draw_graph(loss, max_elements=6).source
    assert "[[0, 1, 2], [3, 4, 5]]" in full and "[[2, 2, 2], [2, 2, 2]]" in full
    summarized = md.draw_graph(loss).source          # default: 4 values at most
    assert "[[0, 1, 2], [3, 4, 5]]" not in summarized and "mean 2.5" in summarized


# ---- user text: one escaping function, fuzzed against the real `dot` ----------------------

NASTY_TEXT = ["", " ", "  two  spaces  ", "model\\", "\\", "\\\\", "\\N", "\\G\\E\\T\\H\\L",
              "\\n\\l\\r", '"', 'say "hi"\\', "'", "<b>", "</td></tr>", "<<>>", "&", "&amp;",
              "&#0;", "&#92;", "&#x1;", "]", "]]", "]]>", "<!--", "--", "a\x00b", "\x01\x1f\x7f",
              "\x85\x9f", "tab\there\nnew\rline", "\ud800", "\udfff\ud800", "\ufffe\uffff",
              "é中😀", "e\u0301", "\u202eevil", "zero\u200bwidth", "\xa0", "{ graph }",
              "node", "subgraph", "a;b=c", "%s%d{}", "-1.5", "x" * 300]
FUZZ_ALPHABET = (list("aZ09 _./\\\"'<>&;#=-[]{}%") + [chr(c) for c in range(32)]
                 + ["\x7f", "\x85", "\xa0", "é", "中", "😀", "\u0301", "\u202e", "\u200b",
                    "\ud800", "\udc00", "\ufffe", "\uffff", "\U0010ffff"])


def fuzz_text(count, seed=0):
    """`count` random strings of 0 to 15 characters drawn from FUZZ_ALPHABET."""
    rng = np.random.default_rng(seed)
    return ["".join(FUZZ_ALPHABET[i] for i in rng.integers(0, len(FUZZ_ALPHABET),
                                                            rng.integers(0, 16)))
            for _ in range(count)]


def shown(text):
    """What a drawing shows for a user's name: unprintable characters as Python's escapes,
    and the empty name as ""."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) or '""'


def graph_named(texts):
    """A graph where every text is a tensor's name, a layer's name and description, and an op's
    name and rule: each place user text reaches DOT."""
    total = None
    for text in texts:
        w = param([1.0, 2.0], text)
        with layer_scope(Scope(text, text)):
            out = w * 2.0
        out.op, out.rule = text, text            # as a user's own primitive would name them
        total = out.sum() if total is None else total + out.sum()
    total.backward()
    return total


def svg_texts(svg):
    """Every <text> of an SVG, with Graphviz's no-break spaces read back as spaces."""
    tree = ET.fromstring(svg)
    return [(t.text or "").replace("\xa0", " ") for t in tree.iter(f"{{{SVG['svg']}}}text")]


def render(make, texts):
    """The SVG of make(texts), rendered by `dot`; on failure, the text that broke it."""
    try:
        svg = make(texts).pipe(format="svg")
        return svg, svg_texts(svg)
    except (graphviz.CalledProcessError, ET.ParseError) as error:
        for text in texts:
            try:
                svg_texts(make([text]).pipe(format="svg"))
            except (graphviz.CalledProcessError, ET.ParseError) as culprit:
                raise AssertionError(f"user text {text!r} breaks the drawing: {culprit}")
        raise AssertionError(f"{texts!r} together break the drawing: {error}")


def test_escape_makes_text_safe_in_every_dot_context():
    assert labels.escape('a<b> & "c"') == "a&lt;b&gt; &amp; &quot;c&quot;"
    assert labels.escape("model\\") == "model\\\\"             # no longer eats the quote
    assert labels.escape("\\N") == "\\\\N"                     # not the node's name
    assert labels.escape("a\x00b\n") == "a\\\\x00b\\\\n"       # NUL shown, not written
    assert labels.escape("\ud800") == "\\\\ud800"              # a lone surrogate, shown
    assert labels.escape("é中😀 x_1/kernel") == "é中😀 x_1/kernel"
    assert labels.escape("]") == "&#93;" and labels.escape("[3, 3]") == "[3, 3]"
    assert labels.escape(3.5) == "3.5"


def test_any_user_text_renders_and_shows_as_written(dot):
    texts = NASTY_TEXT + fuzz_text(160)
    for start in range(0, len(texts), 30):
        batch = texts[start:start + 30]
        svg, drawn = render(lambda some: draw_graph(graph_named(some)), batch)
        for text in batch:      # the op's bold name line, and the tensor's (unnamed if "")
            assert drawn.count(shown(text)) >= (2 if text else 1), (text, shown(text))


def test_any_model_or_layer_name_renders_in_plot_model(dot):
    def model_named(texts):
        def activation(x):
            return x
        activation.__name__ = texts[0]
        return plot_model(FakeModel([FakeDense(text, 2, activation, 6) for text in texts],
                                    input_shape=(None, 3), name=texts[0]), to_file=None)
    for text in NASTY_TEXT:                     # the model's name is the graph's: one each
        svg, drawn = render(model_named, [text])
        assert shown(text) in drawn, (text, drawn)
        assert ET.fromstring(svg).find("svg:g/svg:title", SVG) is not None
    texts = fuzz_text(60, seed=1)               # layer names: many in one drawing
    svg, drawn = render(model_named, texts)
    assert all(shown(text) in drawn for text in texts)


# ---- what a drawing says when it would mislead --------------------------------------------

def compiled_model():
    model = real_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    return model, x, np.zeros((5, 1), dtype="float32")


def test_drawing_predict_or_train_on_batch_results_says_to_call_the_model():
    model, x, y = compiled_model()
    with pytest.raises(TypeError, match=r"numpy array.*model\.predict.*model\(x\)"):
        draw_graph(model.predict(x, verbose=0))
    with pytest.raises(TypeError, match=r"(float|list).*train_on_batch.*model\(x\)"):
        draw_graph(model.train_on_batch(x, y))
    with pytest.raises(TypeError, match=r"float.*train_on_batch.*model\(x\)"):
        draw_graph(0.25)
    with pytest.raises(TypeError, match=r"list of tensors; pass one of them"):
        draw_graph([model(x)])
    assert draw_graph(model(x)).source                  # what the message says to do works


def test_a_tensor_that_recorded_nothing_warns_and_says_so_in_the_drawing():
    w = param([1.0, 2.0], "w")
    constant = md.Tensor([1.0, 2.0], name="c") * 2.0    # no input requires grad
    with md.no_grad():
        unrecorded = (w * 2.0).sum()                    # made under no_grad
    model, x, _ = compiled_model()
    with md.no_grad():
        predicted = model(x)                            # what predict computes
    for tensor in (constant, unrecorded, predicted):
        with pytest.warns(UserWarning, match=r"recorded no graph.*no_grad.*model\(x\)"):
            source = draw_graph(tensor).source
        assert "nothing recorded" in nodes(source)["note_nothing_recorded"]


def test_drawing_before_backward_notes_that_no_gradients_are_shown_yet(dot):
    w = param([1.0, 2.0], "w")
    loss = (w * 3.0).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # a note, not a warning
        before = draw_graph(loss)
    assert "no gradients yet" in nodes(before.source)["note_no_gradients"]
    assert "note_no_gradients" in svg_titles(svg_of(before))
    assert "note_no_gradients" not in draw_graph(loss, show_grad=False).source
    loss.backward()
    after = draw_graph(loss).source
    assert "note" not in nodes(after) and row(node_named(after, "w")[1], "grad") == "[3, 3]"
    w.zero_grad()                                       # a graph with any grad left: no note
    assert "note_no_gradients" not in draw_graph(loss).source


def test_a_parameter_alone_or_collapsed_layers_follow_the_same_rules():
    assert not any(n.startswith("note") for n in nodes(draw_graph(param(1.0, "w")).source))
    model, x, _ = compiled_model()
    out = (model(x) ** 2).mean()
    assert "note_no_gradients" in draw_graph(out, collapse_layers=True).source


def test_a_mean_lost_in_rounding_noise_shows_as_about_zero():
    z = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    grad = p - np.eye(3, dtype=np.float32)[[0, 1, 2, 0]]    # softmax's: each row sums to 0
    assert 0 < abs(grad.mean(dtype=np.float64)) < 1e-7     # in digits, noise from rounding
    assert labels.summary_lines(grad)[0].startswith("mean ≈0  std ")
    small = np.array([1e-3, -0.5, 0.5, 0.2, -0.2], dtype=np.float32)     # a real mean 2e-4
    assert labels.summary_lines(small)[0].startswith("mean 0.0002  std ")
    assert "≈" not in labels.summary_lines(grad.astype(np.float64))[0]   # exact in float64
    assert "≈" not in labels.summary_lines(np.array([1, -1, 2, -2, 0]))[0]   # ints: exact


# ---- backprop as a flow: gradients on edges, rules in ops, nested scopes ------------------

def edge_statements(source):
    """[(tail, head, attributes)] of every edge statement."""
    return re.findall(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", source, flags=re.M)


def test_grad_edge_labels_are_the_contributions_the_trace_recorded():
    a = md.Tensor(0.5, requires_grad=True, name="a", dtype="float64")
    y = a * a + md.tanh(a)                               # a is read three times
    trace = md.trace_backward(y)
    source = draw_graph(y, edge_labels="grad").source    # finds the live trace by itself
    a_id = node_named(source, "a")[0]
    labelled = [attrs for tail, head, attrs in edge_statements(source) if tail == a_id]
    shown = sorted(re.search(r"label=<grad (.*?)>", attrs).group(1) for attrs in labelled)
    recorded = sorted(labels.format_number(c.added.item()) for c in trace.received(a))
    assert len(shown) == 3 and shown == recorded
    assert draw_graph(trace, edge_labels="grad").source == source   # or draw the trace itself


def test_grad_edge_labels_show_the_bias_gradient_summed_over_the_batch():
    x = md.Tensor(np.ones((3, 2)), name="x")
    b = param([0.0, 0.0], "b")
    loss = ((x + b) * md.Tensor(np.arange(6.0).reshape(3, 2))).sum()
    trace = md.trace_backward(loss)
    source = draw_graph(loss, trace=trace, edge_labels="grad").source
    b_id = node_named(source, "b")[0]
    (attrs,) = [attrs for tail, head, attrs in edge_statements(source) if tail == b_id]
    assert "label=<grad [6, 9]>" in attrs                     # (3, 2) summed over axis 0
    big = md.Tensor(np.ones((5, 5)), requires_grad=True, name="big")
    big_trace = md.trace_backward((big * 2).sum())
    source = draw_graph(big_trace, edge_labels="grad").source
    assert "label=<mean |grad| 2>" in source                  # its size for large gradients


def test_grad_edge_labels_need_a_trace_and_say_how_to_get_one():
    w = param([1.0, 2.0], "w")
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(ValueError, match=r"md.trace_backward\(loss\)"):
        draw_graph(loss, edge_labels="grad")
    with pytest.raises(ValueError, match="edge_labels must be"):
        draw_graph(loss, edge_labels="gradient")


def test_operand_labels_name_the_inputs_where_order_matters():
    x, W = md.Tensor(np.ones((2, 3)), name="x"), param(np.ones((3, 2)), "W")
    out = (x @ W) / (W.sum() + 1.0)
    source = draw_graph(out, edge_labels="operand").source
    statements = edge_statements(source)
    x_id, W_id = node_named(source, "x")[0], node_named(source, "W")[0]
    (x_edge,) = [a for tail, head, a in statements if tail == x_id]
    assert 'tooltip="input 0 of matmul" label=<x>' in x_edge
    assert any('tooltip="input 1 of matmul" label=<W>' in a for tail, head, a in statements
               if tail == W_id)
    assert "label=<numerator>" in source and "label=<denominator>" in source
    assert not any("input 0 of add" in a and "label=" in a for _, _, a in statements)


def test_show_rules_writes_each_rule_in_its_op():
    t = mlp()
    source = draw_graph(t["loss"], show_rules=True).source
    assert '<font point-size="8">d sigmoid(x)/dx = sigmoid(x) * (1 - sigmoid(x))</font>' in source
    assert "point-size" not in draw_graph(t["loss"]).source


def test_mean_is_one_op_whose_edge_carries_the_gradient_to_its_input():
    x = param(np.arange(4.0), "x")
    loss = (x * x).mean()
    trace = md.trace_backward(loss)
    source = draw_graph(loss, edge_labels="grad").source
    ops = re.findall(r"label=<<b>(\w+)</b>> .*shape=\"ellipse\"", source)
    assert sorted(ops) == ["mean", "mul"]
    assert "tooltip=\"d mean(x)/dx_i = 1/n" in source
    (mul_out,) = [t for t in trace.tensors() if t.op == "mul" and t.size == 4]
    assert "label=<mean |grad| " + labels.format_number(np.abs(mul_out.grad).mean()) in source


def test_each_mean_is_its_own_op_even_when_one_feeds_another():
    x = param(np.arange(6.0).reshape(2, 3), "x")
    loss = x.mean(axis=0).mean()           # as Keras's losses: a mean per sample, then the batch's
    loss.backward()
    ops = re.findall(r"label=<<b>(\w+)</b>> .*shape=\"ellipse\"", draw_graph(loss).source)
    assert ops == ["mean", "mean"]


def test_function_scopes_nest_inside_the_layer_box(dot):
    model = md.models.Sequential([md.layers.Input((3,)), md.layers.Dense(2, activation="mish")])
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    out = model(x)
    source = draw_graph(out.sum()).source
    layer = model.layers[0].name
    block = re.search(r"subgraph (cluster_\d+) \{\n(.*)", source, flags=re.S).group(2)
    assert f"<b>{layer}</b>" in block.split("\n")[0]
    assert re.search(r"\tsubgraph cluster_f0 \{\n\t+graph \[label=<<b>mish</b>>", source)
    assert re.search(r"\t\tsubgraph cluster_f1 \{\n\t+graph \[label=<<b>softplus</b>>", source)
    assert f"<b>{layer}/z</b>" in source and f"<b>{layer}/out</b>" in source
    tree = svg_of(draw_graph(out.sum()))
    titles = svg_titles(tree, "cluster")
    assert {"cluster_0", "cluster_f0", "cluster_f1"} <= set(titles)


def test_a_users_scope_draws_as_its_own_box():
    x = param([0.5, -1.0], "x")

    @md.scope
    def my_swish(v):
        return v * md.sigmoid(v)

    source = draw_graph(my_swish(x).sum()).source
    assert re.search(r"subgraph cluster_f0 \{\n\t+graph \[label=<<b>my_swish</b>>", source)
    assert "cluster_f0" not in draw_graph(my_swish(x).sum(), group_layers=False).source


# ---- expand=True: a fused op drawn as its composition ------------------------------------------

def test_expand_draws_a_fused_op_as_its_composition_with_the_same_gradients():
    p = md.Tensor(np.array([[0.2, 0.8], [0.6, 0.4]], np.float32), requires_grad=True, name="p")
    loss = md.losses.CategoricalCrossentropy()(np.eye(2, dtype=np.float32), p)
    loss.backward()
    grad = p.grad.copy()
    plain = md.draw_graph(loss).source
    expanded = md.draw_graph(loss, expand=True).source
    assert "categorical_crossentropy" in plain and "subgraph" not in plain.split("loss")[0]
    # the composition's primitives, in a box named after the fused op
    assert re.search(r"label=<<b>categorical_crossentropy</b>>", expanded)
    for primitive in ("maximum", "minimum", "log", "div"):
        assert f">{primitive}<" in expanded, primitive
    np.testing.assert_array_equal(p.grad, grad)          # the leaf's gradient untouched
    from microdense.graph.expand import expand_fused
    composed = expand_fused(loss)
    np.testing.assert_allclose(composed.data, loss.data, rtol=1e-6)


def test_expand_refuses_with_grad_edge_labels():
    p = md.Tensor(np.array([0.3, 0.7], np.float32), requires_grad=True)
    loss = md.binary_crossentropy(np.array([0.0, 1.0], np.float32), p).sum()
    with pytest.raises(ValueError, match="expand=True draws a recomputed graph"):
        md.draw_graph(loss, expand=True, edge_labels="grad")
