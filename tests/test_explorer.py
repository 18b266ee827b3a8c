"""The backprop explorer (md.explore): the page's data is the trace's, and the page works in a
real browser (Debian's headless Chromium, through selenium), opened from file:// offline.

Browser tests FAIL when Chromium, chromedriver or selenium is missing (the message says how to
install them); set MICRODENSE_SKIP_BROWSER=1 to skip them instead. Building a page needs
Graphviz's `dot`, as rendering does (MICRODENSE_SKIP_RENDER=1 skips those tests).
"""
import html
import json
import os
import re
import shutil
import sys
import time
import warnings

import numpy as np
import pytest

import microdense as md
from microdense import backend as K
from microdense.engine import toposort
from microdense.graph import notes
from microdense.graph.draw import node_ids
from microdense.graph.explorer import page_data
from microdense.layers import Dense, Dropout
from microdense.models import Sequential
from microdense.tensor import Scope, layer_scope

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tools import chromium  # noqa: E402  (tools/ is not a package we install)

HOSTILE = '</script><script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">&amp;'


# ---- graphs -------------------------------------------------------------------------------

def quickstart_graph(seed=0):
    """The README's quick-start graph: x @ W + b, then x * sigmoid(x), then the mean."""
    rng = np.random.default_rng(seed)
    x = md.Tensor(rng.normal(size=(4, 3)), name="x")
    W = md.Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    b = md.Tensor(np.zeros(2), requires_grad=True, name="b")
    h = x @ W + b
    return (h * md.sigmoid(h)).mean(), {"x": x, "W": W, "b": b, "h": h}


def layered_graph(seed=0):
    """Two layers, tagged with scopes as Dense tags its ops, and a scalar used three times."""
    rng = np.random.default_rng(seed)
    x = md.Tensor(rng.normal(size=(5, 3)), name="x")
    W1 = md.Tensor(rng.normal(size=(3, 4)), requires_grad=True, name="dense/kernel")
    W2 = md.Tensor(rng.normal(size=(4, 1)), requires_grad=True, name="dense_1/kernel")
    a = md.Tensor(np.float64(0.5), requires_grad=True, name="a")
    with layer_scope(Scope("dense", "Dense(4, activation=tanh)")):
        h = md.tanh(x @ W1)
    with layer_scope(Scope("dense_1", "Dense(1)")):
        out = h @ W2
    loss = (out * a).mean() + a * a
    return loss, {"W1": W1, "W2": W2, "a": a}


def custom_activation(x):
    return x * K.sigmoid(x)


def digits_step(batch=32):
    """One training step of the tutorial MLP (docs/keras.md) on the bundled digits: the forward pass
    and the loss with its l2 penalty, as Model.fit builds them."""
    md.utils.set_random_seed(0)
    x, y = md.datasets.load_digits(one_hot=True)
    model = Sequential([Dense(64, activation="relu", input_shape=(64,)),
                        Dense(128, activation=custom_activation, kernel_regularizer="l2"),
                        Dropout(0.2), Dense(32, activation="tanh"),
                        Dense(10, activation="softmax")])
    loss = md.losses.CategoricalCrossentropy()(y[:batch], model(x[:batch], training=True))
    for layer in model.layers:
        for penalty in layer.losses:
            loss = loss + penalty
    return loss, model


