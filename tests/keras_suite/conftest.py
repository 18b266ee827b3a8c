"""Keras's own unit tests, run against microdense (see README.md here).

keras_tests/ holds Keras's test files, copied from Keras 3.16.0 in Keras's own layout;
shim/ holds a fake `keras` package whose modules forward Keras's names to microdense's, put
first on sys.path here so the vendored files' `from keras.src import ...` lands on it.

DESELECTED.md lists every test left out, each with its reason; this file deselects them
(pytest's deselection: they are not run, and the summary counts them as deselected) and stops
the run with a usage error when an entry names a file, class or test that does not exist,
so the list cannot silently go stale.
"""
import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
KERAS_TESTS = HERE / "keras_tests"
DESELECTED = HERE / "DESELECTED.md"
sys.path.insert(0, str(HERE / "shim"))
collect_ignore = ["shim"]      # test_case.py and test_utils.py there are helpers, not tests

# "- `activations/activations_test.py::ActivationsTest::test_x`: the reason" deselects;
# "- adapted `...`: what changed" only records an adaptation (its target must exist too).
_ENTRY = re.compile(r"^- (adapted )?`([^`]+)`\s*:\s*(\S.*)$")


def read_entries(path=DESELECTED):
    """[(test id relative to keras_tests/, reason, is_adaptation)] from DESELECTED.md."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("- "):
            match = _ENTRY.match(line)
            if match is None:
                raise pytest.UsageError(
                    f"{path.name}:{number}: an entry is written "
                    f"- `file.py::Class::test`: reason  (or - adapted `...`: what changed); "
                    f"got {line!r}")
            adapted, target, reason = match.groups()
            entries.append((target, reason, bool(adapted)))
    return entries


def _test_id(item):
    """The item's id relative to keras_tests/: 'activations/activations_test.py::Class::test'."""
    relative = item.path.relative_to(KERAS_TESTS).as_posix()
    return relative + item.nodeid[item.nodeid.index("::"):]


def _check_exists(target, modules):
    """A usage error unless `target` names a file (and class, test) that exists."""
    filename, *names = target.split("::")
    if not (KERAS_TESTS / filename).is_file():
        raise pytest.UsageError(f"{DESELECTED.name}: no file keras_tests/{filename} "
                                f"(entry `{target}`)")
    module = modules.get(filename)
    if module is None:              # not collected in this run: only the file can be checked
        return
    owner = module
    for name in names:
        if not hasattr(owner, name):
            raise pytest.UsageError(f"{DESELECTED.name}: keras_tests/{filename} has no "
                                    f"{name!r} (entry `{target}`); the test was renamed or "
                                    f"removed: update the entry")
        owner = getattr(owner, name)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    ours = {item for item in items if KERAS_TESTS in item.path.parents}
    if not ours:
        return
    modules = {item.path.relative_to(KERAS_TESTS).as_posix(): item.module for item in ours}
    entries = read_entries()
    for target, _, _ in entries:
        _check_exists(target, modules)
    deselect = [target for target, _, adapted in entries if not adapted]
    kept, dropped = [], []
    for item in items:
        test_id = _test_id(item) if item in ours else None
        if test_id and any(test_id == t or test_id.startswith(t + "::") for t in deselect):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
