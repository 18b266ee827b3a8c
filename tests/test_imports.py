"""The package's own imports work in any order: no module relies on another having been
imported first (microdense/__init__.py may list them in any order)."""
import json
import os
import random
import subprocess
import sys

import pytest

# Every module microdense/__init__.py imports, and the subpackages' own modules.
MODULES = [
    "config", "recording", "tensor", "engine", "gradcheck", "trace", "ops", "ops.custom",
    "ops.crossentropy", "naming", "utils",
    "activations", "initializers", "regularizers", "backend", "losses", "losses.loss",
    "metrics", "optimizers", "layers", "layers.core", "layers.symbolic", "layers.merge",
    "layers.batch_normalization", "layers.normalization", "layers.layer_normalization",
    "layers.regularization", "layers.reshaping", "models", "models.sequential", "models.functional",
    "models.outputs", "models.trainer", "callbacks", "callbacks.improvement", "diagnostics",
    "diagnostics.gradient_monitor", "diagnostics.statistics", "saving", "saving.file_format", "saving.saving_api", "saving.model_config", "saving.compile_config", "registry", "serialization",
    "datasets",
    "graph",
]

# Import the listed modules one by one WITHOUT running microdense/__init__.py first (a bare
# package object stands in for it), then run __init__.py itself: each import must bring in
# everything it needs on its own.
SCRIPT = """
import importlib, importlib.util, json, sys
spec = importlib.util.find_spec("microdense")
package = importlib.util.module_from_spec(spec)
sys.modules["microdense"] = package
for name in json.loads(sys.argv[1]):
    importlib.import_module("microdense." + name)
spec.loader.exec_module(package)
print(package.Tensor, package.models.Sequential)
"""


def run_script(script, argument):
    """Run `script` in a fresh interpreter that imports this checkout's microdense."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return subprocess.run([sys.executable, "-c", script, argument], env=env,
                          capture_output=True, text=True, timeout=120)


def run_in_order(order):
    return run_script(SCRIPT, json.dumps(order))


@pytest.mark.parametrize("seed", ["reversed", 0, 1])
def test_submodules_import_in_any_order(seed):
    order = list(reversed(MODULES)) if seed == "reversed" else \
        random.Random(seed).sample(MODULES, len(MODULES))
    run = run_in_order(order)
    assert run.returncode == 0, f"importing in the order {order} failed:\n{run.stderr}"


def test_diagnostics_import_before_callbacks():
    """The order that failed while callbacks imported diagnostics.monitor, which imported
    callbacks (callbacks alone, first, is test_dependencies_run_one_way's)."""
    run = run_in_order(["diagnostics", "callbacks"])
    assert run.returncode == 0, run.stderr


def test_dependencies_run_one_way():
    """backend does not pull in the layers; callbacks does not pull in the diagnostics."""
    script = """
import importlib, importlib.util, sys
spec = importlib.util.find_spec("microdense")
sys.modules["microdense"] = importlib.util.module_from_spec(spec)
importlib.import_module("microdense." + sys.argv[1])
print(sorted(name for name in sys.modules if name.startswith("microdense.")))
"""
    loaded = {}
    for module in ("backend", "callbacks"):
        run = run_script(script, module)
        assert run.returncode == 0, run.stderr
        loaded[module] = run.stdout
    assert "microdense.layers" not in loaded["backend"]
    assert "microdense.diagnostics" not in loaded["callbacks"]


def test_optional_packages_load_only_when_used():
    """`import microdense` costs numpy and graphviz only: the sweeps' joblib and Dask, the plots'
    matplotlib and the test tools load when a feature first asks for them."""
    optional = ["joblib", "threadpoolctl", "dask", "distributed", "matplotlib", "pandas",
                "selenium", "absl", "grimp", "importlinter", "pytest", "torch"]
    run = run_script("import sys, json, microdense; print(json.dumps(sorted(sys.modules)))", "")
    assert run.returncode == 0, run.stderr
    loaded = set(json.loads(run.stdout))
    assert [name for name in optional if name in loaded] == []
