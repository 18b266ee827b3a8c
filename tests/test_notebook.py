"""The tutorial notebook, examples/backprop_tutorial.ipynb, executed top to bottom in a real
Jupyter kernel (nbclient + ipykernel, from the test extras). Any error in any cell fails.

The kernel is this test's own Python (sys.executable) with this checkout on PYTHONPATH,
registered in a temporary kernel folder, so the notebook runs against the code under test
whatever kernels the machine has installed.
"""
import json
import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOK = os.path.join(REPO, "examples", "backprop_tutorial.ipynb")
KERNEL = "microdense-tests"


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    """A kernel spec named KERNEL that starts this Python on this checkout."""
    folder = tmp_path / "jupyter" / "kernels" / KERNEL
    folder.mkdir(parents=True)
    paths = [REPO] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "microdense (tests)", "language": "python",
            "env": {"PYTHONPATH": os.pathsep.join(paths), "MPLBACKEND": "Agg"}}
    (folder / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return KERNEL


def outputs(cell, kind):
    """The data of a cell's displayed outputs of one MIME type."""
    return [o["data"][kind] for o in cell.outputs
            if o["output_type"] in ("execute_result", "display_data") and kind in o["data"]]


def test_tutorial_notebook_runs_top_to_bottom(kernel, tmp_path):
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError as error:
        pytest.fail(f"{error}: running the notebook needs nbclient, nbformat and ipykernel; "
                    f"install the test extras: pip install -e '.[test]' (./dev.sh test does).")

    assert os.path.exists(NOTEBOOK), "examples/backprop_tutorial.ipynb is missing"
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Run in a scratch folder: anything the notebook writes stays out of the repository.
    NotebookClient(notebook, timeout=300, kernel_name=kernel,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    # The notebook asserts its own claims (the chain rule's numbers, the vanishing gradient),
    # so running every cell is the check; here, only what it displays besides text.
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)               # every cell ran
    pages = [html for cell in code for html in outputs(cell, "text/html")]
    assert len(pages) == 2 and all(p.startswith("<iframe srcdoc=") for p in pages)
    assert len([svg for cell in code for svg in outputs(cell, "image/svg+xml")]) == 2   # + zoom