# ---- fixtures -----------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def dot():
    """Building a page renders the graph with Graphviz's `dot`: fail without it, unless skipped."""
    if shutil.which("dot"):
        return
    if os.environ.get("MICRODENSE_SKIP_RENDER") == "1":
        pytest.skip("MICRODENSE_SKIP_RENDER=1: explorer tests skipped (no Graphviz `dot`).")
    pytest.fail("Graphviz's `dot` is not on PATH, so no explorer page can be built. Install it "
                "(apt-get install graphviz) or set MICRODENSE_SKIP_RENDER=1 to skip.")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for this file's browser tests, network off; fails with the install
    command when it is missing, unless MICRODENSE_SKIP_BROWSER=1."""
    try:
        chromium.find_programs()
    except chromium.BrowserNotFound as error:
        if os.environ.get("MICRODENSE_SKIP_BROWSER") == "1":
            pytest.skip(f"MICRODENSE_SKIP_BROWSER=1: browser tests skipped ({error})")
        pytest.fail(str(error))
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


class Page:
    """An explorer page opened in the browser, with what the tests read and press."""

    def __init__(self, driver, path):
        self.driver = driver
        started = time.perf_counter()
        driver.get("file://" + str(path))
        self.seconds_to_open = time.perf_counter() - started
        driver.get_log("browser")                    # what was logged before: read below
        self.data = json.loads(driver.execute_script(
            "return document.getElementById('explorer-data').textContent"))

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def element(self, css):
        return self.driver.find_element("css selector", css)

    def elements(self, css):
        return self.driver.find_elements("css selector", css)

    def press(self, button, times=1):
        for _ in range(times):
            self.element("#" + button).click()

    def wait_until(self, condition, failure, seconds=15):
        """Poll condition() until it holds; fail with `failure` after `seconds` (generous, for
        a slow shared CI machine: a page that works answers in well under a second)."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            WebDriverWait(self.driver, seconds, poll_frequency=0.05).until(
                lambda driver: condition())
        except TimeoutException:
            pytest.fail(f"{failure} (waited {seconds} s)")

    def position(self):
        return int(self.element("#slider").get_attribute("value"))

    def go(self, position):
        """Move the slider as a user would drag it (an input event)."""
        self.js("const s = document.getElementById('slider'); s.value = arguments[0];"
                "s.dispatchEvent(new Event('input'));", position)

    def node(self, dot_id):
        """The SVG <g> of the node whose <title> is dot_id."""
        return self.js("return [...document.querySelectorAll('g.node')].find("
                       "g => g.querySelector('title').textContent === arguments[0])", dot_id)

    def classes(self, dot_id):
        return self.node(dot_id).get_attribute("class").split()

    def click_node(self, dot_id):
        self.node(dot_id).click()

    def grid(self, what):
        """The values of the inspector's data or grad grid, as a 2-D float array."""
        rows = self.js("return [...document.querySelectorAll(arguments[0])].map(row => "
                       "[...row.cells].map(cell => cell.dataset.value))",
                       f"#inspector .grid-part.{what} table.grid tr")
        return np.array(rows, dtype=np.float64)

    def errors(self):
        """Console messages at warning level or worse, and uncaught errors."""
        return [entry for entry in self.driver.get_log("browser")
                if entry["level"] in ("SEVERE", "WARNING")]


def open_page(browser, tmp_path, explorer, name="page.html"):
    path = explorer.save(tmp_path / name)
    return Page(browser, path)


def numbers(text):
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|-?inf|nan", text)]


def assert_shows(text, array):
    """The panel's text for an array: its values (<= 12) or its mean and norm, to 4 digits."""
    array = np.asarray(array, dtype=np.float64)
    if array.size <= 12:
        np.testing.assert_allclose(numbers(text), array.ravel(), rtol=1e-3, atol=1e-12)
    else:
        shown = numbers(text.split("array:")[1])
        np.testing.assert_allclose(shown, [array.mean(), np.linalg.norm(array)],
                                   rtol=1e-3, atol=1e-12)


# ---- the page's data, without a browser ---------------------------------------------------

def test_node_ids_are_the_ids_draw_graph_writes():
    loss, _ = layered_graph()
    loss.backward()                                    # (no "no gradients yet" note)
    for max_nodes in (1000, 6):
        source = md.draw_graph(loss, max_nodes=max_nodes).source
        drawn = set(re.findall(r"^\t+(\w+) \[", source, flags=re.M)) - {"graph", "node", "edge"}
        tensor_ids, op_ids, cluster_ids = node_ids(loss, max_nodes=max_nodes)
        assert set(tensor_ids.values()) | set(op_ids.values()) == drawn - {notes.ELIDED}
        assert set(cluster_ids.values()) == set(re.findall(r"subgraph (\w+)", source))


def test_steps_are_the_forward_order_then_the_traces_steps():
    loss, t = layered_graph()
    trace = md.trace_backward(loss)
    data = page_data(trace)
    tensors = data["tensors"]
    forward = [s for s in data["steps"] if s["kind"] == "forward"]
    backward = [s for s in data["steps"] if s["kind"] == "backward"]
    assert data["steps"][0]["kind"] == "start" and data["steps"][-1]["kind"] == "done"
    assert [tensors[s["tensor"]]["label"] for s in forward] == \
        [trace.label(n) for n in toposort(loss) if n.parents]
    assert [tensors[s["tensor"]]["label"] for s in backward] == \
        [trace.label(s.node) for s in trace.steps]
    for page_step, step in zip(backward, trace.steps):
        assert [tensors[c["parent"]]["label"] for c in page_step["contributions"]] == \
            [trace.label(c.parent) for c in step.contributions]
    a = next(e for e in tensors if e["label"] == "a")
    assert len(trace.received(t["a"])) == 3 and a["gradValue"]["values"] == [t["a"].grad.item()]


def test_page_loads_nothing_from_anywhere():
    page = md.explore(quickstart_graph()[0]).html
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert not re.search(r"\bsrc\s*=", page)
    without_namespaces = re.sub(r'xmlns(:xlink)?="http://www\.w3\.org/[^"]*"', "", page)
    assert "http://" not in without_namespaces and "https://" not in without_namespaces


