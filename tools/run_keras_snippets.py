"""Run the snippet corpus (tests/keras_snippets/) under Keras 3 itself, to check that every
snippet is valid Keras code and to count how many Keras runs.

Each file is written for microdense by the import-only rule; this script undoes the rule
(`microdense` becomes `keras` in the import lines) and runs the result in a fresh process:

    KERAS_BACKEND=jax /work/kerasvenv/bin/python tools/run_keras_snippets.py
    KERAS_BACKEND=torch /tmp/kerasenv/bin/python tools/run_keras_snippets.py   # torch 2.13 CPU

It prints one line per snippet (ok, or the last line of the error) and the totals.
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDER = os.path.join(ROOT, "tests", "keras_snippets")
BACKEND = os.environ.get("KERAS_BACKEND", "jax")     # jax, or torch (KERAS_BACKEND=torch)


def to_keras(source):
    """`import microdense as keras` -> `import keras`; `from microdense.x import` -> keras.x."""
    lines = []
    for line in source.splitlines():
        if re.match(r"\s*(import|from)\s+microdense\b", line):
            line = line.replace("import microdense as keras", "import keras")
            line = re.sub(r"\bmicrodense\b", "keras", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def main():
    names = sorted(n for n in os.listdir(FOLDER) if n.endswith(".py"))
    passed = 0
    for name in names:
        with open(os.path.join(FOLDER, name)) as f:
            source = to_keras(f.read())
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, name)
            with open(path, "w") as f:
                f.write(source)
            result = subprocess.run([sys.executable, path], cwd=folder, capture_output=True,
                                    text=True, env={**os.environ, "KERAS_BACKEND": BACKEND})
        if result.returncode == 0:
            passed += 1
            print(f"ok    {name}")
        else:
            last = [line for line in result.stderr.splitlines() if line.strip()][-1:]
            print(f"FAIL  {name}: {last[0] if last else '?'}")
    print(f"Keras runs {passed} of {len(names)} snippets")


if __name__ == "__main__":
    main()
