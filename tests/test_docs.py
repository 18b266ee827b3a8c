"""The README and docs/ say what is true: their code runs, their links lead somewhere, and the
README stays a front door (under 250 lines).

Code blocks, by their fence:
    ```python           runs. The blocks of one file run in order, in one namespace, in a
                        fresh temporary working directory, so a later block uses what an
                        earlier one made. A number the text states is asserted in the block;
                        a UserWarning or RuntimeWarning fails the test (the text would be
                        teaching a misuse).
    ```python no-run    is shown, never run (it needs a cluster, or takes minutes).
    ```text output      is what the python block just before it prints, exactly.
Any other fence (```bash, ```text) is only shown.

A page that renders (draw_graph(...).render, plot_model, explore) needs Graphviz's `dot`: its
test fails without it, as the rendering tests do, unless MICRODENSE_SKIP_RENDER=1.
"""
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import warnings

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs")
README = os.path.join(REPO, "README.md")
README_MAX_LINES = 250

FENCE = re.compile(r"^( *)```(.*)$")


def doc_files():
    names = sorted(name for name in os.listdir(DOCS) if name.endswith(".md"))
    return [README] + [os.path.join(DOCS, name) for name in names]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def relative(path):
    return os.path.relpath(path, REPO)


def code_blocks(path):
    """Every fenced block of a Markdown file: (info string, code, line number of the fence).
    A fence may be indented (a block inside a list item); its indentation is taken off."""
    blocks, lines = [], read(path).splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, info, start = len(opening.group(1)), opening.group(2).strip(), i + 1
        body = []
        i += 1
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        assert i < len(lines), f"{relative(path)}:{start}: a ``` block is never closed"
        blocks.append((info, "\n".join(body) + "\n", start))
        i += 1
    return blocks


def links(path):
    """The targets of the Markdown links and images in a file, outside code blocks."""
    text = read(path)
    text = re.sub(r"^ *```.*?^ *```", "", text, flags=re.S | re.M)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


# ---- the README is a front door -----------------------------------------------------------

def test_readme_is_under_250_lines():
    count = len(read(README).splitlines())
    assert count < README_MAX_LINES, (
        f"README.md has {count} lines; keep it under {README_MAX_LINES}: move detail into docs/")


def test_readme_starts_with_the_two_commands_dev_sh_runs():
    text = read(README)
    first_block = next(code for info, code, _ in code_blocks(README) if info == "bash")
    assert "./dev.sh demo" in first_block and "./dev.sh test" in first_block
    assert text.index("./dev.sh demo") < text.index("## ")   # before any section
    script = read(os.path.join(REPO, "dev.sh"))
    for command in set(re.findall(r"\./dev\.sh (\w+)", text)):     # demo, test, viz, bench
        assert re.search(rf"^\s*{command}\)", script, re.M), f"dev.sh has no `{command}`"
    assert '"--quick"' in script                  # ./dev.sh test --quick, as the README says


def test_readme_links_every_page_of_docs():
    pages = {name for name in os.listdir(DOCS) if name.endswith(".md")}
    linked = {os.path.basename(target.split("#")[0]) for target in links(README)
              if target.startswith("docs/")}
    assert pages - linked == set(), f"README.md's map of docs/ leaves out {pages - linked}"
    assert {"engine.md", "trace.md", "keras.md", "experiments.md", "performance.md",
            "saving.md"} <= pages


