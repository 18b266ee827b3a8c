"""The README's reading path: the engine in one sitting, as the README lists it.

The files it names are the ones a learner reads first; their sizes are as the README says
(within a few lines), under about 900 lines together, and none of them says a word about speed:
whatever exists only for speed lives in modules named for it (replay.py)."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPEED_WORDS = re.compile(r"\b(fast|faster|fastest|speed|slow|slower|microseconds?|ns|us|µs|"
                         r"cache[ds]?|overhead|cheap|cheaper|performance|hot path)\b",
                         re.IGNORECASE)


def _reading_path():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("**In one sitting", 1)[1].split("**Then", 1)[0]
    return [(path, int(lines)) for path, lines in
            re.findall(r"\]\((microdense/[^)]+\.py)\) \((\d+) lines\)", section)]


def _lines(path):
    return len((ROOT / path).read_text().splitlines())


def test_the_readme_names_the_engine_files_with_their_sizes():
    path = _reading_path()
    assert [p for p, _ in path] == ["microdense/tensor.py", "microdense/ops/op.py",
                                    "microdense/engine.py", "microdense/trace.py"]
    for file, stated in path:
        assert abs(_lines(file) - stated) <= 5, \
            f"README says {file} has {stated} lines; it has {_lines(file)}: update the README"


def test_the_engine_is_read_in_one_sitting():
    total = sum(_lines(file) for file, _ in _reading_path())
    assert total <= 920, f"the reading path is {total} lines; it should stay about 900"


def test_the_reading_path_says_nothing_about_speed():
    for file, _ in _reading_path():
        for number, line in enumerate((ROOT / file).read_text().splitlines(), 1):
            found = SPEED_WORDS.search(line)
            assert not found, f"{file}:{number} speaks of speed ({found.group(0)!r}): {line.strip()}"
