"""md.experiments.sweep: grids, the crash-safe log, failures, reproducibility on every backend
(this process, local worker processes, a real Dask LocalCluster), progress, Results, and
pickling models so workers can send them back.

The functions a sweep runs are defined at the top of this module, so worker processes (which
import this module by name) find them.
"""
import io
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import microdense as md
from microdense.experiments.grid import expand, run_key
from microdense.experiments.progress import Progress, clock
from microdense.layers import Dense, Input
from microdense.models import Sequential

try:
    import joblib                                  # the experiments extra (in dev)
except ImportError:                                # a real failure, never a skip
    raise ImportError("tests/test_experiments.py needs joblib: ./dev.sh setup, or "
                      "pip install -e '.[dev]'") from None

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(REPO, "examples")


# ---- functions the sweeps run (module level, so workers can import them) ---------------------

def scaled_swish(x):
    """A module-level custom activation: pickles by reference."""
    return x * md.sigmoid(1.5 * x)


def tiny_training(activation, width, seed):
    """A real (small) training run whose numbers depend on the seed and on layer names."""
    x = np.random.default_rng(123).standard_normal((48, 4)).astype("float32")
    y = md.utils.to_categorical((x[:, 0] * x[:, 1] > 0).astype(int), 2)
    model = Sequential([Input((4,)), Dense(width, activation=activation),
                        Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    return {"loss": history.history["loss"][-1], "curve": history.history["loss"],
            "kernel": model.get_weights()[0].ravel()[:5],
            "layers": [layer.name for layer in model.layers], "pid": os.getpid()}


def arithmetic(a, b, seed):
    """Known numbers: value = 10 a + seed; fails for b == 'bad'."""
    if b == "bad":
        raise ValueError(f"b={b} is not allowed")
    return {"value": 10 * a + seed, "curve": [a, a + seed],
            "draw": float(md.utils.get_rng().random())}


def count_calls(a, seed, calls_file):
    with open(calls_file, "a") as f:
        f.write(f"{a},{seed}\n")
    return {"value": a + seed}


def dies_on_three(a, seed):
    """Kills its own worker process (as a segfault or the OOM killer would) for a == 3, seed 0."""
    if a == 3 and seed == 0:
        os._exit(7)
    return {"value": a * 100 + seed}


def blas_threads(a, seed):
    from threadpoolctl import threadpool_info
    return {"threads": [lib["num_threads"] for lib in threadpool_info()
                        if lib["user_api"] == "blas"]}


def trained_model(seed):
    md.utils.set_random_seed(seed)
    model = Sequential([Input((3,)), Dense(4, activation=scaled_swish), Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((8, 3), "float32"), np.zeros((8, 1), "float32"), epochs=2, verbose=0)
    return {"model": model, "loss": model.evaluate(np.ones((8, 3), "float32"),
                                                   np.zeros((8, 1), "float32"), verbose=0)}


def calls_in_log(path):
    """[record] of every complete line of a JSON-lines log."""
    with open(path) as f:
        lines = f.read().split("\n")
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    return records


# ---- the grid -------------------------------------------------------------------------------

def test_grid_expands_every_combination_times_every_seed_in_order():
    tasks = expand({"a": [1, 2], "b": ["x", "y", "z"]}, seeds=range(2))
    assert [(t.config["a"], t.config["b"], t.seed) for t in tasks] == [
        (a, b, s) for a in (1, 2) for b in "xyz" for s in (0, 1)]
    # A list of grids (scikit-learn's ParameterGrid): their runs one after the other.
    tasks = expand([{"a": [1], "b": ["x", "y"]}, {"a": [2], "b": ["z"]}])
    assert [(t.config["a"], t.config["b"], t.seed) for t in tasks] == [
        (1, "x", None), (1, "y", None), (2, "z", None)]


def test_run_key_does_not_depend_on_the_order_names_are_written():
    assert run_key({"a": 1, "b": "x"}, 0) == run_key({"b": "x", "a": 1}, 0)
    assert run_key({"a": 1}, 0) != run_key({"a": 1}, 1)
    # numpy scalars in the grid become plain numbers, the same run as the Python number.
    (task,) = expand({"a": [np.int64(3)]}, seeds=[np.int32(1)])
    assert task.key == run_key({"a": 3}, 1)


@pytest.mark.parametrize("grid, message", [
    ({"activation": ["relu", scaled_swish]}, r"grid\['activation'\]\[1\] is <function"),
    ({"activation": "relu"}, r"should be a list of values.*\['relu'\]"),
    ({"a": []}, "is empty"),
    ({"not a name": [1]}, "valid Python name"),
    ({"a": [1, 1]}, "appears twice"),
    ({"a": {1, 2}}, "is a set; use a list"),
])
def test_a_bad_grid_is_refused_before_any_run(tmp_path, grid, message):
    calls = tmp_path / "calls.txt"
    fn = lambda activation=None, a=None, seed=None, **kw: count_calls(1, 0, calls)  # noqa: E731
    with pytest.raises((TypeError, ValueError), match=message):
        md.experiments.sweep(fn, grid, seeds=[0], n_jobs=1, log=tmp_path / "log.jsonl")
    assert not calls.exists() and not (tmp_path / "log.jsonl").exists()


def test_a_grid_name_the_function_does_not_take_is_refused_with_the_closest_name():
    with pytest.raises(TypeError, match="Did you mean 'width' for 'widht'"):
        md.experiments.sweep(tiny_training, {"activation": ["relu"], "widht": [3]},
                             seeds=[0], n_jobs=1)
    with pytest.raises(TypeError, match="needs a `seed` parameter"):
        md.experiments.sweep(lambda a: {}, {"a": [1]}, seeds=[0], n_jobs=1)


def test_a_function_that_cannot_be_sent_to_workers_is_refused_before_any_run(tmp_path):
    lock = threading.Lock()

    def holds_a_lock(a, seed):              # a closure over a lock: cloudpickle cannot send it
        with lock:
            return {"a": a}

    with pytest.raises(TypeError, match="cannot be sent to the worker processes.*top level"):
        md.experiments.sweep(holds_a_lock, {"a": [1, 2]}, seeds=[0], n_jobs=2,
                             log=tmp_path / "log.jsonl")
    assert not (tmp_path / "log.jsonl").exists()
    # The same function is fine in this process (n_jobs=1): nothing is sent.
    assert len(md.experiments.sweep(holds_a_lock, {"a": [1, 2]}, seeds=[0], n_jobs=1,
                                    progress=False).ok) == 2


def test_a_lambda_travels_to_worker_processes_with_cloudpickle():
    results = md.experiments.sweep(lambda a, seed: {"v": a * 2 + seed, "pid": os.getpid()},
                                   {"a": [1, 2]}, seeds=[0, 1], n_jobs=2, progress=False)
    assert [r["result"]["v"] for r in results.runs] == [2, 3, 4, 5]
    assert all(r["result"]["pid"] != os.getpid() for r in results.runs)


def test_a_backend_that_cannot_stream_results_is_refused():
    with joblib.parallel_config(backend="multiprocessing"):
        with pytest.raises(ValueError, match="cannot hand back runs as they finish.*loky"):
            md.experiments.sweep(arithmetic, {"a": [1], "b": ["x"]}, seeds=[0], n_jobs=2)


# ---- failures and the log -------------------------------------------------------------------

def test_a_run_that_raises_is_logged_as_failed_with_its_error_and_the_sweep_goes_on(tmp_path):
    log = tmp_path / "runs.jsonl"
    results = md.experiments.sweep(arithmetic, {"a": [1, 2], "b": ["bad", "ok"]},
                                   seeds=[0, 1], n_jobs=1, log=log, progress=False)
    assert len(results.failed) == 4 and len(results.ok) == 4
    records = calls_in_log(log)
    assert len(records) == 8
    failed = [r for r in records if r["status"] == "failed"]
    assert {r["config"]["b"] for r in failed} == {"bad"}
    assert all(r["error"] == "ValueError: b=bad is not allowed" for r in failed)
    assert all("in arithmetic" in r["traceback"] for r in failed)


def test_a_worker_that_dies_costs_only_its_own_run(tmp_path):
    log = tmp_path / "runs.jsonl"
    results = md.experiments.sweep(dies_on_three, {"a": [1, 2, 3, 4, 5]}, seeds=[0, 1],
                                   n_jobs=2, log=log, progress=False)
    assert [(r["config"]["a"], r["seed"]) for r in results.failed] == [(3, 0)]
    assert "the worker running this run died (TerminatedWorkerError" in results.failed[0]["error"]
    assert {(r["config"]["a"], r["seed"]): r["result"]["value"] for r in results.ok} == {
        (a, s): a * 100 + s for a in (1, 2, 3, 4, 5) for s in (0, 1) if (a, s) != (3, 0)}
    keys = [r["key"] for r in calls_in_log(log)]
    assert sorted(keys) == sorted(t.key for t in expand({"a": [1, 2, 3, 4, 5]}, [0, 1]))


def test_rerunning_with_the_same_log_skips_finished_runs(tmp_path):
    log, calls = tmp_path / "runs.jsonl", tmp_path / "calls.txt"
    from functools import partial
    fn = partial(count_calls, calls_file=str(calls))
    md.experiments.sweep(fn, {"a": [1, 2]}, seeds=[0, 1], n_jobs=1, log=log, progress=False)
    assert len(calls.read_text().split()) == 4
    stream = io.StringIO()
    sys_stderr, sys.stderr = sys.stderr, stream
    try:
        results = md.experiments.sweep(fn, {"a": [1, 2, 3]}, seeds=[0, 1], n_jobs=1, log=log)
    finally:
        sys.stderr = sys_stderr
    assert calls.read_text().split()[4:] == ["3,0", "3,1"]       # only the new runs ran
    assert "4 of 6 runs are already in" in stream.getvalue()
    assert [r["result"]["value"] for r in results.runs] == [1, 2, 2, 3, 3, 4]
    assert len(calls_in_log(log)) == 6


def test_failed_runs_are_skipped_on_rerun_unless_retry_failed(tmp_path):
    log = tmp_path / "runs.jsonl"
    grid = {"a": [1], "b": ["bad", "x"]}
    md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log, progress=False)
    assert len(md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log,
                                    progress=False).failed) == 1
    assert len(calls_in_log(log)) == 2                            # nothing ran again
    md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log, progress=False,
                         retry_failed=True)
    assert [r["status"] for r in calls_in_log(log)] == ["failed", "ok", "failed"]