def test_a_hostile_name_stays_text():
    loss, t = quickstart_graph()
    t["W"].name = HOSTILE
    page = md.explore(loss).html
    data = page.split('<script type="application/json" id="explorer-data">')[1]
    data = data.split("</script>")[0]                 # the first </script> must end the JSON
    assert HOSTILE in [e["label"] for e in json.loads(data)["tensors"]]
    assert page.count("</script>") == 2               # the data's and the script's, no more
    assert "<img" not in page


def test_explore_takes_a_trace_and_runs_no_second_backward():
    loss, t = quickstart_graph()
    trace = md.trace_backward(loss)
    grad = t["W"].grad.copy()
    explorer = md.explore(trace)
    np.testing.assert_array_equal(t["W"].grad, grad)          # not accumulated twice
    assert explorer.trace is trace and "5 backward steps" in repr(explorer)


def test_explore_refuses_what_has_no_graph_saying_what_to_pass():
    with pytest.raises(TypeError, match="given a ndarray.*use model\\(x\\)"):
        md.explore(np.ones(3))
    with md.no_grad():
        loss, _ = quickstart_graph()
    with pytest.raises(RuntimeError, match="does not require grad"):
        md.explore(loss)


def test_repr_html_is_the_page_in_its_own_frame():
    explorer = md.explore(quickstart_graph()[0])
    frame = explorer._repr_html_()
    assert frame.startswith("<iframe srcdoc=\"") and 'sandbox="allow-scripts"' in frame
    srcdoc = frame.split('srcdoc="')[1].split('" style=')[0]
    assert '"' not in srcdoc and html.unescape(srcdoc) == explorer.html


def test_max_nodes_cuts_as_draw_graph_does_and_says_so():
    loss, _ = digits_step(batch=4)
    data = page_data(md.trace_backward(loss), max_nodes=20)
    drawn = [e for e in data["tensors"] if e["node"]]
    assert data["elided"] > 0 and len(drawn) + sum(1 for e in drawn if e["opNode"]) <= 21
    assert all("data" not in e for e in data["tensors"] if not e["node"])


def test_a_large_tensor_carries_every_value_for_the_paged_grid():
    big = md.Tensor(np.arange(100 * 70, dtype=np.float64).reshape(100, 70), requires_grad=True)
    cube = md.Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    line = md.Tensor(np.arange(150.0), requires_grad=True)
    loss = big.sum() + cube.sum() + line.sum()
    entries = {len(e["shape"]): e for e in page_data(md.trace_backward(loss))["tensors"]
               if e["shape"] in ([100, 70], [2, 3, 4], [150])}
    grid = entries[2]["data"]                          # all 7,000 values, 70 to a row
    assert grid["shape"] == [100, 70] and grid["cols"] == 70
    assert grid["values"] == list(range(7000))
    assert entries[3]["data"]["cols"] == 4 and entries[3]["data"]["values"] == list(range(24))
    assert entries[1]["data"]["cols"] == 64 and len(entries[1]["data"]["values"]) == 150


# ---- in the browser -----------------------------------------------------------------------

def test_page_opens_offline_from_file_without_errors(browser, tmp_path):
    page = open_page(browser, tmp_path, md.explore(quickstart_graph()[0]))
    assert browser.current_url.startswith("file://")
    assert page.js("return performance.getEntriesByType('resource').length") == 0
    assert page.js("return navigator.onLine") is False                # the network is off
    assert page.element("#step-title").text.startswith("The start")
    page.press("last")
    page.press("first")
    assert page.errors() == []


