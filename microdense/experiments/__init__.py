"""Scripted experiments: sweeps over configs and seeds, on every core or a Dask cluster.

    def run(activation, seed):
        model = ...                     # md's generator is already seeded with `seed`
        history = model.fit(x, y, validation_split=0.2, epochs=20, verbose=0)
        return {"val_accuracy": history.history["val_accuracy"][-1]}

    results = md.experiments.sweep(run, grid={"activation": ["relu", "tanh"]},
                                   seeds=range(3), n_jobs=-1, log="runs.jsonl")
    print(results.table("val_accuracy", by=["activation"]))

Read in this order: grid.py (which runs), worker.py (one run), sweep.py (all of them, with
joblib), runlog.py (the crash-safe log), results.py, progress.py.
Needs the `experiments` extra (joblib, threadpoolctl); a Dask cluster needs `dask`.
"""
from microdense.experiments.results import Results, Table
from microdense.experiments.runlog import RunLog
from microdense.experiments.sweep import sweep

__all__ = ["sweep", "Results", "Table", "RunLog"]
