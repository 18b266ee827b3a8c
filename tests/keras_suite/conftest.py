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

from microdense import config

HERE = Path(__file__).parent
KERAS_TESTS = HERE / "keras_tests"
DESELECTED = HERE / "DESELECTED.md"
sys.path.insert(0, str(HERE / "shim"))
collect_ignore = ["shim"]      # test_case.py and test_utils.py there are helpers, not tests

# "- `activations/activations_test.py::ActivationsTest::test_x`: the reason" deselects;
# "- adapted `...`: what changed" only records an adaptation (its target must exist too);
# "- not vendored `initializers/initializer_test.py`: why" names a Keras file left out (it
# cannot even be imported here), which must then be absent from keras_tests/.
_ENTRY = re.compile(r"^- (adapted |not vendored )?`([^`]+)`\s*:\s*(.*)$")


def pytest_configure(config):
    # Keras's own marker (its conftest registers it): microdense trains, so it only labels.
    config.addinivalue_line("markers", "requires_trainable_backend: Keras's marker for tests "
                                       "that train (microdense always can)")


@pytest.fixture(autouse=True)
def _restore_microdense_settings():
    """Keras's tests change global settings and do not always put them back (logging sent to
    the logging module, floatx): restore them after each test, so the rest of the suite runs
    as it would alone."""
    settings = (config.floatx(), config.epsilon(), config.is_interactive_logging_enabled(),
                config._LOGGER.level)
    yield
    floatx, epsilon, interactive, level = settings
    config.set_floatx(floatx)
    config.set_epsilon(epsilon)
    if interactive:
        config.enable_interactive_logging()
    else:
        config.disable_interactive_logging()
    config._LOGGER.setLevel(level)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A Keras test that skips itself (a skipif on Keras's backend or a missing package) fails
    here instead: every selected test must pass, and what cannot run is deselected, with its
    reason, in DESELECTED.md."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and KERAS_TESTS in item.path.parents and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (f"{_test_id(item)} skipped itself ({report.longrepr[-1]}): in the "
                           f"Keras suite a test passes or is deselected in DESELECTED.md "
                           f"with its reason")


def read_entries(path=DESELECTED):
    """[(test id relative to keras_tests/, reason, kind)] from DESELECTED.md; kind is
    "deselected", "adapted" or "not vendored". A reason may go on in indented lines; a
    ``` block holds examples, which are skipped."""
    entries = []
    in_example = False                  # lines in a ``` block are examples, not entries
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            in_example = not in_example
        elif in_example:
            continue
        elif line.startswith("- "):
            match = _ENTRY.match(line)
            if match is None:
                raise pytest.UsageError(
                    f"{path.name}:{number}: an entry is written "
                    f"- `file.py::Class::test`: reason  (or - adapted `...`: what changed, "
                    f"or - not vendored `file.py`: why); got {line!r}")
            kind, target, reason = match.groups()
            entries.append([target, reason.strip(), (kind or "deselected").strip(), number])
        elif line.startswith("  ") and entries:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    for target, reason, _, number in entries:
        if not reason:
            raise pytest.UsageError(f"{path.name}:{number}: `{target}` needs a reason")
    return [(target, reason, kind) for target, reason, kind, _ in entries]


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
    for target, _, kind in entries:
        if kind == "not vendored":
            if (KERAS_TESTS / target).exists():
                raise pytest.UsageError(f"{DESELECTED.name}: keras_tests/{target} is listed as "
                                        f"not vendored but is there: remove one or the other")
        else:
            _check_exists(target, modules)
    deselect = [target for target, _, kind in entries if kind == "deselected"]
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
