"""One run, wherever joblib sends it: this process, a local worker process or a Dask worker.

What makes a run's numbers depend only on its config and seed, never on where it ran or what
ran before it in the same worker process:
- the global random generator is seeded with the run's seed (md.utils.set_random_seed);
- layer names start again from `dense` (a reused worker would otherwise say `dense_17`, and
  names end up in history keys such as GradientMonitor's "dense/grad_norm");
- BLAS uses one thread (threadpoolctl), so workers do not fight over the cores and every
  backend does the same arithmetic in the same order;
- one run at a time per process: the generator and the name counters are per process, so two
  runs in two threads of one process (the threading backend, a Dask worker with several
  threads) would interleave their random draws. A lock makes them take turns.

A run that raises comes back as a failed record with the error's text, so the sweep goes on.
"""
import os
import pickle
import socket
import threading
import time
import traceback

from microdense import random
from microdense.experiments.grid import NotJSON, to_json_value
from microdense.layers import reset_name_counters

_ONE_RUN_AT_A_TIME = threading.RLock()     # re-entrant: a run may itself call sweep(n_jobs=1)


def run_one(fn, task):
    """fn(**task.config, seed=task.seed) -> (record for the log, {name: object} not in it).

    The record's "result" holds the JSON-able values fn returned; the others (a model, say)
    travel back in the second dict, so they must pickle, and are not written to the log.
    """
    from threadpoolctl import threadpool_limits

    with _ONE_RUN_AT_A_TIME, threadpool_limits(limits=1):
        reset_name_counters()
        random.set_random_seed(0 if task.seed is None else task.seed)
        start = time.perf_counter()
        objects = {}
        try:
            if task.seed is None:
                value = fn(**task.config)
            else:
                value = fn(**task.config, seed=task.seed)
            result, objects = _split(value)
            status, error = "ok", None
        except (Exception, SystemExit) as exception:   # SystemExit: fn called sys.exit()
            result, status = None, "failed"
            error = "".join(traceback.format_exception_only(type(exception), exception)).strip()
            details = traceback.format_exc()
        seconds = time.perf_counter() - start
    record = {"key": task.key, "config": task.config, "seed": task.seed, "status": status,
              "result": result, "seconds": round(seconds, 3),
              "worker": f"{socket.gethostname()}:{os.getpid()}"}
    if status == "failed":
        record["error"] = error
        record["traceback"] = details
    if objects:
        record["not_logged"] = sorted(objects)
    return record, _only_picklable(objects, record)


def _split(value):
    """({name: JSON value}, {name: other object}) of the dict fn returned."""
    if not isinstance(value, dict):
        raise TypeError(f"The sweep's function should return a dict of results, e.g. "
                        f"{{'val_accuracy': 0.93}}; it returned {type(value).__name__} "
                        f"{value!r:.80}.")
    result, objects = {}, {}
    for name, item in value.items():
        if not isinstance(name, str):
            raise TypeError(f"The returned dict has the key {name!r}; use string keys.")
        try:
            result[name] = to_json_value(item, name)
        except NotJSON:
            objects[name] = item
    return result, objects


def _only_picklable(objects, record):
    """The objects that can travel back to the sweep's process; the others are named in the
    record ("not_returned") instead of breaking the whole sweep when the result is sent."""
    kept = {}
    for name, item in objects.items():
        try:
            pickle.dumps(item)
            kept[name] = item
        except Exception as error:
            record.setdefault("not_returned", {})[name] = (
                f"cannot be pickled ({type(error).__name__}: {error}); return plain values, "
                f"or make the object picklable")
    return kept
