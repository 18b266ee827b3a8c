"""sweep(): run a function over a grid of configs and seeds, on every core or a Dask cluster.

    results = md.experiments.sweep(run, grid={"activation": ["relu", "tanh"]},
                                   seeds=range(3), n_jobs=-1, log="runs.jsonl")

The work is done by joblib, as in scikit-learn: n_jobs=-1 uses every core (local worker
processes, joblib's default "loky" backend), n_jobs=1 runs here, in this process, one run after
the other; inside `joblib.parallel_config(backend="dask")` with a dask.distributed Client the
same call runs on the cluster's workers. microdense adds what joblib leaves to its user:
- the log: each finished run is appended as it finishes (runlog.py), and runs already in it
  are skipped, so a killed sweep picks up where it stopped;
- failures stay local: a run that raises is recorded with its error (worker.py), and a worker
  process that dies takes only its own run with it (see _run_all below);
- stopping: Ctrl-C or SIGTERM stops the worker processes with the sweep (joblib would leave
  them running) and closes the log; run the sweep again to go on;
- errors before the first run, not after an hour: a grid the JSON log cannot hold, a function
  whose parameters do not match the grid, or one that cannot be sent to a worker.
"""
import contextlib
import signal
import threading
import warnings

from microdense.experiments.grid import check_signature, expand
from microdense.experiments.progress import Progress
from microdense.experiments.results import Results
from microdense.experiments.runlog import RunLog
from microdense.experiments.worker import run_one

# What a dead worker process looks like to joblib's caller: loky's and Dask's names for it
# (matched by name, so Dask need not be installed). Not loky's BrokenProcessPool in general:
# it also means "a worker could not unpickle the task", which retrying would not fix.
WORKER_DIED = ("TerminatedWorkerError", "KilledWorker")


def sweep(fn, grid, seeds=None, n_jobs=-1, log=None, retry_failed=False, progress=True):
    """Run fn(**config, seed=seed) for every config of `grid` and every seed; return Results.

    grid: {name: [values]} (every combination) or a list of such dicts; values must be plain
        (str, int, float, bool, None, lists/dicts of them) because each run is logged as JSON.
    seeds: integers, e.g. range(3); each run seeds md's random generator with its seed before
        calling fn, and gets seed= too. None: fn gets no seed (the generator is seeded with 0).
    n_jobs: as scikit-learn's: -1 = every core (or every Dask worker thread), 1 = this process.
    log: a JSON-lines file; finished runs are appended as they finish, runs already there are
        not run again (failed ones neither, unless retry_failed=True).
    progress: show runs done/total, failed, elapsed, ETA on stderr.

    fn returns a dict. Plain values (numbers, lists, strings) go to the log and the Results;
    other objects (a model) come back in the Results only, if they pickle.
    """
    joblib = _import_joblib()
    tasks = expand(grid, seeds)
    check_signature(fn, tasks)
    _check_backend(joblib, fn, n_jobs)

    runlog = RunLog(log) if log is not None else None
    logged = runlog.read() if runlog is not None else {}
    records = {}
    for task in tasks:
        record = logged.get(task.key)
        if record is not None and (record["status"] == "ok" or not retry_failed):
            records[task.key] = record
    pending = [task for task in tasks if task.key not in records]

    failed_before = sum(r["status"] != "ok" for r in records.values())
    meter = Progress(len(tasks), len(records), failed_before, enabled=progress)
    if records:
        meter.say(f"sweep: {len(records)} of {len(tasks)} runs are already in {log}; "
                  f"running the other {len(pending)}")

    def finished(record, objects):
        if runlog is not None:
            runlog.append(record)
        for name, why in record.get("not_returned", {}).items():
            warnings.warn(f"Run {record['config']} seed {record['seed']}: its {name!r} {why}.",
                          stacklevel=3)
        record = dict(record, result=dict(record["result"] or {}, **objects)) if objects else record
        records[record["key"]] = record
        meter.update(record)

    try:
        with _sigterm_as_ctrl_c():
            _run_all(joblib, fn, pending, n_jobs, finished)
    finally:
        meter.close()
        if runlog is not None:
            runlog.close()
    return Results([records[task.key] for task in tasks])


