"""The package's architecture, checked: three tiers that import one way, and no import circle
but the one every autograd has.

    engine      tensor, engine, recording, ops, gradcheck, trace (numpy only)
    model API   Keras's packages: layers, models, losses, metrics, optimizers, saving, ...
    lab         the drawings and the explorer, diagnostics, experiments, datasets

The tiers are import-linter contracts in pyproject.toml; `lint-imports` checks them. The
circles are found here, with grimp (import-linter's own graph of the imports).
"""
import pathlib
import subprocess
import sys

import grimp
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Tensor's operators call the ops (`a + b` is ops.add), and the ops make Tensors: the one
# circle an autograd needs. Nothing else may import in a circle.
DECLARED_CIRCLE = {"microdense.tensor", "microdense.ops"}


def test_the_tiers_import_one_way():
    lint = pathlib.Path(sys.executable).parent / "lint-imports"
    if not lint.exists():
        pytest.fail("lint-imports is missing: install the test extra "
                    "(pip install -e '.[test]'; ./dev.sh does it)")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout and "2 kept" in done.stdout


def _circles(graph):
    """The strongly connected components (Tarjan, iterative) of more than one module."""
    modules = sorted(m for m in graph.modules if m != "microdense")
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i != "microdense")
             for m in modules}
    index, low, on_stack, stack, circles = {}, {}, set(), [], []
    for start in modules:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        circles.append(component)
    return circles


def _package(module):
    """microdense.ops.arithmetic -> microdense.ops (a module of the root stays itself)."""
    return ".".join(module.split(".")[:2])


def test_no_import_circle_but_tensor_and_ops():
    circles = _circles(grimp.build_graph("microdense", cache_dir=None))
    undeclared = [sorted(c) for c in circles if {_package(m) for m in c} != DECLARED_CIRCLE]
    assert not undeclared, f"import circles: {undeclared}"
