"""The sweep's log: a JSON-lines file, one record per finished run, written as it finishes.

    {"key": "...", "config": {"activation": "relu"}, "seed": 0, "status": "ok",
     "result": {"val_accuracy": 0.93}, "seconds": 4.2, "worker": "host:1234", ...}

Each record is one line, written with one write() call, flushed and fsynced before the next
run is looked at, so a sweep killed at any moment (SIGKILL, power cut) loses at most the line
being written. Reading forgives exactly that: a last line cut short is ignored (with a warning)
and the next append starts on a fresh line; any other line that is not a run record (edited by
hand, another tool's JSON) is skipped with a warning naming its number and what is wrong. Only the sweep's own process writes to the log;
workers send their records back to it.
"""
import json
import os
import warnings


class RunLog:
    """An append-only JSON-lines file of run records, keyed by each record's "key"."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._file = None

    def read(self):
        """{key: record} of every complete record; a later record of a key replaces an earlier
        one (a failed run retried with retry_failed=True). A line that is not a run record
        (cut short, not JSON, or JSON of another shape) is skipped with a warning naming it."""
        records = {}
        if not os.path.exists(self.path):
            return records
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                cut = number == len(lines)           # no newline after it: the write was cut
                self._skip(number, "a record cut short (the sweep was killed while writing "
                                   "it); that run will run again." if cut else
                                   "not JSON, so not a sweep record; ignored.")
                continue
            problem = not_a_run(record)
            if problem:
                self._skip(number, f"not a sweep record ({problem}); ignored.")
                continue
            records[record["key"]] = record
        return records

    def _skip(self, number, why):
        warnings.warn(f"{self.path}, line {number}: {why}", stacklevel=4)

    def append(self, record):
        """Write one record as one line and make sure it is on disk before returning."""
        if self._file is None:
            self._file = self._open()
        self._file.write(json.dumps(record, sort_keys=True) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def _open(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        ends_mid_line = False
        if os.path.exists(self.path) and os.path.getsize(self.path) > 0:
            with open(self.path, "rb") as f:
                f.seek(-1, os.SEEK_END)
                ends_mid_line = f.read(1) != b"\n"
        f = open(self.path, "a", encoding="utf-8")
        if ends_mid_line:                # a killed writer left half a line: end it first
            f.write("\n")
        return f

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


# What sweep() and Results read of a record, and what it must be for them to read it.
RECORD_FIELDS = {"key": (str,), "config": (dict,), "status": (str,),
                 "result": (dict, type(None))}


def not_a_run(record):
    """Why `record` (a parsed JSON line) is not a run record, or "" if it is one: a dict with
    a string key, a config dict, a status string, a result dict or null, an int or null seed."""
    if not isinstance(record, dict):
        return f"a JSON {type(record).__name__}, not an object"
    for name, types in RECORD_FIELDS.items():
        if name not in record:
            return f'no "{name}"'
        if not isinstance(record[name], types):
            return f'"{name}" is a {type(record[name]).__name__}'
    seed = record.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, (int, type(None))):
        return f'"seed" is a {type(seed).__name__}'
    return ""