def test_stepping_shows_each_backward_step_of_the_trace(browser, tmp_path):
    loss, t = quickstart_graph()
    explorer = md.explore(loss)
    trace = explorer.trace
    page = open_page(browser, tmp_path, explorer)
    tensor_ids, op_ids, _ = node_ids(loss)
    forward = page.data["forwardSteps"]
    page.press("next", forward)                        # forward: ops appear in the order they ran
    fan_ins = inside_mean = 0
    for n, step in enumerate(trace.steps):
        page.press("next")
        assert page.position() == forward + 1 + n
        title = page.element("#step-title").text
        assert title == f"backward step {n} of {len(trace.steps)}: {trace.label(step.node)}"
        upstream = page.element("#step-body .upstream .value").text
        assert_shows(upstream, step.upstream)
        boxes = page.elements("#step-body .contribution")
        assert [b.get_attribute("data-parent") for b in boxes] == \
            [trace.label(c.parent) for c in step.contributions]
        for box, c in zip(boxes, step.contributions):
            assert_shows(box.find_element("css selector", ".from-op").text, c.from_op)
            if c.summed_axes:                           # the bias: summed over the batch
                assert_shows(box.find_element("css selector", ".added").text, c.added)
            if len(trace.received(c.parent)) > 1:       # h is used twice: the running sum
                assert f"contribution {c.count} of 2" in box.text
                assert_shows(box.find_element("css selector", ".total").text, c.total)
                fan_ins += 1
        current = {g.find_element("css selector", "title").get_attribute("textContent")
                   for g in page.elements("g.node.current")}
        entry = next(e for e in page.data["tensors"] if e["label"] == trace.label(step.node))
        if id(step.node) in tensor_ids:                 # the node and its op
            assert current == {tensor_ids[id(step.node)], op_ids[id(step.node)]}
        else:                                           # inside a scope drawn as one op
            assert current == {entry["opBox"]} and entry["opBox"] in op_ids.values()
            inside_mean += 1
        lit = page.elements("g.edge.lit-back")          # out of the op, one per input drawn
        drawn = page.data["steps"][page.position()]
        assert len(lit) == (drawn["outEdge"] is not None) + len(
            [c for c in drawn["contributions"] if c["edge"]])
        assert len(lit) >= 1
    assert fan_ins == 2 and inside_mean == 0           # mean is one op: its own box
    assert page.errors() == []


def test_forward_steps_reveal_values_and_keys_and_slider_move(browser, tmp_path):
    loss, t = quickstart_graph()
    page = open_page(browser, tmp_path, md.explore(loss))
    tensor_ids, _, _ = node_ids(loss)
    h = tensor_ids[id(t["h"])]
    assert "pending" in page.classes(h) and "pending" not in page.classes(tensor_ids[id(t["W"])])
    body = page.element("body")
    body.send_keys("\ue014", "\ue014")                 # the right arrow, twice: matmul, then add
    assert page.position() == 2 and "pending" not in page.classes(h)
    assert page.element("#step-title").text == "forward step 2 of 5: add_0"
    assert_shows(page.element("#step-body .value").text, t["h"].data)
    body.send_keys("\ue012")                            # the left arrow: add is undone
    assert page.position() == 1 and "pending" in page.classes(h)
    page.go(page.data["forwardSteps"] + 1)              # the slider: the first backward step
    assert page.element("#step-title").text.startswith("backward step 0 of 5: L")
    assert "the seed" in page.element("#step-body .upstream").text
    assert page.errors() == []


def test_last_step_shows_every_gradient_equal_to_the_engines(browser, tmp_path):
    loss, t = layered_graph()
    explorer = md.explore(loss)
    page = open_page(browser, tmp_path, explorer)
    page.press("last")
    assert page.element("#step-title").text.startswith("Done")
    tensor_ids, _, _ = node_ids(loss)
    drawn = [t for t in explorer.trace.tensors() if id(t) in tensor_ids]   # not mean's inside
    assert {id(t["W1"]), id(t["W2"]), id(t["a"])} <= {id(tensor) for tensor in drawn}
    for tensor in drawn:                                  # every tensor that got a gradient
        page.click_node(tensor_ids[id(tensor)])
        np.testing.assert_allclose(page.grid("grad").ravel(), np.ravel(tensor.grad), rtol=1e-12)
    rows = page.elements("#step-body table.grads tr")
    assert len(rows) == len(explorer.trace.tensors()) + 1          # and the root's seed
    assert page.errors() == []


def test_clicking_a_tensor_shows_its_grid(browser, tmp_path):
    loss, t = quickstart_graph()
    page = open_page(browser, tmp_path, md.explore(loss))
    tensor_ids, _, _ = node_ids(loss)
    page.click_node(tensor_ids[id(t["x"])])
    assert page.element("#inspector h2").text == "x"
    assert "(4, 3) · float64 · data" in page.element("#inspector").text
    np.testing.assert_array_equal(page.grid("data"), t["x"].data)
    assert "grad: none" in page.element("#inspector").text
    from selenium.webdriver.common.action_chains import ActionChains
    page.press("last")                                 # the list of gradients: names are links
    link = next(a for a in page.elements("#step-body .tensor-link") if a.text == "W")
    ActionChains(page.driver).move_to_element(link).perform()
    hovered = page.elements("g.node.hovered")
    assert len(hovered) == 1 and hovered[0].find_element("css selector", "title") \
        .get_attribute("textContent") == tensor_ids[id(t["W"])]
    page.press("first")
    page.click_node(tensor_ids[id(t["x"])])
    cell = page.elements("#inspector .grid-part.data table.grid td")[4]
    assert cell.get_attribute("title") == f"[1, 1] = {float(t['x'].data[1, 1])!r}"   # on hover
    page.click_node(tensor_ids[id(t["h"])])            # not computed yet at the start
    assert "not computed yet" in page.element("#inspector").text
    assert page.errors() == []