def test_a_line_cut_short_by_a_crash_is_ignored_and_its_run_runs_again(tmp_path):
    log = tmp_path / "runs.jsonl"
    grid = {"a": [1, 2], "b": ["x"]}
    md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log, progress=False)
    lines = log.read_text().splitlines()
    log.write_text(lines[0] + "\n" + lines[1][:25])               # killed mid-write
    with pytest.warns(UserWarning, match="line 2: a record cut short"):
        results = md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log,
                                       progress=False)
    assert [r["result"]["value"] for r in results.runs] == [10, 20]
    lines = log.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["config"] == {"a": 2, "b": "x"}


def test_a_json_line_that_is_not_a_run_is_skipped_with_a_warning_naming_it(tmp_path):
    log = tmp_path / "runs.jsonl"
    grid = {"a": [1, 2], "b": ["x"]}
    md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log, progress=False)
    good = log.read_text().splitlines()
    first = json.loads(good[0])
    strangers = [
        ("[1, 2, 3]", "a JSON list, not an object"),
        ('{"key": ["a"], "config": {}, "status": "ok", "result": null}', '"key" is a list'),
        (json.dumps({k: v for k, v in first.items() if k != "status"}), 'no "status"'),
        (json.dumps({k: v for k, v in first.items() if k != "config"}), 'no "config"'),
        (json.dumps(dict(first, config=[1])), '"config" is a list'),
        (json.dumps(dict(first, seed="0")), '"seed" is a str'),
        ("[" * 5000 + "]" * 5000, "not JSON"),
        ("3", "a JSON int, not an object"),
    ]
    log.write_text(good[0] + "\n" + "\n".join(line for line, _ in strangers) + "\n")
    with pytest.warns(UserWarning) as caught:
        results = md.experiments.sweep(arithmetic, grid, seeds=[0], n_jobs=1, log=log,
                                       progress=False)
    messages = [str(w.message) for w in caught]
    for number, (_, why) in enumerate(strangers, start=2):
        assert any(f"line {number}: " in m and why in m for m in messages), (number, messages)
    assert [r["result"]["value"] for r in results.runs] == [10, 20]   # a=2 ran, a=1 was kept
    lines = log.read_text().splitlines()
    assert len(lines) == 2 + len(strangers) and json.loads(lines[-1])["config"]["a"] == 2


