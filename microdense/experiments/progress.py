"""The sweep's progress: one line rewritten in place on a terminal, plain lines in a log file.

    sweep 12/36 done, 1 failed | elapsed 0:41 | ETA 1:22            (a terminal: one line)
    sweep 12/36 done, 1 failed | elapsed 0:41 | ETA 1:22 | activation=relu seed=2 ok 3.1 s
                                                                   (not a terminal: a line a run)

The ETA assumes the runs still to go take as long, on average, as those finished in this
session (runs found in the log took no time now, so they do not count).
"""
import sys
import time


def clock(seconds):
    """3725 -> '1:02:05', 41 -> '0:41'."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """Counts finished runs and shows them on `stream` (sys.stderr by default)."""

    def __init__(self, total, already_done=0, already_failed=0, stream=None, enabled=True):
        self.total = total
        self.done = already_done
        self.failed = already_failed
        self.finished_now = 0               # finished in this session: what the ETA is based on
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.perf_counter()

    def line(self):
        elapsed = time.perf_counter() - self.start
        remaining = self.total - self.done
        if remaining == 0:
            eta = "0:00"
        elif self.finished_now:
            eta = clock(elapsed / self.finished_now * remaining)
        else:
            eta = "?"
        return (f"sweep {self.done}/{self.total} done, {self.failed} failed | "
                f"elapsed {clock(elapsed)} | ETA {eta}")

    def say(self, text):
        """A message of its own line (e.g. how many runs the log already had)."""
        if self.enabled:
            self.stream.write(text + "\n")
            self.stream.flush()

    def update(self, record):
        self.done += 1
        self.finished_now += 1
        self.failed += record["status"] != "ok"
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r\033[K" + self.line())      # \033[K: clear to the line's end
        else:
            config = " ".join(f"{k}={v}" for k, v in record["config"].items())
            seed = "" if record["seed"] is None else f" seed={record['seed']}"
            seconds = "" if record["seconds"] is None else f" {record['seconds']:.1f} s"
            self.stream.write(f"{self.line()} | {config}{seed} {record['status']}{seconds}\n")
        self.stream.flush()

    def close(self):
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
