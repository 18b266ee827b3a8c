"""The speed suite: every workload, every version, as a ratio to hand-written numpy.

    ./dev.sh bench                  # or: python benchmarks/run.py [--quick] [--no-wide]

Method: each version of a workload runs a few warm-up steps, then `repeats` rounds; in each
round every version runs `number` steps back to back (versions interleaved, so drift in the
machine's speed hits all of them alike). PyTorch runs its rounds afterwards, on its own: its
OpenMP threads keep spinning after each op and would slow whatever ran next. A version's time is the median over rounds of its
mean step time, reported with the min-max spread over rounds; its ratio is that median over
the numpy baseline's median, measured in the same process. Peak memory is tracemalloc's peak
during one step (numpy reports its allocations to tracemalloc).
"""
import argparse
import os
import platform
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workloads import all_workloads  # noqa: E402


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--no-wide", action="store_true", help="skip the 4096-wide MLP")
    parser.add_argument("--memory", action="store_true", help="also report peak memory")
    args = parser.parse_args(argv)
    # Many short rounds: a virtual machine's bursts of noise then move the median little.
    repeats, target = (3, 0.05) if args.quick else (21, 0.1)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}")
    columns = ["numpy", "tensor", "sequential", "torch"]
    print(f"| workload | {' | '.join(columns)} |")
    print("|---" * (len(columns) + 1) + "|")
    for workload in all_workloads(include_wide=not args.no_wide):
        functions = {name: fn for name, fn in workload.steps.items() if name != "torch"}
        functions.update(workload.extra)
        wide = workload.name == "wide"
        rounds, seconds = (7, 0.3) if wide else (repeats, target)
        times = time_versions(functions, rounds, seconds)
        if "torch" in workload.steps:
            times.update(time_versions({"torch": workload.steps["torch"]}, rounds, seconds))
        base = times["numpy"][0]
        cells = []
        for column in columns:
            if column not in times:
                cells.append("-")
                continue
            median, low, high = times[column]
            ratio = "" if column == "numpy" else f" **{median / base:.2f}x**"
            cells.append(f"{format_time(median)}{ratio} ({format_time(low)}-{format_time(high)})")
        print(f"| {workload.name} | {' | '.join(cells)} |")
        for name in workload.extra:
            median = times[name][0]
            ours = times["tensor"][0]
            print(f"|   {name} | {format_time(median)} | tensor = {ours / median:.2f}x of "
                  f"{name}; numpy = {base / median:.2f}x | | |")
        if args.memory and not wide:
            # tracemalloc sees numpy's allocations, not PyTorch's: no torch column here
            peaks = {name: peak_memory(fn) for name, fn in workload.steps.items()
                     if name != "torch"}
            print(f"|   peak memory | " + " | ".join(
                f"{peaks[c] / 1e6:.2f} MB ({peaks[c] / peaks['numpy']:.2f}x)" if c in peaks
                else "-" for c in columns) + " |")


if __name__ == "__main__":
    main()
