"""Public Keras snippets, translated by the import-only rule (`import keras` becomes
`import microdense as keras`; datasets replaced by seeded arrays), each with its source URL in
tests/keras_snippets/. Every snippet runs here: the ones listed in EXPECTED_FAILURES.txt must
fail (strict: when the missing feature lands, remove the line), all others must run.
tools/run_keras_snippets.py runs the same files under Keras 3 itself."""
import os
import runpy

import numpy as np
import pytest

import microdense as md

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_snippets")


def expected_failures():
    """{file name: reason} from EXPECTED_FAILURES.txt."""
    reasons = {}
    with open(os.path.join(FOLDER, "EXPECTED_FAILURES.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, reason = line.partition(":")
                reasons[name.strip()] = reason.strip()
    return reasons


EXPECTED_FAILURES = expected_failures()
SNIPPETS = sorted(name for name in os.listdir(FOLDER) if name.endswith(".py"))


def test_the_failure_list_names_real_snippets():
    assert set(EXPECTED_FAILURES) <= set(SNIPPETS)


def test_every_snippet_cites_its_source():
    for name in SNIPPETS:
        with open(os.path.join(FOLDER, name)) as f:
            head = f.read(400)
        assert "# Source: http" in head and "Translated:" in head, name


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=EXPECTED_FAILURES[name], strict=True))
    if name in EXPECTED_FAILURES else name for name in SNIPPETS])
def test_snippet_runs(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                   # anything a snippet writes lands here
    md.utils.set_random_seed(0)
    md.backend.clear_session()
    with np.errstate(over="ignore", invalid="ignore"):
        runpy.run_path(os.path.join(FOLDER, name), run_name="__main__")
