"""Finite-difference gradient checking, for users' own functions and for our op table.

The analytic gradient (from backward) is compared with central differences,
    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),
computed in float64, where the truncation and rounding errors are ~eps^2 and ~1e-16/eps.

The check itself compares one number per input entry (the output projected on a random R);
only when it fails does the message take the time to explain the failure element by element.
"""
import numpy as np

from microdense.tensor import Tensor

PER_ELEMENT_LIMIT = 256     # a failure on an output this small is explained element by element
ROWS_SHOWN = 8              # at most this many output elements are listed in the message
KINK_FACTOR = 100           # one-sided slopes this far beyond the tolerance apart: a kink


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check d fn(*inputs) / d input against central differences, for every input.

    `fn` takes tensors and returns a tensor. For speed, a non-scalar output is reduced to
    one number, sum(out * R) with a fixed random R in [0.5, 1.5]: one backward gives its
    gradient, and a backward that ignores its upstream gradient fails.
    Returns True, or raises AssertionError saying which input, which index and the input's
    value there, and, for outputs of up to 256 elements, each output element's derivative
    from backward beside its central difference; a hint when the point is a kink (the
    one-sided differences disagree, as for relu at 0).
    """
    arrays = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
              for x in inputs]                            # private float64 copies
    names = [_name(x, i, len(inputs)) for i, x in enumerate(inputs)]
    out, tensors = _forward(fn, arrays, record=True)
    weights = np.random.default_rng(seed).uniform(0.5, 1.5, out.shape)      # R
    (out * weights).sum().backward()
    at_x = np.array(out.data, dtype=np.float64)

    for which, (array, tensor) in enumerate(zip(arrays, tensors)):
        analytic = tensor.grad if tensor.grad is not None else np.zeros_like(array)
        for index in np.ndindex(array.shape):
            nudged = _nudged_outputs(fn, arrays, which, index, eps)
            numeric = float(((nudged[0] - nudged[1]) * weights).sum() / (2 * eps))
            if not np.isclose(analytic[index], numeric, atol=atol, rtol=rtol):
                failure = _Failure(fn, arrays, names[which], which, index, at_x, nudged,
                                   float(analytic[index]), numeric, eps, atol, rtol)
                raise AssertionError(failure.message())
    return True


def _name(x, i, count):
    """(what the message calls input i, the symbol for it in formulas): ('w', 'w') for a
    tensor named w; ('input 0 (x)', 'x') for an unnamed one (x0, x1, ... among several)."""
    name = getattr(x, "name", None)
    if name:
        return name, name
    symbol = "x" if count == 1 else f"x{i}"
    return f"input {i} ({symbol})", symbol


def _forward(fn, arrays, record):
    """fn at the current values of `arrays`: (its output tensor, the input tensors)."""
    tensors = [Tensor(a, requires_grad=record) for a in arrays]
    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor computed from its inputs; it "
                        f"returned {type(out).__name__}.")
    return out, tensors


def _nudged_outputs(fn, arrays, which, index, eps):
    """fn's output (float64) with one input entry moved by +eps, then by -eps."""
    array = arrays[which]
    original = array[index]
    outputs = []
    for step in (eps, -eps):
        array[index] = original + step                # nudge one entry in place ...
        outputs.append(np.array(_forward(fn, arrays, False)[0].data, dtype=np.float64))
    array[index] = original                           # ... and undo it
    return outputs


def _jacobian_column(fn, arrays, which, index, size):
    """d out_k / d input[index] for every output element k, from backward: one backward per
    element, seeded with a one-hot upstream gradient."""
    column = np.zeros(size)
    for k in range(size):
        out, tensors = _forward(fn, arrays, record=True)
        one_hot = np.zeros(out.shape)
        one_hot.flat[k] = 1.0
        (out * one_hot).sum().backward()
        grad = tensors[which].grad
        column[k] = grad[index] if grad is not None else 0.0
    return column


# ---- the failure message ------------------------------------------------------------------

def _at(name, index):
    """'w[0, 1]' (or 'w' for a scalar): one entry of an array, as a reader would write it."""
    return f"{name}[{', '.join(str(i) for i in index)}]" if index else name


def _number(value):
    return f"{value:.8g}"