def wait_until(condition, failure, seconds, process):
    """Poll condition() every 50 ms until it holds; fail with `failure` after `seconds`, or at
    once if `process` (the subprocess we wait on) has ended."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"{failure}: the process ended first"
        assert time.monotonic() < deadline, f"{failure} within {seconds} s"
        time.sleep(0.05)


SWEEP_SCRIPT = """
import sys, time
import microdense as md

def slow(a, seed):
    time.sleep(0.25)       # a slow run, so that the kill lands in the middle of the sweep
    return {"value": a * 10 + seed}

if __name__ == "__main__":
    md.experiments.sweep(slow, {"a": list(range(8))}, seeds=[0, 1], n_jobs=2, log=sys.argv[1])
"""


def test_a_sweep_killed_with_sigkill_resumes_and_logs_every_run_exactly_once(tmp_path):
    script, log = tmp_path / "sweep_script.py", tmp_path / "runs.jsonl"
    script.write_text(SWEEP_SCRIPT)
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # Its own session, so the kill takes its worker processes too, as a killed job would.
    process = subprocess.Popen([sys.executable, str(script), str(log)], env=env,
                               start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: log.exists() and len(calls_in_log(log)) >= 4,
                   "the sweep did not log 4 runs before the kill", 60, process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    done_before = len(calls_in_log(log))
    assert done_before < 16, "the sweep finished before the kill: the test proves nothing"

    rerun = subprocess.run([sys.executable, str(script), str(log)], env=env, timeout=120,
                           capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done_before} of 16 runs are already in" in rerun.stderr
    records = calls_in_log(log)
    expected = {t.key: t.config["a"] * 10 + t.seed for t in expand({"a": list(range(8))}, [0, 1])}
    assert sorted(r["key"] for r in records) == sorted(expected)          # each exactly once
    assert all(r["result"]["value"] == expected[r["key"]] for r in records)


INTERRUPTED_SCRIPT = """
import sys, time
import microdense as md

