#!/usr/bin/env bash
# The one script behind the README's commands. Idempotent: safe to run again and again.
#   ./dev.sh demo    set up, train a small model on built-in data, draw its graph into viz/
#   ./dev.sh test    set up, run the whole test suite (--quick: leave out the slow, browser,
#                    notebook and dask tiers, for the inner loop; any pytest arguments follow)
#   ./dev.sh viz     set up, regenerate the gallery in viz/ (every example)
#   ./dev.sh bench   set up (and the bench extra: PyTorch CPU), run the benchmark suite
# Set-up = the Graphviz `dot` program (apt-get as root; otherwise it prints the command),
# headless Chromium and its driver for the explorer page's browser tests (the same way),
# a virtual environment in .venv, and microdense installed into it with its test/plot extras.
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY="$VENV/bin/python"

install_graphviz() {
  command -v dot >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "dev.sh: installing Graphviz (the 'dot' program) with apt-get ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null
  else
    echo "dev.sh: Graphviz's 'dot' program is missing. Install it, then run this again:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install graphviz   macOS: brew install graphviz" >&2
    echo "  conda: conda install -c conda-forge graphviz" >&2
    exit 1
  fi
}

install_chromium() {
  # The explorer page's tests drive Debian's Chromium through chromedriver; nothing is
  # downloaded at test time. Without it those tests fail saying how to install it
  # (or skip, with MICRODENSE_SKIP_BROWSER=1).
  { command -v chromium || command -v chromium-browser; } >/dev/null 2>&1 \
    && command -v chromedriver >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "dev.sh: installing Chromium and chromium-driver (for the explorer's browser tests) with apt-get ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "dev.sh: Chromium and chromedriver are missing, so the explorer's browser tests will fail." >&2
    echo "  Debian/Ubuntu: sudo apt-get install chromium chromium-driver" >&2
    echo "  macOS: brew install --cask chromium chromedriver" >&2
    echo "  (or set MICRODENSE_SKIP_BROWSER=1 to skip those tests)" >&2
  fi
}

make_venv() {
  [ -x "$PY" ] && return
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$VENV"
    else
      echo "dev.sh: python3 cannot make a virtual environment: sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
}

install_package() {
  # Reinstall only when pyproject.toml changed since the last install.
  if [ ! -f "$VENV/.installed" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e ".[dev]"
    touch "$VENV/.installed"
  fi
}

setup() { install_graphviz; install_chromium; make_venv; install_package; }

install_bench() {
  # The benchmark compares with PyTorch eager in the same run: the bench extra pins torch.
  "$PY" -c "import torch" >/dev/null 2>&1 && return
  echo "dev.sh: installing the bench extra (PyTorch, CPU) ..."
  "$PY" -m pip install -q -e ".[dev,bench]"
}

case "${1:-}" in
  demo)  setup; "$PY" examples/00_demo.py ;;
  test)  setup; shift
         if [ "${1:-}" = "--quick" ]; then
           shift; "$PY" -m pytest -m "not slow and not browser and not notebook and not dask" "$@"
         else
           "$PY" -m pytest "$@"
         fi ;;
  viz)   setup; for f in examples/[0-9]*.py; do echo "== $f"; "$PY" "$f"; done ;;
  bench) setup; install_bench; shift; "$PY" benchmarks/run.py "$@" ;;
  setup) setup ;;
  *) echo "usage: ./dev.sh demo | test [pytest args] | viz | bench | setup" >&2; exit 2 ;;
esac
