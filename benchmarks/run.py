"""The speed suite: every workload, every version, as a ratio to hand-written numpy.

    ./dev.sh bench                  # installs the bench extra (PyTorch CPU), then runs this
    python benchmarks/run.py [--quick] [--no-wide] [--no-torch]

Method: each version of a workload runs a few warm-up steps, then `repeats` rounds; in each
round every version runs `number` steps back to back (versions interleaved, so drift in the
machine's speed hits all of them alike). A version's time is the median over rounds of its
mean step time, reported with the min-max spread over rounds; its ratio is that median over
the numpy baseline's median, measured in the same process.

PyTorch runs in a child process of its own, which times the numpy baseline again beside it
(its ratio is to that baseline). Two reasons: importing torch puts ~260,000 more objects in
the process, which every full garbage collection of microdense's graphs then walks (measured:
the chain's step took 2x longer with torch imported); and torch's OpenMP threads keep
spinning for a moment after each op, slowing whatever runs next. In the child, numpy and torch
rounds alternate as everywhere else (on a shared machine, drift between blocks of rounds was
the larger error: a torch median 40x its best round).

Peak memory is tracemalloc's peak during one step (numpy reports its allocations to
tracemalloc; PyTorch's allocator does not, so it has no memory column). The op table times one
recorded elementwise op against numpy's own call, interleaved the same way. The machine's load
average is printed before and after: on a shared machine, read the ratios, not the times.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import all_workloads  # noqa: E402

COLUMNS = [("numpy", "numpy by hand"), ("matmuls alone", "matmuls alone"),
           ("tensor", "Tensor"), ("sequential", "Sequential, eager (jit_compile=False)"),
           ("jit", "Sequential, default compile (replayed)"), ("torch", "PyTorch eager")]


def time_versions(functions, repeats, target_seconds):
    """{name: (median, min, max) seconds per call}, versions interleaved round by round."""
    numbers = {}
    for name, fn in functions.items():
        fn()                                           # warm-up (and first-call caches)
        start = time.perf_counter()
        fn()
        one = max(time.perf_counter() - start, 1e-7)
        numbers[name] = max(1, int(target_seconds / one))
    rounds = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            rounds[name].append((time.perf_counter() - start) / numbers[name])
    return {name: (float(np.median(t)), min(t), max(t)) for name, t in rounds.items()}


def peak_memory(fn):
    fn()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def format_time(seconds):
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} us"


def load():
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def settings(args, workload_name):
    """(rounds, seconds per round) for a workload."""
    if workload_name == "wide":
        return (3, 0.3) if args.quick else (7, 0.6)
    return (3, 0.05) if args.quick else (args.rounds, 0.1)


# ---- PyTorch, in a child process ------------------------------------------------------------

def torch_child(args):
    """Runs in the child: {workload: {"numpy": times, "torch": times}} as JSON on stdout."""
    results = {}
    for workload in all_workloads(include_wide=not args.no_wide, include_torch=True):
        if "torch" not in workload.steps:
            continue
        rounds, seconds = settings(args, workload.name)
        results[workload.name] = time_versions(
            {"numpy": workload.steps["numpy"], "torch": workload.steps["torch"]}, rounds, seconds)
    json.dump(results, sys.stdout)


def run_torch(args):
    """The child's results, or {} with the reason printed when PyTorch is not installed."""
    command = [sys.executable, os.path.abspath(__file__), "--torch-child",
               "--rounds", str(args.rounds)] + (["--quick"] if args.quick else []) + \
              (["--no-wide"] if args.no_wide else [])
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            print("PyTorch is not installed: no PyTorch column (`pip install -e .[bench]`, "
                  "or ./dev.sh bench, installs it).")
            return {}
    except ValueError:
        return {}
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


# ---- the per-op overhead --------------------------------------------------------------------

