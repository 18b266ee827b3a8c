"""What one recorded op costs compared with the bare numpy expression.

    python benchmarks/op_overhead.py

For a (32, 16) float32 tensor: the forward of one elementwise op (tanh, mul, add) with graph
recording, the same with no_grad, and forward + backward, each as a ratio to numpy doing the
same arithmetic by hand (np.tanh, and 1 - t*t times g for the backward). Median of repeats.
"""
import time

import numpy as np

import microdense as md


def median_seconds(fn, repeats=7, number=2000):
    for _ in range(200):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return float(np.median(times))


def main():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(32, 16)).astype(np.float32)
    b = rng.normal(size=(32, 16)).astype(np.float32)
    g = np.ones_like(a)
    x = md.Tensor(a, requires_grad=True)
    y = md.Tensor(b, requires_grad=True)

    def tanh_backward():
        t = md.tanh(x)
        t.backward(g)

    def numpy_tanh_backward():
        t = np.tanh(a)
        return g * (1 - t * t)

    def no_grad_tanh():
        with md.no_grad():
            md.tanh(x)

    rows = [
        ("tanh forward", lambda: md.tanh(x), lambda: np.tanh(a)),
        ("tanh forward, no_grad", no_grad_tanh, lambda: np.tanh(a)),
        ("mul forward", lambda: x * y, lambda: a * b),
        ("add forward", lambda: x + y, lambda: a + b),
        ("tanh forward+backward", tanh_backward, numpy_tanh_backward),
    ]
    print(f"{'(32, 16) float32':<26}{'microdense':>12}{'numpy':>10}{'ratio':>8}")
    for name, ours, theirs in rows:
        t_ours, t_numpy = median_seconds(ours), median_seconds(theirs)
        print(f"{name:<26}{t_ours * 1e6:>10.2f}us{t_numpy * 1e6:>8.2f}us{t_ours / t_numpy:>7.2f}x")


if __name__ == "__main__":
    main()
