"""A chain of 10,000 layers: built, run, summarised, saved, loaded, turned into JSON and back,
and drawn, with no walk that recurses (Python stops at about 1,000 nested calls). Each walk
over layers or layer calls keeps its own stack or is a loop over a list."""
import time

import numpy as np

import microdense as md
from microdense.layers import Dense, Input, reset_name_counters
from microdense.models import load_model, model_from_json

DEPTH = 10_000


def test_a_10000_layer_functional_chain_builds_saves_loads_and_draws(tmp_path):
    reset_name_counters()
    seconds = {}
    start = time.perf_counter()
    inputs = x = Input(shape=(2,))
    for _ in range(DEPTH):
        x = Dense(2, kernel_initializer=md.initializers.Constant(0.5))(x)
    model = md.Model(inputs, x)
    seconds["build"] = time.perf_counter() - start
    assert len(model.layers) == DEPTH + 1
    data = np.array([[1.0, -2.0]], np.float32)
    expected = np.array([[-0.5, -0.5]], np.float32)    # a fixed point of x @ [[.5, .5], [.5, .5]]
    np.testing.assert_array_equal(model.predict(data, verbose=0), expected)

    lines = []
    model.summary(print_fn=lines.append)
    assert f"Total params: {DEPTH * 6:,}" in "\n".join(lines)

    start = time.perf_counter()
    again = model_from_json(model.to_json())
    seconds["json"] = time.perf_counter() - start
    assert len(again.layers) == DEPTH + 1

    start = time.perf_counter()
    model.save(tmp_path / "deep.mdz")
    seconds["save"] = time.perf_counter() - start
    start = time.perf_counter()
    loaded = load_model(tmp_path / "deep.mdz")
    seconds["load"] = time.perf_counter() - start
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), expected)

    start = time.perf_counter()
    boxes = md.plot_model(loaded, to_file=None).source.count("params:")
    loss = (loaded(data) ** 2).sum()
    loss.backward()
    drawn = md.draw_graph(loss, max_nodes=None).source
    seconds["draw"] = time.perf_counter() - start
    assert boxes == DEPTH + 1 and drawn.count("matmul") >= DEPTH
    print("10,000-layer chain, seconds:", {k: round(v, 2) for k, v in seconds.items()})