def slow(a, seed):
    time.sleep(0.5)        # a slow run: the signal must find the workers busy
    return {"value": a * 10 + seed}

if __name__ == "__main__":
    try:
        md.experiments.sweep(slow, {"a": list(range(20))}, seeds=[0, 1], n_jobs=2,
                             log=sys.argv[1], progress=False)
    except KeyboardInterrupt as stop:
        print("interrupted:", stop, flush=True)
        time.sleep(60)                 # stay alive: the workers must go without our death
"""


def descendants(pid):
    """The pids of every process below `pid`, read from /proc (Linux)."""
    parents = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue                   # not a process, or one that just ended
        if fields[0] != "Z":           # a zombie has ended; it waits only to be reaped
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, frontier = [], [pid]
    while frontier:
        children = parents.get(frontier.pop(), [])
        found += children
        frontier += children
    return found


def loky_workers(pid):
    """The worker processes below `pid` (not the resource trackers, helpers that run no user
    code and end with the process that started them)."""
    workers = []
    for child in descendants(pid):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as f:
                if b"popen_loky" in f.read():
                    workers.append(child)
        except OSError:
            pass                       # it just ended
    return workers


@pytest.mark.parametrize("how", ["SIGTERM to the sweep", "Ctrl-C (SIGINT to the group)"])
def test_a_signal_stops_the_worker_processes_and_leaves_a_whole_log(tmp_path, how):
    script, log = tmp_path / "interrupted.py", tmp_path / "runs.jsonl"
    script.write_text(INTERRUPTED_SCRIPT)
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen([sys.executable, str(script), str(log)], env=env,
                               start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        wait_until(lambda: log.exists() and len(calls_in_log(log)) >= 2,
                   "the sweep did not log 2 runs before the signal", 60, process)
        workers = loky_workers(process.pid)
        assert len(workers) == 2
        if how.startswith("SIGTERM"):
            os.kill(process.pid, signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGINT)
        assert process.stdout.readline().startswith("interrupted:")
        wait_until(lambda: not loky_workers(process.pid),
                   f"the worker processes {workers} did not end", 30, process)
        assert process.poll() is None  # the sweep's own process lives on: it stopped them
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    lines = log.read_text().split("\n")
    assert lines[-1] == "" and len(lines) - 1 < 40              # whole lines; not all ran
    assert all(json.loads(line)["status"] == "ok" for line in lines[:-1])


# ---- reproducible on every backend ----------------------------------------------------------

@pytest.fixture(scope="module")
def dask_client():
    """A real LocalCluster: 2 worker processes on 127.0.0.1, one thread each."""
    try:
        import distributed
    except ImportError:
        pytest.fail("Dask is missing: ./dev.sh setup, or pip install -e '.[dev]' "
                    "(the dask extra)")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


GRID = {"activation": ["relu", "tanh"], "width": [3, 5]}


def numbers(results):
    return [(r["key"], r["result"]["layers"], r["result"]["curve"], r["result"]["kernel"])
            for r in results.runs]


def assert_same_numbers(a, b):
    assert len(a) == len(b)
    for (key_a, layers_a, curve_a, kernel_a), (key_b, layers_b, curve_b, kernel_b) in zip(a, b):
        assert key_a == key_b and layers_a == layers_b
        np.testing.assert_allclose(curve_a, curve_b, rtol=1e-6, err_msg=key_a)
        np.testing.assert_allclose(kernel_a, kernel_b, rtol=1e-6, atol=1e-7, err_msg=key_a)


def test_serial_two_processes_and_dask_give_the_same_numbers(dask_client, tmp_path):
    serial = md.experiments.sweep(tiny_training, GRID, seeds=[0, 1], n_jobs=1, progress=False)
    local = md.experiments.sweep(tiny_training, GRID, seeds=[0, 1], n_jobs=2, progress=False)
    with joblib.parallel_config(backend="dask"):
        on_dask = md.experiments.sweep(tiny_training, GRID, seeds=[0, 1], n_jobs=-1,
                                       progress=False, log=tmp_path / "dask.jsonl")
    assert all(len(r.ok) == 8 for r in (serial, local, on_dask))
    assert_same_numbers(numbers(serial), numbers(local))
    assert_same_numbers(numbers(serial), numbers(on_dask))
    # Layer names start from `dense` in every run, even in a reused worker process.
    assert {tuple(r["result"]["layers"]) for r in on_dask.runs} == {("dense", "dense_1")}
    # It really ran elsewhere, and the seed really matters.
    workers = {w.split(":")[-1] for w in dask_client.scheduler_info()["workers"]}
    assert {r["result"]["pid"] for r in on_dask.runs} - {os.getpid()}
    assert len(workers) == 2
    by_seed = {r["seed"]: r["result"]["curve"] for r in serial.runs[:2]}
    assert by_seed[0] != by_seed[1]
    assert len(calls_in_log(tmp_path / "dask.jsonl")) == 8


def test_each_run_uses_one_blas_thread_on_every_backend(dask_client):
    for n_jobs in (1, 2):
        results = md.experiments.sweep(blas_threads, {"a": [1, 2]}, seeds=[0], n_jobs=n_jobs,
                                       progress=False)
        assert all(set(r["result"]["threads"]) <= {1} for r in results.runs)
    with joblib.parallel_config(backend="dask"):
        results = md.experiments.sweep(blas_threads, {"a": [1, 2]}, seeds=[0], progress=False)
    assert all(set(r["result"]["threads"]) <= {1} for r in results.runs)


# ---- progress -------------------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self):
        return True


def record(status="ok"):
    return {"config": {"a": 1}, "seed": 0, "status": status, "seconds": 1.25}


def test_progress_is_one_line_rewritten_on_a_terminal_and_plain_lines_otherwise():
    assert clock(41) == "0:41" and clock(3725) == "1:02:05"
    plain = io.StringIO()
    meter = Progress(4, already_done=1, stream=plain)
    meter.update(record())
    meter.update(record("failed"))
    meter.close()
    lines = plain.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in plain.getvalue()
    assert lines[0].startswith("sweep 2/4 done, 0 failed | elapsed 0:00 | ETA 0:00")
    assert lines[1].startswith("sweep 3/4 done, 1 failed") and "a=1 seed=0 failed 1.2 s" in lines[1]

    screen = Terminal()
    meter = Progress(3, stream=screen)
    meter.update(record())
    meter.close()
    assert screen.getvalue().startswith("\r\033[Ksweep 1/3 done, 0 failed | elapsed")
    assert screen.getvalue().count("\n") == 1                   # one line, ended at the close


def test_progress_eta_counts_only_the_runs_finished_now():
    meter = Progress(10, already_done=6)
    meter.start -= 20                                            # 20 s ago
    meter.update(record())
    meter.update(record())                                        # 2 runs in 20 s: 10 s each
    assert meter.line().endswith("ETA 0:20")


# ---- results --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def arithmetic_results():
    return md.experiments.sweep(arithmetic, {"a": [1, 2], "b": ["x", "bad", "y"]},
                                seeds=[0, 1, 2], n_jobs=1, progress=False)


def test_table_gives_mean_std_and_n_per_group(arithmetic_results):
    table = arithmetic_results.table("value", by=["a"])
    rows = {row["a"]: row for row in table.rows}
    values = [10, 11, 12] * 2                                     # x and y, seeds 0..2
    assert rows[1]["mean"] == pytest.approx(11) and rows[2]["mean"] == pytest.approx(21)
    assert rows[1]["std"] == pytest.approx(np.std(values, ddof=1))
    assert rows[1]["n"] == 6 and rows[1]["failed"] == 3
    text = str(table)
    assert "| a | value (mean ± std) | n | failed |" in text
    assert "| 2 | 21.0000 ± 0.8944 | 6 | 3 |" in text
    # By every grid name: the all-failed groups are there with n = 0.
    full = {(r["a"], r["b"]): r for r in arithmetic_results.table("value").rows}
    assert full[(1, "bad")]["n"] == 0 and full[(1, "bad")]["failed"] == 3
    assert full[(2, "y")]["mean"] == pytest.approx(21)


def test_table_explains_a_wrong_metric_or_group(arithmetic_results):
    with pytest.raises(KeyError, match="No result called 'valu'.*curve, draw, value"):
        arithmetic_results.table("valu")
    with pytest.raises(KeyError, match="'c', which is not in the grid. Grid names: a, b"):
        arithmetic_results.table("value", by=["c"])
    with pytest.raises(TypeError, match="one number per run"):
        arithmetic_results.table("curve")


def test_to_csv_writes_one_row_a_run(arithmetic_results, tmp_path):
    import csv
    path = arithmetic_results.to_csv(tmp_path / "runs.csv", digits=3)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 18
    assert list(rows[0])[:4] == ["a", "b", "seed", "status"]
    assert rows[0]["value"] == "10" and json.loads(rows[0]["curve"]) == [1, 1]
    assert len(rows[0]["draw"].split(".")[1]) == 3                # rounded as asked
    assert rows[3]["status"] == "failed" and rows[3]["error"] == "ValueError: b=bad is not allowed"


def test_to_pandas(arithmetic_results):
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            arithmetic_results.to_pandas()
        return
    frame = arithmetic_results.to_pandas()
    assert len(frame) == 18
    assert frame[frame.status == "ok"].groupby("a")["value"].mean().to_dict() == {1: 11, 2: 21}


def test_plot_draws_bars_for_numbers_and_bands_for_curves(arithmetic_results, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")                # the plot extra
    matplotlib.use("Agg")
    figure = arithmetic_results.plot("value", by=["a"], path=tmp_path / "bars.png")
    (ax,) = figure.axes
    assert len(ax.patches) == 2 and [t.get_text() for t in ax.get_xticklabels()] == ["a=1", "a=2"]
    assert (tmp_path / "bars.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figure = arithmetic_results.plot("curve", by=["a"])
    lines = figure.axes[0].get_lines()
    assert len(lines) == 2 and list(lines[1].get_ydata()) == pytest.approx([2, 3])
    # Curves of different lengths (early stopping): the mean is over the runs that got there.
    ragged = md.experiments.Results([
        {"config": {"a": 1}, "seed": s, "status": "ok", "result": {"c": [1.0, 3.0, 5.0][:2 + s]}}
        for s in range(2)])
    (line,) = ragged.plot("c").axes[0].get_lines()
    assert list(line.get_ydata()) == pytest.approx([1, 3, 5])


def test_a_nan_result_shows_as_nan_never_as_a_missing_run(tmp_path):
    """A diverged run returned NaN: the table says nan (a group with no ok run says "-"), and
    the plot's line breaks there instead of averaging the diverged run away."""
    runs = [{"config": {"lr": lr}, "seed": seed, "status": "ok",
             "result": {"loss": value, "curve": [1.0, value]}}
            for lr, values in [(0.1, [0.5, 0.7]), (10.0, [0.4, math.nan])]
            for seed, value in enumerate(values)]
    runs.append({"config": {"lr": 99.0}, "seed": 0, "status": "error", "result": None,
                 "error": "boom"})
    results = md.experiments.Results(runs)
    text = str(results.table("loss"))
    assert "| 0.1 | 0.6000 ± 0.1414 | 2 | 0 |" in text
    assert "| 10.0 | nan ± nan | 2 | 0 |" in text            # diverged: nan, not "-"
    assert "| 99.0 | - ± - | 0 | 1 |" in text                 # no number at all: "-"
    one = md.experiments.Results(runs[2:3])
    assert "| 10.0 | 0.4000 ± - | 1 | 0 |" in str(one.table("loss"))
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    lines = results.plot("curve").axes[0].get_lines()
    assert np.isnan(lines[1].get_ydata()[1]) and lines[0].get_ydata()[1] == pytest.approx(0.6)
    texts = [t.get_text() for t in results.plot("loss").axes[0].texts]
    assert texts == ["nan"]


