"""Finite-difference gradient checking, for users' own functions and for our op table.

The analytic gradient (from backward) is compared with central differences,
    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),
computed in float64, where the truncation and rounding errors are ~eps^2 and ~1e-16/eps.
"""
import numpy as np

from microdense.tensor import Tensor


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check d fn(*inputs) / d input against central differences, for every input.

    `fn` takes tensors and returns a tensor. A non-scalar output is reduced as
    sum(out * R) with a fixed random R, so a backward that ignores its upstream gradient fails.
    Returns True, or raises AssertionError naming the input, the index and both values.
    """
    originals = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in inputs]
    names = [getattr(x, "name", None) or f"input {i}" for i, x in enumerate(inputs)]
    weights = None

    def scalar_output(arrays, record):
        nonlocal weights
        tensors = [Tensor(a, requires_grad=record) for a in arrays]
        out = fn(*tensors)
        if weights is None:
            weights = np.random.default_rng(seed).uniform(0.5, 1.5, out.shape)
        return (out * weights).sum(), tensors

    arrays = [np.array(a, dtype=np.float64) for a in originals]    # private float64 copies
    loss, tensors = scalar_output(arrays, record=True)
    loss.backward()

    for which, (array, tensor) in enumerate(zip(arrays, tensors)):
        analytic = tensor.grad if tensor.grad is not None else np.zeros_like(array)
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            f_plus = scalar_output(arrays, False)[0].item()
            array[index] = original - eps
            f_minus = scalar_output(arrays, False)[0].item()
            array[index] = original                       # nudge one entry at a time, then undo
            numeric = (f_plus - f_minus) / (2 * eps)
            if not np.isclose(analytic[index], numeric, atol=atol, rtol=rtol):
                raise AssertionError(
                    f"gradient of {names[which]} at index {index}: backward gave "
                    f"{analytic[index]:.8g}, finite differences give {numeric:.8g} "
                    f"(difference {abs(analytic[index] - numeric):.3g}, atol={atol}, rtol={rtol}).")
    return True
