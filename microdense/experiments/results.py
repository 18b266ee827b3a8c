"""What a sweep returns: its runs, in grid order, and ways to summarise them.

    results.runs                                   # one dict a run: config, seed, status, result
    print(results.table("val_accuracy", by=["activation"]))  # mean ± std over seeds, n
    results.to_csv("runs.csv"); results.to_pandas(); results.plot("val_accuracy")

std is the sample standard deviation (ddof=1, as pandas'), the spread one would expect between
seeds; a group of one run has none ("-"). A run that returned NaN (it diverged) makes its
group's mean nan, shown as nan: a group with no finished run shows "-".
"""
import csv
import json
import math

import numpy as np


class Results:
    """The runs of a sweep (list of dicts, in grid order, whatever order they finished in)."""

    def __init__(self, runs):
        self.runs = list(runs)

    def __len__(self):
        return len(self.runs)

    def __iter__(self):
        return iter(self.runs)

    def __repr__(self):
        return f"Results({len(self.runs)} runs: {len(self.ok)} ok, {len(self.failed)} failed)"

    @property
    def ok(self):
        return [r for r in self.runs if r["status"] == "ok"]

    @property
    def failed(self):
        return [r for r in self.runs if r["status"] != "ok"]

    @property
    def names(self):
        """The grid's names, in the order they first appear."""
        names = {}
        for run in self.runs:
            names.update(dict.fromkeys(run["config"]))
        return list(names)

    def rows(self):
        """One flat dict a run: its config, seed, status, every result value, and error."""
        rows = []
        for run in self.runs:
            row = dict(run["config"], seed=run["seed"], status=run["status"])
            row.update(run["result"] or {})
            if run.get("error"):
                row["error"] = run["error"]
            rows.append(row)
        return rows

    # ---- summaries ---------------------------------------------------------------------------

    def values(self, metric, by=None):
        """{group: [metric of each ok run]}, group = the tuple of the `by` names' values."""
        by = self._by(by)
        groups = {}
        for run in self.runs:                        # every group, even an all-failed one
            groups.setdefault(tuple(run["config"].get(n) for n in by), [])
        for run in self.ok:
            result = run["result"] or {}
            if metric not in result:
                known = sorted({k for r in self.ok for k in (r["result"] or {})})
                raise KeyError(f"No result called {metric!r} in run {run['config']} seed "
                               f"{run['seed']}. Results have: {', '.join(known)}.")
            groups[tuple(run["config"].get(n) for n in by)].append(result[metric])
        return groups

    def table(self, metric, by=None):
        """Mean ± std and n of a number each run returned, per group of `by` (default: every
        grid name, so the groups differ only by seed)."""
        by = self._by(by)
        failed = {}
        for run in self.failed:
            group = tuple(run["config"].get(n) for n in by)
            failed[group] = failed.get(group, 0) + 1
        rows = []
        for group, values in self.values(metric, by).items():
            for value in values:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise TypeError(f"table() needs one number per run; {metric!r} is "
                                    f"{type(value).__name__} {str(value):.60}. Return a number "
                                    f"too, e.g. history['{metric}'][-1].")
            n = len(values)
            mean = float(np.mean(values)) if n else math.nan
            std = float(np.std(values, ddof=1)) if n > 1 else math.nan
            rows.append(dict(zip(by, group), mean=mean, std=std, n=n,
                             failed=failed.get(group, 0)))
        return Table(metric, by, rows)

    def _by(self, by):
        names = self.names
        if by is None:
            return names
        by = [by] if isinstance(by, str) else list(by)
        for name in by:
            if name not in names:
                raise KeyError(f"by= names {name!r}, which is not in the grid. Grid names: "
                               f"{', '.join(names)}.")
        return by

    # ---- export ------------------------------------------------------------------------------

    def to_csv(self, path, columns=None, digits=None):
        """One row a run. Lists and dicts are written as JSON; `digits` rounds floats (so a
        file in git changes only when the numbers do)."""
        rows = self.rows()
        if columns is None:
            columns = list(dict.fromkeys(k for row in rows for k in row))
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(c), digits) for c in columns])
        return path

    def to_pandas(self):
        """A pandas DataFrame, one row a run (pip install pandas)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("Results.to_pandas() needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.rows())

    def plot(self, metric, by=None, path=None, ax=None):
        """Mean ± std of `metric` per group: bars for a number, lines with a band for a list
        (e.g. a history curve, one point per epoch). Saves to `path` if given; returns the
        matplotlib Figure. Needs matplotlib (pip install 'microdense[plot]')."""
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("Results.plot() needs matplotlib: "
                              "pip install 'microdense[plot]'") from None
        by = self._by(by)
        groups = {g: v for g, v in self.values(metric, by).items() if v}
        if ax is None:
            figure, ax = plt.subplots(figsize=(max(4.0, 1.0 + 0.6 * len(groups)), 3.5)
                                      if not _curves(groups) else (6, 4))
        figure = ax.figure
        labels = [", ".join(f"{n}={v}" for n, v in zip(by, g)) for g in groups]
        if _curves(groups):
            for label, values in zip(labels, groups.values()):
                # The mean at each point is over the runs that got there (a run may stop
                # early). A NaN a run reached (it diverged) stays NaN: the line breaks there
                # rather than quietly averaging the diverged run away.
                points = [[curve[i] for curve in values if i < len(curve)]
                          for i in range(max(len(v) for v in values))]
                x = np.arange(1, len(points) + 1)
                mean = np.array([np.mean(p) for p in points])
                ax.plot(x, mean, label=label)
                if len(values) > 1:
                    std = np.array([np.std(p, ddof=1) if len(p) > 1 else np.nan
                                    for p in points])
                    ax.fill_between(x, mean - std, mean + std, alpha=0.2)
            ax.set_xlabel("epoch")
            ax.legend(fontsize="small")
        else:
            means = [np.mean(v) for v in groups.values()]
            stds = [np.std(v, ddof=1) if len(v) > 1 else 0.0 for v in groups.values()]
            ax.bar(range(len(means)), means, yerr=stds, capsize=3, color="tab:blue", alpha=0.8)
            for position, mean in enumerate(means):
                if math.isnan(mean):                    # no bar to see: say why
                    ax.annotate("nan", (position, 0), ha="center", va="bottom", color="red")
            ax.set_xticks(range(len(means)))
            ax.set_xticklabels(labels, rotation=30, ha="right", fontsize="small")
        ax.set_ylabel(f"{metric} (mean ± std)")
        ax.grid(alpha=0.3)
        figure.tight_layout()
        if path is not None:
            figure.savefig(path, dpi=100, metadata={"Software": None})
        return figure


def _curves(groups):
    return any(isinstance(v[0], list) for v in groups.values() if v)


def _cell(value, digits):
    if value is None:
        return ""
    if isinstance(value, float) and digits is not None:
        return f"{value:.{digits}f}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


class Table:
    """Rows of a summary: {by names..., mean, std, n, failed}; prints as a markdown table."""

    def __init__(self, metric, by, rows):
        self.metric, self.by, self.rows = metric, by, rows

    def __str__(self):
        header = list(self.by) + [f"{self.metric} (mean ± std)", "n", "failed"]
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join(":---" for _ in self.by) + "|---:|--:|-----:|"]
        for row in self.rows:
            # "-" only where there is no number (no ok run; one run has no spread); a NaN a
            # run returned (a diverged loss) shows as nan, so it never looks like a missing run.
            mean = "-" if row["n"] == 0 else f"{row['mean']:.4f}"
            spread = "-" if row["n"] < 2 else f"{row['std']:.4f}"
            cells = [str(row[n]) for n in self.by] + [f"{mean} ± {spread}", str(row["n"]),
                                                      str(row["failed"])]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def _repr_markdown_(self):                     # Jupyter shows the table rendered
        return str(self)

    def __repr__(self):
        return str(self)