def op_rows():
    """(name, microdense's call, numpy's own call) for one op on a (32, 16) float32 tensor."""
    import microdense as md
    rng = np.random.default_rng(0)
    a = rng.normal(size=(32, 16)).astype(np.float32)
    b = rng.normal(size=(32, 16)).astype(np.float32)
    g = np.ones_like(a)
    x, y = md.Tensor(a, requires_grad=True), md.Tensor(b, requires_grad=True)

    def tanh_backward():
        md.tanh(x).backward(g)

    def numpy_tanh_backward():
        t = np.tanh(a)
        return g * (1 - t * t)

    def no_grad_tanh():
        with md.no_grad():
            md.tanh(x)
    scale = np.float32(1.5)
    return [("tanh (recorded)", lambda: md.tanh(x), lambda: np.tanh(a)),
            ("mul (recorded)", lambda: x * y, lambda: a * b),
            ("add (recorded)", lambda: x + y, lambda: a + b),
            ("mul by a Python float (recorded)", lambda: x * 1.5, lambda: a * scale),
            ("tanh under no_grad", no_grad_tanh, lambda: np.tanh(a)),
            ("tanh forward + backward", tanh_backward, numpy_tanh_backward)]


def op_table(args):
    """The op rows, interleaved: the median round, and the best one (least disturbed by other
    processes, which matters for a difference of a microsecond on a shared machine)."""
    repeats = 5 if args.quick else 41
    print(f"\nOne op on a (32, 16) float32 tensor ({load()}): {repeats * 5} interleaved "
          f"rounds of 500 calls, median (best)\n")
    print("| op | microdense | numpy | above numpy: median (best round) |")
    print("|---|---|---|---|")
    results = {}
    for name, ours, theirs in op_rows():
        rounds = {"ours": [], "numpy": []}
        functions = {"ours": ours, "numpy": theirs}
        for fn in functions.values():              # warm-up
            for _ in range(200):
                fn()
        number = 500                                # calls per round: ~1-5 ms
        for _ in range(repeats * 5):
            for key, fn in functions.items():
                start = time.perf_counter()
                for _ in range(number):
                    fn()
                rounds[key].append((time.perf_counter() - start) / number)
        mine, base = np.median(rounds["ours"]), np.median(rounds["numpy"])
        best = min(rounds["ours"]) - min(rounds["numpy"])
        results[name] = (mine - base, best)
        print(f"| {name} | {mine * 1e6:.2f} us | {base * 1e6:.2f} us | "
              f"**{(mine - base) * 1e6:+.2f} us** ({best * 1e6:+.2f} us) |")
    return results


# ---- the targets of issue 15 ----------------------------------------------------------------

