"""Example 8: the same sweep on a Dask cluster, when one machine is not enough.

    python examples/08_sweep_on_dask.py                           # a LocalCluster on this machine
    python examples/08_sweep_on_dask.py --fast                    # fewer epochs (the tests)
    python examples/08_sweep_on_dask.py --scheduler tcp://10.0.0.5:8786   # a running cluster

md.experiments.sweep hands its runs to joblib; inside `joblib.parallel_config(backend="dask")`
joblib hands them to the Dask client's cluster. Nothing else changes: the same function, grid,
seeds, log and Results as on local processes, and the same numbers (a run depends only on its
config and seed). Here the cluster is a LocalCluster of 2 worker processes on 127.0.0.1; with
--scheduler the script connects to a cluster started elsewhere, e.g.

    dask scheduler                                     # on one machine: prints tcp://...:8786
    dask worker tcp://10.0.0.5:8786 --nthreads 1       # on each machine, as many as you like

(each worker needs microdense installed; --nthreads 1 because microdense runs one run at a time
per process). Ray is the other route: `from ray.util.joblib import register_ray;
register_ray()` and `joblib.parallel_config(backend="ray")`.

Keras, for comparison: Keras has no sweep; with scikit-learn one would wrap the model in
scikeras's KerasClassifier and use GridSearchCV(n_jobs=-1) under the same parallel_config.
"""
import argparse
import os

import joblib

import microdense as md
from microdense.layers import Dense, Input
from microdense.models import Sequential


def run(activation, init, seed, epochs):
    """One run: a 4-layer MLP on the 8x8 digits; the last epoch's validation accuracy."""
    md.utils.set_random_seed(seed)
    x, y = md.datasets.load_digits(one_hot=True)
    model = Sequential([Input((64,)),
                        *[Dense(32, activation=activation, kernel_initializer=init)
                          for _ in range(3)],
                        Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, validation_split=0.2, verbose=0)
    return {"val_accuracy": history.history["val_accuracy"][-1],
            "worker_pid": os.getpid()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="1 epoch instead of 6")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    args = parser.parse_args()
    from functools import partial
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        cluster, client = None, Client(args.scheduler)
    else:                # 2 worker processes, one thread each, reachable from this machine only
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    try:
        print(f"workers: {len(client.scheduler_info()['workers'])}")
        with joblib.parallel_config(backend="dask"):
            results = md.experiments.sweep(
                partial(run, epochs=1 if args.fast else 6),
                grid={"activation": ["relu", "tanh", "sigmoid"],
                      "init": ["glorot_uniform", "he_normal"]},
                seeds=range(2), n_jobs=-1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(results)
    print(results.table("val_accuracy", by=["activation"]))
    print()
    print(results.table("val_accuracy", by=["activation", "init"]))
    assert not results.failed, results.failed[0]["error"]
    assert len(results.ok) == 3 * 2 * 2, "every run of the grid: 3 activations x 2 inits x 2 seeds"
    pids = {r["result"]["worker_pid"] for r in results.ok}
    assert os.getpid() not in pids, "some runs ran in this process, not on the cluster's workers"
    print(f"\n{len(results.ok)} runs ran in {len(pids)} worker processes, none of them this one")


if __name__ == "__main__":
    main()