# ---- models travel by pickle -----------------------------------------------------------------

def test_a_model_with_a_custom_activation_round_trips_through_pickle_with_its_weights():
    md.utils.set_random_seed(0)
    x = np.random.default_rng(1).standard_normal((16, 3)).astype("float32")
    y = np.random.default_rng(2).standard_normal((16, 1)).astype("float32")
    model = Sequential([Input((3,)), Dense(5, activation=scaled_swish,
                                           activity_regularizer="l2"), Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    copy = pickle.loads(pickle.dumps(model))        # failed before: activity penalty's graph
    assert copy.layers[0].activation is scaled_swish
    for a, b in zip(model.get_weights(), copy.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x, verbose=0), copy.predict(x, verbose=0))
    # The optimizer's state came along too: training on gives the same weights.
    for m in (model, copy):
        md.utils.set_random_seed(5)
        m.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(model.get_weights(), copy.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def unpicklable_result(seed):
    return {"value": seed, "lock": threading.Lock()}


def test_a_result_that_cannot_travel_back_is_dropped_with_a_warning_not_the_sweep():
    with pytest.warns(UserWarning, match="its 'lock' cannot be pickled"):
        results = md.experiments.sweep(unpicklable_result, {}, seeds=[0, 1], n_jobs=2,
                                       progress=False)
    assert [r["result"] for r in results.runs] == [{"value": 0}, {"value": 1}]
    assert all("lock" in r["not_returned"] for r in results.runs)


def test_workers_send_models_back_and_the_log_says_it_does_not_hold_them(tmp_path):
    log = tmp_path / "runs.jsonl"
    results = md.experiments.sweep(lambda seed, kind: trained_model(seed), {"kind": ["mlp"]},
                                   seeds=[0, 1], n_jobs=2, log=log, progress=False)
    models = [r["result"]["model"] for r in results.runs]
    assert all(isinstance(m, Sequential) for m in models)
    assert models[0].layers[0].activation.__name__ == "scaled_swish"
    x = np.ones((2, 3), "float32")
    assert not np.allclose(models[0].predict(x, verbose=0), models[1].predict(x, verbose=0))
    records = calls_in_log(log)
    assert all(r["not_logged"] == ["model"] and "model" not in r["result"] for r in records)


# ---- the examples ---------------------------------------------------------------------------

def run_example(name, tmp_path, *args):
    """examples/<name>.py from a copy in tmp_path/examples, so it writes to tmp_path/viz."""
    os.makedirs(tmp_path, exist_ok=True)
    os.makedirs(tmp_path / "examples")
    os.makedirs(tmp_path / "viz")
    with open(os.path.join(EXAMPLES, f"{name}.py")) as f:
        (tmp_path / "examples" / f"{name}.py").write_text(f.read())
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(tmp_path / "examples" / f"{name}.py"), *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_example_08_runs_a_grid_on_a_local_dask_cluster(tmp_path):
    # The example asserts its own claims: every run of the grid ok, none in its own process.
    run_example("08_sweep_on_dask", tmp_path, "--fast")


def test_example_04_runs_on_worker_processes_resumes_from_its_log_and_writes_the_same_files(
        tmp_path):
    log = tmp_path / "runs.jsonl"
    run_example("04_activation_sweep", tmp_path / "first", "--fast", "--n-jobs", "2",
                "--log", str(log))
    records = calls_in_log(log)
    assert len(records) == 7 * 2 + 6 and all(r["status"] == "ok" for r in records)
    assert len({r["worker"] for r in records}) == 2                # two worker processes
    # Again with the same log: nothing runs again, and every file comes out byte for byte the
    # same (seeded, rounded, no timestamps), so regenerating the gallery leaves git clean.
    run_example("04_activation_sweep", tmp_path / "again", "--fast", "--n-jobs", "2",
                "--log", str(log))
    assert len(calls_in_log(log)) == len(records)
    for name in ("04_sweep.csv", "04_gradient_norms.csv", "04_sweep.png", "04_gradient_norms.png"):
        assert (tmp_path / "first" / "viz" / name).read_bytes() == \
            (tmp_path / "again" / "viz" / name).read_bytes(), name