def test_clicking_a_zero_size_or_all_nan_tensor_shows_it_without_an_error(browser, tmp_path):
    """A (0, 3) tensor has no cells and no statistics; an all-NaN one has no finite values:
    the inspector says so (its statistics read "none", never a made-up 0)."""
    empty = md.Tensor(np.zeros((0, 3)), requires_grad=True, name="empty")
    vector = md.Tensor(np.zeros(0), requires_grad=True, name="vector")
    nans = md.Tensor(np.full((2, 2), np.nan), requires_grad=True, name="nans")
    loss = (empty * 2.0).sum() + (vector * 3.0).sum() + (nans * 1.0).sum()
    page = open_page(browser, tmp_path, md.explore(loss))
    tensor_ids, _, _ = node_ids(loss)
    for position in (0, len(page.data["steps"]) - 1):      # before and after its gradient
        page.go(position)
        for tensor in (empty, vector):
            page.click_node(tensor_ids[id(tensor)])
            inspector = page.element("#inspector").text
            assert inspector.count("no values: an axis of this shape has length 0") == \
                (1 if position == 0 else 2), inspector
            assert "mean none" in inspector and "mean 0" not in inspector
        page.click_node(tensor_ids[id(nans)])
        inspector = page.element("#inspector").text
        assert "4 NaN or inf values" in inspector and "mean none" in inspector
        assert np.isnan(page.grid("data")).all()
    assert page.errors() == []


def test_tracing_twice_says_the_gradients_are_summed_over_passes(browser, tmp_path):
    """md.trace_backward(loss) twice: the leaves' .grad is the sum of both passes (by design);
    the drawing, the page and a warning say so, naming the leaves. After zero_grad: silence."""
    W = md.Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True, name="W")
    loss = (md.Tensor(np.array([[1.0, 2.0]])) @ W).sum()
    once = md.trace_backward(loss)
    one_pass = W.grad.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # nothing to say after one pass
        assert "summed over backward passes" not in md.draw_graph(loss).source
    with pytest.warns(UserWarning, match="md.trace_backward: W already held a gradient"):
        twice = md.trace_backward(loss)
    np.testing.assert_array_equal(W.grad, 2 * one_pass)
    with pytest.warns(UserWarning, match=r"draw_graph: W already held a gradient from an "
                                         r"earlier backward pass .* sum over the passes"):
        source = md.draw_graph(loss).source
    assert "grads summed over backward passes: W" in source
    assert page_data(twice)["earlier"] == ["W"] and page_data(once)["earlier"] == []
    with pytest.warns(UserWarning, match="md.explore: W already held a gradient") as caught:
        page = open_page(browser, tmp_path, md.explore(twice))
    assert len(caught) == 1                                  # said once, not again by the drawing
    assert "Summed over backward passes: W already held" in page.element("#step-body").text
    page.press("last")
    assert "Summed over backward passes: W" in page.element("#step-body").text
    assert page.errors() == []
    W.zero_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        md.trace_backward(loss)
        md.draw_graph(loss)


def test_folding_a_layer_hides_its_ops_and_unfolds(browser, tmp_path):
    loss, t = layered_graph()
    page = open_page(browser, tmp_path, md.explore(loss))
    tensor_ids, op_ids, cluster_ids = node_ids(loss)
    layer = next(l for l in page.data["layers"] if l["name"] == "dense")
    assert layer["ops"] == 2 and layer["params"] == 12
    inside = layer["nodes"]
    assert tensor_ids[id(t["W1"])] in inside and len(inside) == 5   # W1, matmul, tanh (+ ops)
    title = page.js("return [...document.querySelectorAll('g.cluster')].find(g => g.querySelector"
                    "('title').textContent === arguments[0]).querySelector('text')",
                    cluster_ids["dense"])
    title.click()
    assert all(not page.node(node).is_displayed() for node in inside)
    cover = page.element(".fold-cover[data-layer='dense']")
    assert cover.is_displayed() and "Dense(4, activation=tanh)" in cover.text
    assert page.node(tensor_ids[id(t["W2"])]).is_displayed()       # the other layer stays
    page.press("last")                                 # stepping with a folded layer is fine
    page.element("#color-by-grad").click()             # shaded by its weight's mean |grad|
    step = md.graph.labels.magnitude_step(np.abs(t["W1"].grad).mean())
    red, green, blue = (int(md.graph.labels.MAGNITUDE_COLORS[step][i:i + 2], 16)
                        for i in (1, 3, 5))
    assert page.js("return getComputedStyle(arguments[0].querySelector('rect')).fill",
                   cover) == f"rgb({red}, {green}, {blue})"
    cover.click()
    assert all(page.node(node).is_displayed() for node in inside)
    assert page.errors() == []