class _Failure:
    """Why one input entry failed: the derivative of each output element, by backward and by
    central differences, and what the one-sided differences say about a kink."""

    def __init__(self, fn, arrays, name, which, index, at_x, nudged, analytic, numeric, eps,
                 atol, rtol):
        (self.name, self.symbol), self.index, self.shape = name, index, at_x.shape
        self.value = float(arrays[which][index])
        self.analytic, self.numeric = analytic, numeric     # of sum(out * R), as checked
        self.atol, self.rtol = atol, rtol
        f_plus, f_minus = nudged
        self.central = ((f_plus - f_minus) / (2 * eps)).ravel()
        self.right = ((f_plus - at_x) / eps).ravel()          # one-sided, from above
        self.left = ((at_x - f_minus) / eps).ravel()          # one-sided, from below
        self.backward = (_jacobian_column(fn, arrays, which, index, at_x.size)
                         if at_x.size <= PER_ELEMENT_LIMIT else None)

    def message(self):
        lines = [self._headline()]
        if self.shape:                  # a scalar's headline already says it all
            if self.backward is not None:
                lines += self._rows()
            lines.append(self._projection_note())
        kink = self._kink_hint()
        if kink:
            lines.append(kink)
        return "\n".join(lines)

    def _disagreeing(self):
        """Output elements whose two derivatives disagree, worst first."""
        excess = (np.abs(self.backward - self.central)
                  - (self.atol + self.rtol * np.abs(self.central)))
        return [k for k in np.argsort(-excess, kind="stable") if excess[k] > 0]

    def _output(self, k):
        return "out" if not self.shape else _at("out", np.unravel_index(k, self.shape))

    def _headline(self):
        entry = _at(self.symbol, self.index)
        start = f"gradient of {self.name} at index {self.index}: backward gave "
        disagreeing = self._disagreeing() if self.backward is not None else []
        if disagreeing:
            k = disagreeing[0]
            got, expected = self.backward[k], self.central[k]
            what = f"d {self._output(k)} / d {entry}"
        else:
            got, expected = self.analytic, self.numeric
            what = f"d sum(out * R) / d {entry} (R explained below)"
        return (f"{start}{_number(got)}, finite differences give {_number(expected)} for "
                f"{what}, at {entry} = {_number(self.value)} (difference "
                f"{abs(got - expected):.3g}; atol={self.atol}, rtol={self.rtol}).")

    def _rows(self):
        entry = _at(self.symbol, self.index)
        disagreeing = self._disagreeing()
        shown = (range(self.backward.size) if self.backward.size <= ROWS_SHOWN
                 else disagreeing[:ROWS_SHOWN])
        table = [("", "backward", "central difference", "")] + [
            (self._output(k), _number(self.backward[k]), _number(self.central[k]),
             "<- disagree" if k in disagreeing else "") for k in shown]
        widths = [max(len(row[column]) for row in table) for column in range(3)]
        lines = [f"Each output element's derivative with respect to {entry} "
                 f"({len(disagreeing)} of {self.backward.size} disagree):"]
        lines += ["  " + "  ".join(cell.rjust(width) if column else cell.ljust(width)
                                   for column, (cell, width) in enumerate(zip(row, widths)))
                  + (f"  {row[3]}" if row[3] else "") for row in table]
        if len(shown) < len(disagreeing):
            lines.append(f"  ... and {len(disagreeing) - len(shown)} more that disagree")
        return lines

    def _projection_note(self):
        entry = _at(self.symbol, self.index)
        note = (f"(For speed gradcheck compares one number per input entry: d sum(out * R) / "
                f"d {entry}, where R is a fixed random array in [0.5, 1.5] of the output's "
                f"shape {self.shape}, which mixes all output elements: backward "
                f"{_number(self.analytic)}, central difference {_number(self.numeric)}.")
        if self.backward is None:
            note += (f" The output has {int(np.prod(self.shape)):,} elements, too many to check "
                     f"one by one here; to see single elements, check a slice of it, e.g. "
                     f"gradcheck(lambda *x: fn(*x)[:2], ...).")
        return note + ")"

    def _kink_hint(self):
        """A hint when the one-sided differences disagree: the function has a kink here."""
        tolerance = self.atol + self.rtol * np.maximum(np.abs(self.right), np.abs(self.left))
        kinked = np.flatnonzero(np.abs(self.right - self.left) > KINK_FACTOR * tolerance)
        if not kinked.size:
            return ""
        k = kinked[0]
        return (f"Hint: at {_at(self.symbol, self.index)} = {_number(self.value)} the function "
                f"has a kink: its one-sided differences disagree (for {self._output(k)}: "
                f"{_number(self.right[k])} from the right, {_number(self.left[k])} from the "
                f"left), so it has no derivative there. Backward returns one side's slope or a "
                f"convention (relu'(0) = 0), central differences the average of the two sides, "
                f"and they cannot agree. Check at points away from kinks (relu or abs at 0, "
                f"max or min at a tie, clip at a bound).")
