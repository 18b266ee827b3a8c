"""How much faster a sweep gets with more worker processes, and what a run costs on Dask.

    python benchmarks/sweep.py                 # example 04 with n_jobs=1 and 2, then Dask
    python benchmarks/sweep.py --repeats 3 --fast --no-dask

1. Example 04 (its full settings unless --fast), wall time of the whole script (start-up,
   both sweeps, tables, pictures) with --n-jobs 1 and with --n-jobs 2, run alternately
   `repeats` times each, from a copy in a temporary folder (the gallery in viz/ is left
   alone). The speed-up is the ratio of the medians. Target on a 2-core machine: >= 1.7x.
2. The overhead of a run itself: a sweep of `runs` runs that do nothing, with n_jobs=2 on local
   worker processes (joblib's loky) and on a Dask LocalCluster of 2 worker processes (one
   thread each): wall time / runs, after a warm-up sweep (processes started, modules imported).

Timings on a shared machine are only as good as its quiet: the load average is printed before
and after; measure when it is well below the number of cores.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_average():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def example_seconds(folder, n_jobs, fast):
    """(wall, CPU) seconds of one run of example 04 (a fresh Python process, as a user runs
    it). CPU = user + system time of the script and its worker processes: what the work costs
    whatever else the machine is doing, so parallelism's own cost shows even on a busy box."""
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    command = [sys.executable, os.path.join(folder, "examples", "04_activation_sweep.py"),
               "--n-jobs", str(n_jobs)] + (["--fast"] if fast else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def speed_up(repeats, fast):
    folder = tempfile.mkdtemp(prefix="sweep_bench_")
    try:
        os.makedirs(os.path.join(folder, "examples"))
        os.makedirs(os.path.join(folder, "viz"))
        shutil.copy(os.path.join(REPO, "examples", "04_activation_sweep.py"),
                    os.path.join(folder, "examples"))
        times, cpus = {1: [], 2: []}, {1: [], 2: []}
        for _ in range(repeats):
            for n_jobs in (1, 2):                 # alternately: drift hits both alike
                wall, cpu = example_seconds(folder, n_jobs, fast)
                times[n_jobs].append(wall)
                cpus[n_jobs].append(cpu)
                print(f"  n_jobs={n_jobs}: {wall:.1f} s wall, {cpu:.1f} s CPU   "
                      f"(load {load_average()})", flush=True)
    finally:
        shutil.rmtree(folder)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"example 04{' --fast' if fast else ''}: n_jobs=1 {one:.1f} s, n_jobs=2 {two:.1f} s "
          f"(medians of {repeats}): speed-up {one / two:.2f}x (target >= 1.7x); CPU seconds "
          f"{statistics.median(cpus[1]):.1f} and {statistics.median(cpus[2]):.1f}")
    return one / two


def nothing(a, seed):
    return {"a": a}


def overhead(runs):
    import joblib
    from dask.distributed import Client, LocalCluster

    import microdense as md

    def per_run():
        md.experiments.sweep(nothing, {"a": list(range(runs))}, seeds=[0], n_jobs=2,
                             progress=False)                              # warm-up
        start = time.perf_counter()
        md.experiments.sweep(nothing, {"a": list(range(runs, 2 * runs))}, seeds=[0],
                             n_jobs=2, progress=False)
        return (time.perf_counter() - start) / runs

    local = per_run()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        with joblib.parallel_config(backend="dask"):
            dask = per_run()
    print(f"overhead per run ({runs} empty runs, 2 workers): local processes "
          f"{local * 1e3:.1f} ms, Dask LocalCluster {dask * 1e3:.1f} ms "
          f"(+{(dask - local) * 1e3:.1f} ms)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fast", action="store_true", help="example 04 --fast (a smoke test)")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--runs", type=int, default=200, help="empty runs for the overhead")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, load average before: {load_average()}")
    speed_up(args.repeats, args.fast)
    if not args.no_dask:
        overhead(args.runs)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    sys.path.insert(0, REPO)
    main()
