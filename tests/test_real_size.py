"""Backprop at real size (issue 21): a 784-64-10 MLP drawn readably at the defaults, wide
tensors as glyphs, edge labels clear of every box, one |grad|, a user's activation as a box,
`where` with its condition, and the scalar zoom of a tiny Dense layer.

Sizes are read from the rendered SVG's width and height, which Graphviz writes in points:
a point is 4/3 of a CSS pixel.
"""
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import microdense as md
from microdense.graph import labels
from microdense.layers import Dense
from microdense.models import Sequential

SVG = "{http://www.w3.org/2000/svg}"
PX_PER_PT = 4 / 3


@pytest.fixture
def dot():
    if not shutil.which("dot"):
        pytest.fail("Graphviz's `dot` is not on PATH: apt-get install graphviz")


def digits_mlp(batch=16, seed=0):
    """The issue's network: Dense(64, relu) on 784 inputs, Dense(10, softmax), a batch of 16."""
    md.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 784)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, batch)]
    model = Sequential([Dense(64, activation="relu", input_shape=(784,)),
                        Dense(10, activation="softmax")])
    return md.losses.CategoricalCrossentropy()(y, model(x)), model


def size_px(drawing):
    svg = drawing.pipe(format="svg").decode("utf-8")
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return float(width) * PX_PER_PT, float(height) * PX_PER_PT


def points_box(text):
    """(x0, y0, x1, y1) of the "x,y x,y ..." or path "Mx,yC..." coordinates in `text`."""
    pairs = np.array([[float(a), float(b)] for a, b in re.findall(r"(-?[\d.]+),(-?[\d.]+)", text)])
    return (*pairs.min(axis=0), *pairs.max(axis=0))


def node_boxes(tree):
    """Every node's outline box in the SVG, by its DOT id."""
    boxes = {}
    for g in tree.iter(f"{SVG}g"):
        if g.get("class") == "node":
            shape = next((e for e in g.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon")), None)
            if shape is not None:                     # drawn first: the node's outline
                boxes[g.find(f"{SVG}title").text] = points_box(shape.get("d") or shape.get("points"))
            else:
                ellipse = next(g.iter(f"{SVG}ellipse"))
                cx, cy, rx, ry = (float(ellipse.get(k)) for k in ("cx", "cy", "rx", "ry"))
                boxes[g.find(f"{SVG}title").text] = (cx - rx, cy - ry, cx + rx, cy + ry)
    return boxes


def edge_label_boxes(tree):
    """The box of every edge label's text, from its anchor (x, y on the baseline; start,
    middle or end) and a width of 0.6 em a character, generous for Helvetica's digits."""
    boxes = []
    for g in tree.iter(f"{SVG}g"):
        if g.get("class") == "edge":
            for text in g.iter(f"{SVG}text"):
                x, y, size = (float(text.get(k)) for k in ("x", "y", "font-size"))
                width = 0.6 * size * len(text.text or "")
                left = {"start": x, "middle": x - width / 2, "end": x - width}[
                    text.get("text-anchor", "start")]
                boxes.append((text.text, (left, y - size * 0.8, left + width, y + size * 0.2)))
    return boxes


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---- readable at real size ----------------------------------------------------------------

def test_the_digits_mlp_fits_a_screen_at_the_defaults(dot):
    loss, _ = digits_mlp()
    loss.backward()
    drawing = md.draw_graph(loss)
    assert drawing.graph_attr["rankdir"] == "TB"                   # a deep chain: downwards
    width, height = size_px(drawing)
    print(f"\n784-64-10 MLP at the defaults: {width:.0f} x {height:.0f} px")
    assert max(width, height) <= 2500


def test_the_direction_follows_the_shape_and_can_be_chosen():
    loss, _ = digits_mlp(batch=2)
    x = md.Tensor(np.ones((2, 3)), requires_grad=True, name="x")
    short = (md.sigmoid(x) * 2.0).sum()                       # three ops: left to right
    assert md.draw_graph(short).graph_attr["rankdir"] == "LR"
    assert md.draw_graph(loss).graph_attr["rankdir"] == "TB"
    for rankdir in ("LR", "TB", "RL", "BT"):
        assert md.draw_graph(loss, rankdir=rankdir).graph_attr["rankdir"] == rankdir
    with pytest.raises(ValueError, match="auto"):
        md.draw_graph(loss, rankdir="sideways")


def test_a_wide_tensor_is_a_glyph_with_its_numbers_in_the_tooltip():
    loss, model = digits_mlp()
    loss.backward()
    source = md.draw_graph(loss).source
    kernel = model.layers[0].kernel                                  # (784, 64)
    line = next(l for l in source.splitlines() if f"<b>{kernel.name}</b>" in l)
    label = line.split(" shape=")[0]
    assert "mean" not in label and "<i>data</i>" in label and "<i>grad</i>" in label
    cells = re.findall(r'<td bgcolor="(#[0-9a-f]{6})" width="4" height="3"', label)
    assert len(cells) == 2 * labels.GLYPH_ROWS * labels.GLYPH_COLS  # data and grad, 6 x 12
    blocks = labels.glyph_blocks(kernel.data)
    largest = np.abs(blocks).max()
    assert cells[0] == labels.diverging_color(blocks[0, 0], largest)
    assert f"±{labels.format_number(largest)}" in label             # the colour scale
    assert f"mean {kernel.data.mean():.4g}" in line.split(" tooltip=")[1]
    bias = next(l for l in source.splitlines() if f"<b>{model.layers[1].bias.name}</b>" in l)
    assert "mean" in bias.split(" shape=")[0]                    # 10 values: still numbers


@pytest.mark.parametrize("rankdir", ["auto", "LR"])
def test_edge_labels_never_overlap_a_box(dot, rankdir):
    loss, _ = digits_mlp()
    trace = md.trace_backward(loss)
    drawing = md.draw_graph(trace, edge_labels="grad", rankdir=rankdir)
    tree = ET.fromstring(drawing.pipe(format="svg"))
    boxes, texts = node_boxes(tree), edge_label_boxes(tree)
    assert len(boxes) == 25 and len(texts) == 12
    assert [(text, node) for text, box in texts for node, other in boxes.items()
            if overlap(box, other)] == []


# ---- the scalar zoom: a tiny Dense layer, element by element -------------------------------

def tiny_dense(inputs=3, units=2, batch=2, seed=0):
    md.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, inputs)).astype("float32")
    y = np.eye(units, dtype="float32")[rng.integers(0, units, batch)]
    model = Sequential([Dense(units, activation="sigmoid", input_shape=(inputs,)),
                        Dense(units, activation="softmax")])
    loss = md.losses.CategoricalCrossentropy()(y, model(x))
    loss.backward()
    return loss, model


