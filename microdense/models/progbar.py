"""Keras's progress display, written out (no dependency): the live bar on a terminal,

    Epoch 3/10
    25/25 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9350 - loss: 0.2210 - val_loss: ...

and one line per epoch when output goes to a file or CI log (verbose=2):

    25/25 - 0s - 2ms/step - accuracy: 0.9350 - loss: 0.2210 - val_loss: ...

The formats are keras/src/utils/progbar.py's. verbose="auto" picks the bar when stdout is a
terminal and the one-line form otherwise (Keras always picks the bar).
"""
import math
import sys
import time

import numpy as np

from microdense.callbacks import Callback


def resolve_verbose(verbose):
    """0 silent, 1 live bar, 2 one line per epoch; "auto" -> 1 on a terminal, else 2."""
    if verbose == "auto":
        return 1 if _is_terminal() else 2
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 0, 1, 2 or 'auto'; received verbose={verbose!r}")
    return int(verbose)


def _is_terminal():
    return (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or "ipykernel" in sys.modules


def _format_value(value):
    value = float(np.mean(value))       # one value per class: their mean, as Keras shows it
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def _format_time(seconds_per_unit, unit_name):
    """' 2ms/step', ' 830us/step' or ' 1s/step', as Keras."""
    if seconds_per_unit >= 1 or seconds_per_unit == 0:
        return f" {seconds_per_unit:.0f}s/{unit_name}"
    if seconds_per_unit >= 1e-3:
        return f" {seconds_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {seconds_per_unit * 1e6:.0f}us/{unit_name}"


class Progbar:
    """A progress bar for `target` steps. update(current, values) redraws it (at most every
    `interval` seconds); values are (name, number) pairs shown as they are."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._dynamic = _is_terminal()
        self._values = {}
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._previous_width = 0

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or ():
            self._values[name] = value
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw_bar(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            line += _format_time(per_step, self.unit_name) + self._metrics_text()
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        self._last_update = now

    def _draw_bar(self, current, now, per_step, finalize):
        message = ("\b" * self._previous_width + "\r") if self._dynamic else "\n"
        if self.target:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * current / self.target)
            count = f"{current:{digits}d}/{self.target}"
            bar = f"\x1b[1m{count}\x1b[0m "
            if done > 0:
                bar += f"\x1b[32m{'━' * done}\x1b[0m"
            bar += f"\x1b[37m{'━' * (self.width - done)}\x1b[0m"
            visible = len(count) + 1 + self.width
        else:
            bar = f"{current:7d}/Unknown"
            visible = len(bar)
        if self.target and not finalize:
            eta = per_step * (self.target - current)
            if eta > 3600:
                eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_text = f"{int(eta)}s"
        else:
            eta_text = f"{now - self._start:.0f}s"
        info = f" \x1b[1m{eta_text}\x1b[0m" + _format_time(per_step, self.unit_name)
        info += self._metrics_text()
        visible += len(info) - 8                 # the two escape codes in info print nothing
        message += bar + info
        if self._previous_width > visible:       # blank out the rest of a longer old line
            message += " " * (self._previous_width - visible)
        if finalize:
            message += "\n"
        sys.stdout.write(message)
        sys.stdout.flush()
        self._previous_width = visible

    def _metrics_text(self):
        return "".join(f" - {name}: {_format_value(value)}"
                       for name, value in self._values.items())

    def _step_duration(self, current, now):
        """Seconds per step, ignoring the (slow, unrepresentative) first step once possible."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_step


class ProgbarLogger(Callback):
    """The callback fit/evaluate/predict add when verbose != 0: prints "Epoch i/n" (when n > 1)
    and drives a Progbar. Validation inside fit is silent; its results join the epoch line."""

    def __init__(self):
        super().__init__()
        self.progbar = None
        self.seen = 0
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def uses_batch_hooks(self):
        return self.verbose == 1            # the one-line form draws only at epoch end

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)           # predictions are not shown

    def on_predict_end(self, logs=None):
        self._finalize(logs)

    def _reset(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose)

    def _update(self, batch, logs):
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._reset()
        if self.target is None:
            self.target = self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