def test_colour_by_gradient_size_switches_on_and_off(browser, tmp_path):
    loss, t = quickstart_graph()
    page = open_page(browser, tmp_path, md.explore(loss))
    tensor_ids, _, _ = node_ids(loss)
    fill = ("return getComputedStyle(arguments[0].querySelector('path, polygon, ellipse'))"
            ".fill")
    W = page.node(tensor_ids[id(t["W"])])
    before = page.js(fill, W)
    page.element("#color-by-grad").click()
    assert page.js(fill, W) == "rgb(255, 255, 255)"    # no gradient yet: white
    page.press("last")
    W_entry = next(e for e in page.data["tensors"] if e["label"] == "W")
    step = md.graph.labels.magnitude_step(np.abs(t["W"].grad).mean())
    assert W_entry["gradColor"] == md.graph.labels.MAGNITUDE_COLORS[step]
    red, green, blue = (int(W_entry["gradColor"][i:i + 2], 16) for i in (1, 3, 5))
    assert page.js(fill, W) == f"rgb({red}, {green}, {blue})"
    page.element("#color-by-grad").click()
    assert page.js(fill, W) == before
    assert page.errors() == []


def test_a_graph_cut_at_max_nodes_says_so_and_steps_through(browser, tmp_path):
    loss, _ = digits_step(batch=4)
    page = open_page(browser, tmp_path, md.explore(loss, max_nodes=20))
    note = page.element("#note")
    assert note.is_displayed() and f"{page.data['elided']} nodes" in note.text
    assert "max_nodes=20" in note.text
    per_step = page.js("const next = document.getElementById('next');"
                       "let n = 0; while (!next.disabled) { next.click(); n++; } return n;")
    assert per_step == len(page.data["steps"]) - 1
    assert page.element("#step-title").text.startswith("Done")
    for link in page.elements("#step-body .tensor-link")[:12]:   # drawn or not
        link.click()
    assert page.errors() == []


PLAY_TICK = 0.7      # seconds between two steps when playing (setInterval in controls.js)


def test_play_steps_by_itself_and_pauses(browser, tmp_path):
    page = open_page(browser, tmp_path, md.explore(quickstart_graph()[0]))
    page.press("play")
    assert page.element("#play").text == "Pause"
    page.wait_until(lambda: page.position() >= 1, "Play did not move the slider forward")
    page.press("play")
    moved = page.position()
    assert page.element("#play").text == "Play"
    # Paused, nothing may happen: there is no event to wait for, so waiting past the next
    # tick of the play timer is the test itself.
    time.sleep(1.5 * PLAY_TICK)
    assert page.position() == moved, "the slider kept moving after Pause"
    assert page.errors() == []


def test_a_hostile_name_is_shown_as_text_in_the_browser(browser, tmp_path):
    loss, t = quickstart_graph()
    t["W"].name = HOSTILE
    page = open_page(browser, tmp_path, md.explore(loss, title=HOSTILE))
    tensor_ids, _, _ = node_ids(loss)
    page.press("last")
    page.click_node(tensor_ids[id(t["W"])])
    assert page.element("#inspector h2").text == HOSTILE
    assert page.js("return window.pwned") is None
    assert page.js("return document.querySelectorAll('img').length") == 0
    assert HOSTILE in page.js("return document.title")
    assert page.errors() == []