def anchors(path):
    """The anchors GitHub makes for a Markdown file's headings: lower case, punctuation
    dropped, spaces made hyphens ("## How a step is replayed" -> how-a-step-is-replayed)."""
    text = read(path)
    text = re.sub(r"^ *```.*?^ *```", "", text, flags=re.S | re.M)
    headings = re.findall(r"^#+ +(.+?) *$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("path", doc_files(), ids=relative)
def test_every_relative_link_points_to_an_existing_file_and_heading(path):
    missing = []
    for target in links(path):
        if re.match(r"[a-z]+:", target):
            continue                                  # a web address
        file_part, _, anchor = target.partition("#")
        linked = os.path.join(os.path.dirname(path), file_part) if file_part else path
        if not os.path.exists(linked):
            missing.append(target)
        elif anchor and linked.endswith(".md") and anchor not in anchors(linked):
            missing.append(target)
    assert missing == [], f"{relative(path)} links to files or headings that do not exist: {missing}"


def prose_code(path):
    """The `code spans` of a Markdown file's text, outside code blocks."""
    text = re.sub(r"^ *```.*?^ *```", "", read(path), flags=re.S | re.M)
    return re.findall(r"`([^`\n]+)`", text)


@pytest.mark.parametrize("path", doc_files(), ids=relative)
def test_every_md_name_in_the_text_exists(path):
    """`md.saving.ModelFileError`, `md.diagnostics.layer_report`, ...: when a name moves, the
    text must follow."""
    import microdense as md

    missing = []
    for span in prose_code(path):
        for dotted in re.findall(r"(?<![\w.])md\.([A-Za-z_][\w.]*\w)", span):
            owner = md
            for part in dotted.split("."):
                owner = getattr(owner, part, None)
            if owner is None:
                missing.append(f"md.{dotted}")
    assert missing == [], f"{relative(path)} names what microdense does not have: {missing}"


@pytest.mark.parametrize("path", doc_files(), ids=relative)
def test_every_file_path_in_the_text_exists(path):
    """`tests/test_replay.py`, `python benchmarks/phases.py`: a file the text names is there."""
    missing = []
    for span in prose_code(path):
        for name in re.findall(r"(?<![\w./])((?:[\w-]+/)+[\w-]+\.(?:py|md|txt|ipynb))\b", span):
            if not os.path.exists(os.path.join(REPO, name)):
                missing.append(name)
    assert missing == [], f"{relative(path)} names files that do not exist: {missing}"


@pytest.mark.parametrize("path", doc_files(), ids=relative)
def test_every_code_block_says_how_it_is_used(path):
    """A python block runs unless it says no-run; a typo in the fence must not hide it."""
    known = {"python", "python no-run", "text", "text output", "bash"}
    for info, _, line in code_blocks(path):
        assert info in known, f"{relative(path)}:{line}: unknown fence ```{info} (use one of {known})"


# ---- the code blocks run ------------------------------------------------------------------

RENDERS = re.compile(r"\.render\(|plot_model\(|explore\(")


def require_dot(path, code):
    if not RENDERS.search(code) or shutil.which("dot"):
        return
    if os.environ.get("MICRODENSE_SKIP_RENDER") == "1":
        pytest.skip(f"MICRODENSE_SKIP_RENDER=1: {relative(path)} renders graphs (no `dot`).")
    pytest.fail(f"{relative(path)} renders graphs and Graphviz's `dot` is not on PATH. Install "
                "it (apt-get install graphviz) or set MICRODENSE_SKIP_RENDER=1 to skip.")


@pytest.mark.parametrize("path", doc_files(), ids=relative)
def test_python_blocks_run_and_print_what_the_text_shows(path, tmp_path, monkeypatch):
    import microdense as md

    require_dot(path, "".join(code for info, code, _ in code_blocks(path) if info == "python"))
    monkeypatch.chdir(tmp_path)
    md.utils.set_random_seed(0)
    md.backend.clear_session()          # layer names start at `dense`, as in a fresh Python
    namespace = {"__name__": "__docs__"}
    printed, ran = None, 0
    for info, code, line in code_blocks(path):
        where = f"{relative(path)}:{line}"
        if info == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out), warnings.catch_warnings():
                # microdense's warnings mean the text teaches a misuse; others' deprecations
                # (numpy, graphviz, joblib) are not the docs' to fix
                warnings.simplefilter("error", UserWarning)
                warnings.simplefilter("error", RuntimeWarning)
                try:
                    exec(compile(code, where, "exec"), namespace)
                except Exception as error:
                    raise AssertionError(f"the python block at {where} fails: {error!r}") from error
            printed, ran = out.getvalue(), ran + 1
        elif info == "text output":
            assert printed is not None, f"{where}: a ```text output block follows no python block"
            assert printed.strip() == code.strip(), (
                f"{where}: the block above prints\n{printed}\nnot what the text shows")
            printed = None
        else:
            printed = None
    if path == README:
        assert ran >= 2


# ---- the explorer's screenshot can be made again ------------------------------------------

def png_size(path):
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.mark.browser
@pytest.mark.slow
def test_the_readme_screenshot_of_the_explorer_is_remade_by_its_tool(tmp_path, monkeypatch,
                                                                       capsys):
    """README.md shows viz/explorer.png and says `python tools/explorer_screenshot.py` remakes
    it: the tool runs (headless Chromium, the page's console free of errors) and makes a
    screenshot of the committed one's size."""
    import sys
    sys.path.insert(0, REPO)
    from tools import chromium, explorer_screenshot

    readme = read(README)
    assert "viz/explorer.png" in readme and "tools/explorer_screenshot.py" in readme
    try:
        chromium.find_programs()
    except chromium.BrowserNotFound as missing:
        if os.environ.get("MICRODENSE_SKIP_BROWSER") == "1":
            pytest.skip(f"MICRODENSE_SKIP_BROWSER=1: {missing}")
        pytest.fail(str(missing))
    monkeypatch.setattr(explorer_screenshot, "VIZ", str(tmp_path))
    explorer_screenshot.main()
    remade = tmp_path / "explorer.png"
    assert png_size(remade) == png_size(os.path.join(REPO, "viz", "explorer.png"))
    assert (tmp_path / "explorer_quickstart.html").stat().st_size > 10_000


@pytest.mark.slow
def test_the_count_of_keras_tests_the_docs_give_is_the_suites():
    """README.md and docs/keras.md say how many of Keras's own tests pass: every test the
    suite selects must pass (the suite fails otherwise), so the count is what it collects."""
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-o",
                           "addopts=", "-p", "no:cacheprovider", "tests/keras_suite"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    count = sum("keras_tests/" in line and "::" in line for line in done.stdout.splitlines())
    with open(README) as f:
        readme = " ".join(f.read().split())
    with open(os.path.join(DOCS, "keras.md")) as f:
        keras_md = " ".join(f.read().split())
    assert f"**Keras's own unit tests pass**: {count} of them" in readme
    assert f"through a shim that points Keras's imports at microdense's modules: {count} pass" \
        in keras_md
