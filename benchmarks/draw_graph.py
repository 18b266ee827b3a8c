"""How long drawing a graph takes, next to the backward pass that filled it.

    python benchmarks/draw_graph.py

A chain of tanh ops on a (16,) tensor (each op adds an op node and a tensor node), and a
deep Dense-like network: the time to build the DOT source of the whole graph, of the
default drawing (max_nodes=1000), of the collapsed-layer view, and Graphviz's layout.
"""
import time

import numpy as np

import microdense as md
from microdense.tensor import Scope, layer_scope


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def chain(ops):
    x = md.Tensor(np.random.default_rng(0).normal(size=16), requires_grad=True, name="x")
    h = x
    for _ in range(ops):
        h = md.tanh(h)
    return h.sum()


def deep_network(layers):
    h = md.Tensor(np.ones((32, 8)), name="x")
    for number in range(layers):
        kernel = md.Tensor(np.full((8, 8), 0.1), requires_grad=True, name=f"dense_{number}/kernel")
        with layer_scope(Scope(f"dense_{number}", "Dense(8, activation=tanh)")):
            h = md.tanh(h @ kernel)
    return h.sum()


def main():
    for name, loss in (("tanh chain, 5,000 ops", chain(5000)),
                       ("tanh chain, 10,000 ops", chain(10_000)),
                       ("deep network, 1,000 layers", deep_network(1000))):
        backward = seconds(loss.backward)
        drawing = md.draw_graph(loss, max_nodes=None)
        everything = seconds(lambda: md.draw_graph(loss, max_nodes=None).source)
        default = seconds(lambda: md.draw_graph(loss).source)
        collapsed = seconds(lambda: md.draw_graph(loss, collapse_layers=True).source)
        layout = seconds(lambda: md.draw_graph(loss).pipe(format="svg"))
        nodes = drawing.source.count("[label")
        print(f"{name}: {nodes:,} drawn nodes; backward {backward * 1e3:.0f} ms; DOT of all "
              f"{everything * 1e3:.0f} ms ({everything / backward:.0f}x backward); default "
              f"max_nodes=1000 {default * 1e3:.0f} ms; collapsed {collapsed * 1e3:.0f} ms; "
              f"dot layout of the default drawing {layout * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