def test_two_explorers_in_one_notebook_do_not_interfere(browser, tmp_path):
    first, second = md.explore(quickstart_graph(0)[0]), md.explore(layered_graph()[0])
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body>" + first._repr_html_() +
                        second._repr_html_() + "</body></html>", encoding="utf-8")
    browser.get("file://" + str(notebook))
    frames = browser.find_elements("css selector", "iframe")
    assert len(frames) == 2
    browser.switch_to.frame(frames[0])
    for _ in range(3):
        browser.find_element("id", "next").click()
    assert browser.find_element("id", "slider").get_attribute("value") == "3"
    browser.switch_to.default_content()
    browser.switch_to.frame(frames[1])
    assert browser.find_element("id", "slider").get_attribute("value") == "0"
    assert browser.find_element("id", "step-title").text.startswith("The start")
    browser.switch_to.default_content()
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_digits_mlp_training_step_opens_and_steps_smoothly(browser, tmp_path):
    loss, model = digits_step()
    explorer = md.explore(loss)
    page = open_page(browser, tmp_path, explorer)
    steps = len(page.data["steps"])
    # Each Next, timed inside the page up to the new layout (a click's work, without
    # selenium's round trip).
    per_step = page.js("const next = document.getElementById('next'), times = [];"
                       "while (!next.disabled) { const start = performance.now(); next.click();"
                       "  document.body.offsetHeight; times.push(performance.now() - start); }"
                       "return times;")
    assert len(per_step) == steps - 1
    assert page.element("#step-title").text.startswith("Done")
    kernel = model.layers[0].kernel
    tensor_ids, _, _ = node_ids(loss)
    page.click_node(tensor_ids[id(kernel)])
    assert "large tensor" not in page.element("#inspector").text          # (64, 64): all of it
    np.testing.assert_allclose(page.grid("grad"), kernel.grad, rtol=1e-6, atol=1e-12)
    assert page.errors() == []
    print(f"\ndigits MLP step: page {len(explorer.html) / 1e3:.0f} kB, opened in "
          f"{page.seconds_to_open:.2f} s, {len(per_step)} steps of {np.mean(per_step):.0f} ms "
          f"(at most {np.max(per_step):.0f} ms)")
    assert page.seconds_to_open < 20 and np.mean(per_step) < 200   # generous: 2 shared cores


# ---- at real size: the 784-64-10 MLP of issue 21 -------------------------------------------

def digits_784(batch=8):
    """Dense(64, relu) on 784 inputs, then Dense(10, softmax): the digits at full size."""
    md.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((batch, 784)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, batch)]
    model = Sequential([Dense(64, activation="relu", input_shape=(784,)),
                        Dense(10, activation="softmax")])
    return md.losses.CategoricalCrossentropy()(y, model(x)), model


VISIBLE_BOXES = ("return [...document.querySelectorAll('g.node, .fold-cover')]"
                 ".filter(g => getComputedStyle(g).display !== 'none')"
                 ".map(g => { const r = g.getBoundingClientRect();"
                 "            return [r.left, r.top, r.right, r.bottom]; })")


def overlapping(boxes, others=None, slack=0.5):
    """Pairs of boxes (left, top, right, bottom) that overlap by more than `slack` pixels."""
    pairs = ([(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:]] if others is None
             else [(a, b) for a in boxes for b in others])
    return [(a, b) for a, b in pairs if a[0] + slack < b[2] and b[0] + slack < a[2]
            and a[1] + slack < b[3] and b[1] + slack < a[3]]