@pytest.mark.parametrize("inputs, units", [(3, 2), (4, 4)])
def test_the_scalar_zoom_has_the_matrix_views_numbers(inputs, units):
    from microdense.graph.scalar_zoom import expand_dense
    from microdense.graph.walk import walk
    loss, model = tiny_dense(inputs, units)
    kernels = {layer.kernel.name: layer.kernel for layer in model.layers}
    biases = {layer.bias.name: layer.bias for layer in model.layers}
    before = [layer.kernel.grad.copy() for layer in model.layers]
    expanded = expand_dense(loss)
    np.testing.assert_allclose(expanded.data, loss.data, rtol=1e-6)
    found = 0
    for tensor in walk(expanded)[0]:
        name, _, index = (tensor.name or "").partition("[")
        if not index or name not in {**kernels, **biases}:
            continue
        matrix = kernels.get(name, biases.get(name))
        at = tuple(int(i) for i in index.rstrip("]").split(","))
        assert tensor.data == matrix.data[at]                     # the same value ...
        np.testing.assert_allclose(tensor.grad, matrix.grad[at], rtol=1e-5, atol=1e-8)
        found += 1
    assert found == sum(l.kernel.size + l.bias.size for l in model.layers)   # every weight
    for layer, grad in zip(model.layers, before):                 # the real grads untouched
        np.testing.assert_array_equal(layer.kernel.grad, grad)


def test_the_scalar_zoom_draws_each_weight_gathering_over_the_batch():
    loss, model = tiny_dense(3, 2)
    source = md.draw_graph(loss, expand="dense").source
    kernel = model.layers[0].kernel
    node = re.search(rf'^\t+(t\d+) \[label=<.*?<b>{re.escape(kernel.name)}\[1,0\]</b>', source,
                     flags=re.M).group(1)
    uses = re.findall(rf"^\t{node} -> (op\d+)", source, flags=re.M)
    assert len(uses) == 2                                         # once per sample of the batch
    assert all(re.search(rf"^\t+{op} \[label=<<b>mul</b>>", source, flags=re.M) for op in uses)
    assert f"<b>{model.layers[0].bias.name}[1]</b>" in source
    assert "(x@W)[1,0]" in source


def test_the_scalar_zoom_refuses_a_layer_too_big_to_draw():
    loss, _ = digits_mlp(batch=2)
    with pytest.raises(ValueError, match=r"batch of 2, 784 inputs and 64 units: 100,352 "
                                         r"products, more than the 32"):
        md.draw_graph(loss, expand="dense")
    with pytest.raises(ValueError, match="expand must be"):
        md.draw_graph(loss, expand="scalar")
    x = md.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="found no Dense layer"):
        md.draw_graph((x * 2.0).sum(), expand="dense")


# ---- one |grad| ----------------------------------------------------------------------------

