"""DESELECTED.md and the conftest that reads it: entries parse, every entry names a test that
exists (so none goes stale), and a stale or malformed entry stops the run."""
import importlib
import types

import pytest

from keras_suite import conftest


def write(tmp_path, text):
    path = tmp_path / "DESELECTED.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_entries_of_the_three_kinds_with_reasons_over_several_lines(tmp_path):
    path = write(tmp_path, "# title\n\nSome prose.\n```\n- `an/example.py`: not read\n```\n"
                           "## losses\n"
                           "- `losses/a_test.py::T::test_x`: a reason\n"
                           "- `losses/a_test.py::T`:\n  a reason on the next line\n"
                           "  and one more.\n"
                           "- adapted `losses/a_test.py::T::test_y`: import moved\n"
                           "- not vendored `losses/b_test.py`: imports jax\n")
    assert conftest.read_entries(path) == [
        ("losses/a_test.py::T::test_x", "a reason", "deselected"),
        ("losses/a_test.py::T", "a reason on the next line and one more.", "deselected"),
        ("losses/a_test.py::T::test_y", "import moved", "adapted"),
        ("losses/b_test.py", "imports jax", "not vendored")]


def test_a_malformed_entry_or_one_without_a_reason_stops_the_run(tmp_path):
    with pytest.raises(pytest.UsageError, match="an entry is written"):
        conftest.read_entries(write(tmp_path, "- losses/a_test.py::T::test_x: no backticks\n"))
    with pytest.raises(pytest.UsageError, match="needs a reason"):
        conftest.read_entries(write(tmp_path, "- `losses/a_test.py::T::test_x`:\n"))


def test_an_entry_naming_a_missing_file_class_or_test_stops_the_run():
    module = types.SimpleNamespace(LossTest=type("LossTest", (), {"test_reduction": None}))
    modules = {"losses/loss_test.py": module}
    conftest._check_exists("losses/loss_test.py::LossTest::test_reduction", modules)
    with pytest.raises(pytest.UsageError, match="has no 'test_gone'"):
        conftest._check_exists("losses/loss_test.py::LossTest::test_gone", modules)
    with pytest.raises(pytest.UsageError, match="no file keras_tests/losses/nope_test.py"):
        conftest._check_exists("losses/nope_test.py::LossTest", modules)


def test_every_entry_of_the_real_list_names_what_exists():
    """Checked here for all files at once (a run of one file checks only its own entries)."""
    for target, reason, kind in conftest.read_entries():
        filename, *names = target.split("::")
        if kind == "not vendored":
            assert not (conftest.KERAS_TESTS / filename).exists(), target
            continue
        assert (conftest.KERAS_TESTS / filename).is_file(), target
        module_name = "keras_suite.keras_tests." + filename[:-3].replace("/", ".")
        owner = importlib.import_module(module_name)
        for name in names:
            assert hasattr(owner, name), target
            owner = getattr(owner, name)
        assert len(reason) > 10, f"{target}: say why"