def test_a_64_by_10_kernel_shows_every_value_and_hovering_reads_one(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    loss, model = digits_784()
    page = open_page(browser, tmp_path, md.explore(loss))
    tensor_ids, _, _ = node_ids(loss)
    kernel = model.layers[1].kernel                               # (64, 10)
    page.click_node(tensor_ids[id(kernel)])
    np.testing.assert_allclose(page.grid("data"), kernel.data, rtol=1e-6)
    cell = page.elements("#inspector .grid-part.data table.grid td")[3 * 10 + 7]
    ActionChains(page.driver).move_to_element(cell).perform()
    readout = page.element("#inspector .grid-part.data .readout").text
    assert readout.startswith("data[3, 7] = ")
    assert float(readout.split(" = ")[1]) == pytest.approx(float(kernel.data[3, 7]), rel=1e-6)
    page.press("last")                                            # and its gradient, in full
    np.testing.assert_allclose(page.grid("grad"), kernel.grad, rtol=1e-6, atol=1e-12)
    first = model.layers[0].kernel                                # (784, 64): pages of 64 rows
    page.click_node(tensor_ids[id(first)])
    pager = "#inspector .grid-part.grad .pager.rows"
    assert "rows 0-63 of 784" in page.element(pager).text
    page.element(pager + " .page-forth").click()
    assert "rows 64-127 of 784" in page.element(pager).text
    np.testing.assert_allclose(page.grid("grad"), first.grad[64:128], rtol=1e-6, atol=1e-12)
    page.press("prev")                                            # the page is kept while stepping
    page.press("next")
    assert "rows 64-127 of 784" in page.element(pager).text
    assert page.errors() == []


@pytest.mark.parametrize("rankdir", ["auto", "LR"])
def test_folding_a_layer_lays_the_graph_out_again_without_overlaps(browser, tmp_path, rankdir):
    loss, model = digits_784()
    page = open_page(browser, tmp_path, md.explore(loss, rankdir=rankdir))
    _, _, cluster_ids = node_ids(loss)
    assert page.data["rankdir"] == ("TB" if rankdir == "auto" else rankdir)
    along = "height" if page.data["rankdir"] == "TB" else "width"     # the axis of the ranks
    size = f"return document.querySelector('#graph svg').{along}.baseVal.value"
    height = page.js(size)
    assert overlapping(page.js(VISIBLE_BOXES)) == []
    title = page.js("return [...document.querySelectorAll('g.cluster')].find(g => g.querySelector"
                    "('title').textContent === arguments[0]).querySelector('text')",
                    cluster_ids[model.layers[0].name])
    title.click()
    boxes = page.js(VISIBLE_BOXES)
    assert overlapping(boxes) == []
    folded = page.js(size)
    print(f"\nfolding {model.layers[0].name}: the graph {height:.0f} -> {folded:.0f} px {along}")
    assert folded < height - 200                                  # laid out again, shorter
    page.press("last")                                            # stepping still works
    page.go(page.data["forwardSteps"] + 3)
    assert overlapping(page.js(VISIBLE_BOXES)) == []
    page.element(f".fold-cover[data-layer='{model.layers[0].name}']").click()
    assert page.js(size) == pytest.approx(height)
    assert page.js("return [...document.querySelectorAll('g.node')].filter(g => "
                   "g.getAttribute('transform')).length") == 0
    assert page.errors() == []


def test_edge_labels_of_each_backward_step_cover_no_box(browser, tmp_path):
    loss, _ = digits_784()
    page = open_page(browser, tmp_path, md.explore(loss))
    for position in range(page.data["forwardSteps"] + 1, len(page.data["steps"]) - 1):
        page.go(position)
        labels = page.js("return [...document.querySelectorAll('.edge-label')].map(t => {"
                         " const r = t.getBoundingClientRect(); return [r.left, r.top, r.right,"
                         " r.bottom]; })")
        assert overlapping(labels, page.js(VISIBLE_BOXES)) == [], position
        assert overlapping(labels) == [], position
    assert page.errors() == []


def test_fit_keeps_the_text_readable(browser, tmp_path):
    loss, _ = digits_784()
    page = open_page(browser, tmp_path, md.explore(loss))
    page.press("zoom-fit")
    text = "return document.querySelector('g.node text').getBoundingClientRect().height"
    assert page.js(text) >= 8                                     # 10pt labels, still legible
    small = page.js("return document.querySelector('#graph svg').getBoundingClientRect().width")
    assert small <= page.js("return document.getElementById('graph').clientWidth") + 1
    assert page.errors() == []


def test_a_tiny_dense_layer_has_a_scalar_view(browser, tmp_path):
    md.utils.set_random_seed(0)
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype="float32")
    y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype="float32")
    model = Sequential([Dense(2, activation="sigmoid", input_shape=(3,))])
    loss = md.losses.MeanSquaredError()(y, model(x))
    page = open_page(browser, tmp_path, md.explore(loss))
    assert page.data["scalarView"] and page.element("#graph").is_displayed()
    page.press("scalar")                               # every x[b,i] * W[i,j], every sum
    assert page.element("#scalar-graph").is_displayed()
    assert not page.element("#graph").is_displayed()
    assert page.element("#scalar").text == "matrix view"
    texts = page.js("return [...document.querySelectorAll('#scalar-graph text')]"
                    ".map(t => t.textContent)")
    kernel = model.layers[0].kernel
    assert f"{kernel.name}[2,1]" in texts and f"{model.layers[0].bias.name}[1]" in texts
    page.press("scalar")
    assert page.element("#graph").is_displayed() and not page.element("#scalar-graph").is_displayed()
    assert page.errors() == []
    big = open_page(browser, tmp_path, md.explore(digits_784()[0]), name="big.html")
    assert not big.data["scalarView"] and not big.element("#scalar").is_displayed()


def test_a_missing_browser_fails_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(chromium.shutil, "which", lambda name: None)
    monkeypatch.setattr(chromium.os.path, "exists", lambda path: False)
    with pytest.raises(chromium.BrowserNotFound) as error:
        chromium.find_programs()
    message = str(error.value)
    assert message.startswith("chromium and chromedriver not found on PATH")
    assert "apt-get install chromium chromium-driver" in message
    assert "MICRODENSE_SKIP_BROWSER=1" in message


def test_each_contribution_carries_its_math_form_from_the_op_record():
    """The page writes a matmul's input as x^T @ dL/dz, as print(trace) does: one text."""
    loss, t = layered_graph()
    trace = md.trace_backward(loss)
    data = page_data(trace)
    forms = [c["form"] for s in data["steps"] if s["kind"] == "backward"
             for c in s["contributions"]]
    assert any("dL/ddense/kernel = x^T @ dL/d" in form for form in forms)
    text = str(trace)
    assert all(form in text for form in forms)