@contextlib.contextmanager
def _sigterm_as_ctrl_c():
    """While the runs go on, SIGTERM (`kill`, a job scheduler's stop) ends the sweep as Ctrl-C
    does: a KeyboardInterrupt, on which joblib stops its worker processes, and the `finally`
    above closes the log (every finished run is already on disk). Without this, SIGTERM ends
    this process at once and leaves the workers running. A handler of the caller's own is
    left alone, and so is every thread but the main one (only it may set handlers)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt("the sweep received SIGTERM")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_all(joblib, fn, tasks, n_jobs, finished):
    """Run every task, calling finished(record, objects) as each one ends, in any order.

    When a worker process dies (a segfault, the out-of-memory killer, os._exit), joblib and
    Dask abandon the whole batch and cannot say which run killed it. The runs that were still
    going are then run again one at a time, so a run that kills its worker alone is the one
    recorded as failed; once it is found, the rest go back to running side by side.
    """
    pending = list(tasks)
    suspects = 0                         # how many of the first pending runs to try alone
    while pending:
        alone = suspects > 0
        batch = pending[:1] if alone else pending
        runs = _parallel(joblib, fn, batch, n_jobs)
        try:
            for record, objects in runs:
                pending = [t for t in pending if t.key != record["key"]]
                finished(record, objects)
            suspects = max(suspects - 1, 0)
        except Exception as error:
            if not any(cls.__name__ in WORKER_DIED for cls in type(error).__mro__):
                raise
            if alone:                    # it died on its own: this run is the one
                task = pending.pop(0)
                finished(_died(task, error), {})
                suspects = 0
            else:                        # joblib dispatches in order: the first few were running
                suspects = 2 * joblib.effective_n_jobs(n_jobs)
        finally:
            # Leaving early (Ctrl-C, SIGTERM, an error) closes joblib's generator, which kills
            # the worker processes; left to the garbage collector it would not run while the
            # exception's traceback (kept by Jupyter, or an `except` block) holds it.
            runs.close()


def _parallel(joblib, fn, tasks, n_jobs):
    """(record, objects) per task, as each finishes. batch_size=1: a run is seconds of work, so
    sending runs one by one costs nothing and keeps the in-flight runs the first pending ones."""
    parallel = joblib.Parallel(n_jobs=n_jobs, batch_size=1, return_as="generator_unordered")
    return parallel(joblib.delayed(run_one)(fn, task) for task in tasks)


def _died(task, error):
    message = f"the worker running this run died ({type(error).__name__}: {error})"
    return {"key": task.key, "config": task.config, "seed": task.seed, "status": "failed",
            "result": None, "seconds": None, "worker": None, "error": message}


# ---- checks before the first run -------------------------------------------------------------

def _import_joblib():
    try:
        import joblib
        import threadpoolctl  # noqa: F401  (each run limits BLAS to one thread with it)
    except ImportError as error:
        raise ImportError(f"md.experiments.sweep needs joblib and threadpoolctl ({error}): "
                          f"pip install 'microdense[experiments]'") from None
    return joblib


def _check_backend(joblib, fn, n_jobs):
    """Refuse, before any run, a backend that cannot stream results back, and a function that
    cannot be sent to worker processes or a cluster."""
    backend, _ = joblib.parallel.get_active_backend()
    name = type(backend).__name__
    if getattr(backend, "uses_threads", False):
        return                           # threads of this process: nothing is sent anywhere
    if joblib.effective_n_jobs(n_jobs) == 1 and name in ("LokyBackend", "MultiprocessingBackend"):
        return                           # with one job they run in this process instead
    if not backend.supports_return_generator:
        raise ValueError(f"The joblib backend {name} cannot hand back runs as they finish, "
                         f"which the sweep needs to log each one at once. Use the default "
                         f"'loky' backend, 'threading', or 'dask'.")
    # loky and Dask send functions with cloudpickle: lambdas and closures travel, but not a
    # function holding a lock, an open file, a generator, a database connection, ...
    try:
        import cloudpickle                      # joblib >= 1.5 depends on it
    except ImportError:
        from joblib.externals import cloudpickle   # older joblib carries its own copy
    try:
        cloudpickle.dumps(fn)
    except Exception as error:
        raise TypeError(
            f"The sweep's function {getattr(fn, '__name__', fn)!r} cannot be sent to the "
            f"worker processes ({name}): {type(error).__name__}: {error}. Define it at the top "
            f"level of a module with `def`, and create what it needs (data, files, "
            f"connections) inside it rather than capturing them; or run in this process "
            f"with n_jobs=1.") from None