def test_one_grad_size_on_edges_in_the_colouring_and_in_the_explorer(dot):
    from microdense.graph.explorer import page_data
    loss, model = digits_mlp(batch=4)
    trace = md.trace_backward(loss)
    kernel = model.layers[0].kernel
    source = md.draw_graph(trace, edge_labels="grad", color_by="grad").source
    (step,) = [s for s in trace.steps for c in s.contributions if c.parent is kernel]
    (received,) = [c.added for c in step.contributions if c.parent is kernel]
    size = np.abs(received).mean()
    assert f"label=<mean |grad| {labels.format_number(size)}>" in source
    line = next(l for l in source.splitlines() if f"<b>{kernel.name}</b>" in l)
    assert f'fillcolor="{labels.MAGNITUDE_COLORS[labels.magnitude_step(size)]}"' in line
    data = page_data(trace)
    added = [c["added"] for s in data["steps"] if s["kind"] == "backward"
             for c in s["contributions"] if data["tensors"][c["parent"]]["name"] == kernel.name]
    assert added[0]["meanAbs"] == pytest.approx(size, rel=1e-6)
    assert "mean |grad|" in md.graph.draw_graph.__doc__


# ---- a user's activation is a box ----------------------------------------------------------

def swish(x):
    return x * md.sigmoid(x)


def test_a_users_activation_is_a_box_inside_its_layers_box():
    x = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    model = Sequential([Dense(4, activation=swish, input_shape=(3,)),
                        Dense(2, activation=lambda v: v * 0.5),
                        md.layers.Activation(swish, name="act")])
    loss = (model(x) ** 2).mean()
    loss.backward()
    source = md.draw_graph(loss).source
    boxes = re.findall(r"subgraph (cluster_\w+) \{\n\t*graph \[label=<(?:<b>)?(.*?)(?:</b>)?[ >]",
                       source)
    names = [name for _, name in boxes]
    assert names.count("swish") == 2 and names.count("activation") == 1
    first = source.split(f"<b>{model.layers[0].name}</b>")[1].split("subgraph cluster_")[1]
    assert first.startswith("f") and "<b>swish</b>" in first      # nested in dense's box
    assert "<<b>mul</b>>" in first and "<<b>sigmoid</b>>" in first


def test_an_activation_decorated_with_md_scope_is_one_box():
    boxed = md.scope(swish)
    x = np.ones((2, 3), dtype="float32")
    loss = (Sequential([Dense(4, activation=boxed, input_shape=(3,))])(x) ** 2).mean()
    loss.backward()
    assert md.draw_graph(loss).source.count("<b>swish</b>") == 1


# ---- where shows its condition; mean is one op; the explorer names only boxes drawn ----------

def softplus_graph():
    x = md.Tensor(np.array([[-1.0, 2.0], [0.5, -3.0]]), requires_grad=True, name="x")
    return md.activations.softplus(x).mean(), x


def test_where_draws_its_condition_as_an_input_no_gradient_flows_to():
    loss, x = softplus_graph()
    trace = md.trace_backward(loss)
    (where,) = [t for t in trace.tensors() if t.op == "where"]
    condition = where.parents[0]
    assert condition.dtype == bool
    source = md.draw_graph(loss, edge_labels="operand").source
    edges = re.findall(r"^\t(t\d+) -> (op\d+) \[(.*)\]$", source, flags=re.M)
    into_where = [(tail, attributes) for tail, head, attributes in edges
                  if f'input 0 of where' in attributes or 'of where"' in attributes]
    assert [re.search(r"label=<([^>]*)>", a).group(1) for _, a in into_where] == \
        ["condition", "if true", "if false"]
    assert 'style="dashed"' in into_where[0][1] and "no gradient" in into_where[0][1]
    tail = into_where[0][0]
    assert "[[False, True], [True, False]]" in re.search(rf"^\t+{tail} \[(.*)\]$", source,
                                                         flags=re.M).group(1)
    graded = md.draw_graph(trace, edge_labels="grad").source      # it gets no gradient label
    (condition_edge,) = [l for l in graded.splitlines() if "input 0 of where" in l]
    assert "label=" not in condition_edge


@pytest.mark.parametrize("graph", ["softplus", "digits"])
def test_mean_is_one_op_and_the_explorer_names_only_boxes_that_are_drawn(dot, graph):
    from microdense.graph.explorer import page_data
    loss = softplus_graph()[0] if graph == "softplus" else digits_mlp(batch=4)[0]
    explorer = md.explore(loss)
    titles = set(re.findall(r"<title>([^<]*)</title>", explorer.html))
    titles = {t.replace("&#45;&gt;", "->").replace("-&gt;", "->") for t in titles}
    data = page_data(explorer.trace)
    ids = {entry[key] for entry in data["tensors"] for key in ("node", "opNode", "opBox")
           if entry[key]}
    ids |= {layer["cluster"] for layer in data["layers"]}
    assert ids <= titles
    for step in data["steps"]:
        for edge in step.get("edges", []) + [c["edge"] for c in step.get("contributions", [])
                                             if c["edge"]] + [step.get("outEdge")]:
            if edge:
                assert f"{edge[0]}->{edge[1]}" in titles
    if graph == "softplus":
        assert sum(1 for e in data["tensors"] if e["op"] == "mean") == 1
        assert len(re.findall(r"<text[^>]*>mean</text>", explorer.html)) == 1
