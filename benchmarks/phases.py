"""Where a training step's time goes, phase by phase, as a share of numpy's whole step.

    python benchmarks/phases.py [tiny|mnist|deep|wide|chain ...]

Sequential.train_on_batch is split into what it does (the same calls, timed one by one):
checking the batch, the forward pass through the layers, the loss, backward(), the optimizer
and the bookkeeping of the logged loss; the chain into its forward, the engine's toposort and
the rest of the backward walk. Each phase is the 10th percentile over many steps (robust to
a shared machine's bursts), divided by numpy-by-hand's whole step timed in between.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as W  # noqa: E402

import microdense as md  # noqa: E402
from microdense.tensor import constant  # noqa: E402

SPECS = {"tiny": W.TINY, "mnist": W.MNIST_SGD, "deep": W.DEEP, "wide": W.WIDE}
STEPS = {"tiny": 2000, "mnist": 200, "deep": 200, "wide": 7}


def sequential_phases(spec, steps):
    from microdense.layers import Dense
    from microdense.models import Sequential
    weights = W.glorot_weights(spec.sizes, 0)
    x, y = W.make_data(spec)
    model = Sequential()
    for i, units in enumerate(spec.sizes[1:]):
        activation = spec.hidden if i < len(spec.sizes) - 2 else spec.output
        kwargs = {"input_shape": (spec.sizes[0],)} if i == 0 else {}
        model.add(Dense(units, activation=activation, **kwargs))
    model.compile(optimizer=W.make_optimizer(spec), loss=W.LOSS_NAMES[spec.output])
    model.set_weights([a for pair in weights for a in pair])
    numpy_step = W.numpy_mlp(spec, weights, x, y)
    names = ["check the batch", "forward", "loss", "backward", "optimizer + logs"]
    times = {name: [] for name in names + ["numpy step"]}
    clock = time.perf_counter
    for _ in range(steps):
        t0 = clock()
        xx, yy, _ = model._prepare_data(x, y, None, None, check_targets=False)
        model.reset_metrics()
        trainable = model.trainable_weights
        for w in trainable:
            w.grad = None
        t1 = clock()
        y_pred = model._forward(constant(xx), training=True)
        t2 = clock()
        loss = model.compute_loss(xx, yy, y_pred, None)
        t3 = clock()
        loss.backward(retain_grads=False)
        t4 = clock()
        model.optimizer.apply_gradients([(w.grad, w) for w in trainable])
        model._track(float(loss.data), len(xx), yy, y_pred.data, None)
        model._results(False)
        t5 = clock()
        numpy_step()
        t6 = clock()
        for name, seconds in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
            times[name].append(seconds)
    return times


def chain_phases(steps, length=5000):
    x = md.Tensor(np.random.default_rng(0).normal(size=16).astype(np.float32),
                  requires_grad=True)
    numpy_step = W.chain_workload(length, include_torch=False).steps["numpy"]
    times = {name: [] for name in ("forward", "toposort", "backward walk", "numpy step")}
    clock = time.perf_counter
    for _ in range(steps):
        t0 = clock()
        h = x
        for i in range(length):
            kind = i % 3
            h = md.tanh(h) if kind == 0 else (h * W.CHAIN_SCALE if kind == 1
                                               else h + W.CHAIN_SHIFT)
        loss = h.sum()
        t1 = clock()
        md.engine.toposort(loss)
        t2 = clock()
        x.grad = None
        loss.backward()
        t3 = clock()
        numpy_step()
        t4 = clock()
        times["forward"].append(t1 - t0)
        times["toposort"].append(t2 - t1)
        times["backward walk"].append((t3 - t2) - (t2 - t1))   # backward() sorts again
        times["numpy step"].append(t4 - t3)
    return times


def main(names):
    print(f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in names:
        if name == "chain":
            times = chain_phases(40)
        else:
            times = sequential_phases(SPECS[name], STEPS[name])
        base = np.percentile(times.pop("numpy step"), 10)
        parts = {phase: np.percentile(t, 10) for phase, t in times.items()}
        total = sum(parts.values())
        print(f"\n{name}: numpy's step {base * 1e6:.0f} us; microdense "
              f"{total / base:.2f}x of it, by phase:")
        for phase, seconds in parts.items():
            print(f"  {phase:<18}{seconds * 1e6:>10.1f} us  {seconds / base:5.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:] or ["tiny", "deep", "chain"])
