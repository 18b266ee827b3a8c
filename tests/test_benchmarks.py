"""The benchmark suite measures the same work in every version, and the speed rules hold.

Not timed: timings belong in benchmarks/run.py. Here: every version of every workload
computes the same first losses as its hand-written numpy baseline (so the suite can't drift
into measuring different work), and constants never record a graph.
"""
import functools
import os
import sys

import numpy as np
import pytest

import microdense as md
from microdense.engine import toposort

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))
import workloads  # noqa: E402

# The workloads are built when a test first needs them, not when pytest collects this file
# (building them takes seconds, and the quick tier only collects it).
NAMES = ["tiny", "mnist-mlp SGD", "mnist-mlp Adam", "wide", "chain 5,000", "deep 200"]


@functools.lru_cache(maxsize=None)
def _workloads():
    return {w.name: w for w in workloads.all_workloads(include_wide=True)}


def test_the_names_are_the_suites():
    assert sorted(_workloads()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_version_computes_the_numpy_baselines_losses(name):
    workload = _workloads()[name]
    steps = 1 if workload.name == "wide" else 3
    baseline = [workload.steps["numpy"]() for _ in range(steps)]
    assert np.all(np.isfinite(baseline))
    for version, step in workload.steps.items():
        if version == "numpy":
            continue
        losses = [step() for _ in range(steps)]
        # torch.optim.Adam adds epsilon after the bias correction, Keras (and the baseline)
        # before it: the same algorithm, a slightly different number in the first steps.
        rtol = 2e-3 if version == "torch" and "Adam" in workload.name else 2e-4
        np.testing.assert_allclose(losses, baseline, rtol=rtol, atol=1e-6,
                                   err_msg=f"{workload.name}: {version} differs from numpy")


def test_the_losses_change_between_steps():
    """A step that forgot to update the weights would repeat the same loss."""
    step = workloads.all_workloads(include_wide=False)[0].steps["sequential"]
    first, second = step(), step()
    assert first != second


def test_data_and_constants_record_no_graph():
    x = md.Tensor(np.ones((4, 3), np.float32))
    out = md.tanh(x @ np.ones((3, 2), np.float32) * 2.0 + 1.0).sum()
    assert not out.requires_grad and out.parents == () and out.record is None


def test_a_training_steps_graph_records_only_what_leads_to_weights():
    from microdense.layers import Dense
    from microdense.models import Sequential
    model = Sequential([Dense(8, activation="tanh", input_shape=(3,)),
                        Dense(2, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 0, 1, 1]]
    loss = md.losses.CategoricalCrossentropy()(y, model(x))
    for node in toposort(loss):
        if node.parents:                    # every recorded op has an input that needs grad
            assert any(p.requires_grad for p in node.parents), node.op
    inputs = [p for node in toposort(loss) for p in node.parents if not p.requires_grad]
    assert all(not p.parents and p.record is None for p in inputs)
    with md.no_grad():
        assert model(x).parents == ()       # inference records nothing