def targets(ratios, torch_ratios, memory, ops):
    """(target, value, met) for each target that this run measured."""
    rows = []
    def ratio(workload, version):
        return ratios.get(workload, {}).get(version)
    for workload, limit in (("tiny", 2.5), ("mnist-mlp SGD", 1.0), ("deep 200", 2.0)):
        for version in ("sequential", "jit"):
            value = ratio(workload, version)
            if value is not None:
                rows.append((f"{workload}, {version} <= {limit}", f"{value:.2f}", value <= limit))
    value = ratio("mnist-mlp Adam", "sequential")
    if value is not None:
        rows.append(("mnist-mlp Adam, sequential <= 0.85 of naive numpy Adam", f"{value:.2f}",
                     value <= 0.85))
    for version, limit in (("tensor", 2.5), ("jit", 2.5)):
        value = ratio("chain 5,000", version)
        if value is not None:
            rows.append((f"chain, {version} <= {limit}", f"{value:.2f}", value <= limit))
    wide = ratios.get("wide")
    if wide and "matmuls alone" in wide:
        value = wide["sequential"] / wide["matmuls alone"]
        rows.append(("wide, sequential <= 1.10 of its matmuls alone", f"{value:.2f}",
                     value <= 1.10))
    for workload, theirs in torch_ratios.items():
        eager = "tensor" if workload.startswith("chain") else "sequential"
        for version in (eager, "jit"):
            ours = ratio(workload, version)
            if ours is not None:
                rows.append((f"{workload}: {version} ahead of PyTorch eager",
                             f"{ours:.2f} vs {theirs:.2f}", ours < theirs))
    if "tanh (recorded)" in ops:
        median, best = (seconds * 1e6 for seconds in ops["tanh (recorded)"])
        rows.append(("recording one elementwise op <= 1 us above numpy (tanh): median (best)",
                     f"{median:+.2f} us ({best:+.2f} us)", median <= 1.0))
    for workload in ("tiny", "deep 200"):
        for version in ("sequential", "jit"):
            value = memory.get(workload, {}).get(version)
            if value is not None:
                rows.append((f"{workload}: peak memory of {version} <= 1.5x", f"{value:.2f}x",
                             value <= 1.5))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--no-wide", action="store_true", help="skip the 4096-wide MLP")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--rounds", type=int, default=21, help="rounds per workload")
    parser.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_child:
        return torch_child(args)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}; {load()}")
    torch_times = {} if args.no_torch else run_torch(args)
    rows, ratios, memory = [], {}, {}
    for workload in all_workloads(include_wide=not args.no_wide, include_torch=False):
        functions = dict(workload.steps)
        functions.update(workload.extra)
        rounds, seconds = settings(args, workload.name)
        times = time_versions(functions, rounds, seconds)
        base = times["numpy"][0]
        ratios[workload.name] = {name: t[0] / base for name, t in times.items()}
        if workload.name in torch_times:
            child = torch_times[workload.name]
            times["torch"] = child["torch"]
            ratios[workload.name]["torch"] = child["torch"][0] / child["numpy"][0]
        peaks = {name: peak_memory(fn) for name, fn in workload.steps.items()}
        memory[workload.name] = {name: peak / peaks["numpy"] for name, peak in peaks.items()}
        rows.append((workload, times, peaks))
        print(f"  measured {workload.name} ({load()})", file=sys.stderr)

    print(f"\nTime per training step ({load()}): median of interleaved rounds, "
          f"**ratio to numpy by hand** (PyTorch: to numpy timed beside it), (min-max)\n")
    print("| workload | " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for workload, times, _ in rows:
        cells = []
        for column, _ in COLUMNS:
            if column not in times:
                cells.append("-")
                continue
            median, low, high = times[column]
            ratio = "" if column == "numpy" else \
                f" **{ratios[workload.name][column]:.2f}x**"
            cells.append(f"{format_time(median)}{ratio} ({format_time(low)}-{format_time(high)})")
        print(f"| {workload.name} | {' | '.join(cells)} |")
        if "numpy in-place" in times:
            median = times["numpy in-place"][0]
            print(f"|   numpy, Adam in place | {format_time(median)} "
                  f"**{ratios[workload.name]['numpy in-place']:.2f}x** | | "
                  f"{ratios[workload.name]['tensor'] / ratios[workload.name]['numpy in-place']:.2f}x"
                  f" of it | {ratios[workload.name]['sequential'] / ratios[workload.name]['numpy in-place']:.2f}x"
                  f" of it | | |")

    print("\nPeak memory of one step (tracemalloc), ratio to numpy by hand\n")
    versions = ["numpy", "numpy in-place", "tensor", "sequential", "jit"]
    print("| workload | " + " | ".join(versions) + " |")
    print("|---" * (len(versions) + 1) + "|")
    for workload, _, peaks in rows:
        print(f"| {workload.name} | " + " | ".join(
            f"{peaks[v] / 1e6:.3g} MB ({memory[workload.name][v]:.2f}x)" if v in peaks else "-"
            for v in versions) + " |")

    ops = op_table(args)
    torch_ratios = {name: r["torch"] for name, r in ratios.items() if "torch" in r}
    print(f"\nThe targets of issue 15 ({load()})\n")
    print("| target | this run | met |")
    print("|---|---|---|")
    for target, value, met in targets(ratios, torch_ratios, memory, ops):
        print(f"| {target} | {value} | {'yes' if met else '**no**'} |")


if __name__ == "__main__":
    main()
