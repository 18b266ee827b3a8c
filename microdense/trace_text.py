"""The trace written out as a learner would write it: each step in the math's own form, with
every number (as numpy prints arrays), and any one element as its own sum of products.

    print(trace)                              # every step, arrays up to 100 values in full
    trace.to_text(threshold=None)             # every value of every array
    trace.steps[4].element(1, 2)              # dL/dW[1,2] = sum_b h[b,1] * dL/dz[b,2] = ...

The forms come from the op records (ops/op.py's `math`: `dL/dW = x^T @ dL/dz`), the numbers
from the engine's own walk (trace.py): nothing is computed a second way, except the terms of
an element's sum, which are there to be checked by hand against the engine's total.
"""
import itertools
import sys

import numpy as np

THRESHOLD = 100              # arrays of more values show their edges, as numpy prints them
TERMS_SHOWN = 8              # an element's sum lists this many products, then "..."


# ---- numbers ------------------------------------------------------------------------------

def array_text(array, threshold=THRESHOLD, prefix=""):
    """An array as numpy prints it (precision 4): every value up to `threshold` values
    (None: all of them), else the first and last few of each axis with '...'. Lines after
    the first are aligned under the first, which is to follow `prefix` on its line."""
    array = np.asarray(array)
    if array.size == 1 and array.ndim <= 1:
        return f"{array.item():.4g}"
    return np.array2string(array, precision=4, separator=", ", max_line_width=100,
                           threshold=sys.maxsize if threshold is None else threshold,
                           edgeitems=3, prefix=prefix)


def line(prefix, array, threshold):
    """`prefix` followed by the array, its later lines aligned under its first."""
    return prefix + array_text(array, threshold, prefix)


def shape_text(array):
    return str(tuple(np.shape(array)))


class Symbol:
    """A tensor as the math forms name it: prints as its label, and has a shape."""
    __slots__ = ("label", "shape")

    def __init__(self, label, shape):
        self.label, self.shape = label, tuple(shape)

    def __str__(self):
        return self.label


# ---- one step ------------------------------------------------------------------------------

def step_text(trace, step, threshold=THRESHOLD):
    """The lines of one step: what it computes, its rule, dL/d(node), then for each input the
    gradient it receives, in the math's own form and in numbers."""
    node, name = step.node, trace.label(step.node)
    inputs = ", ".join(trace.label(p) for p in node.parents)
    where = ""
    if node.scope is not None:
        where = "   (in " + " > ".join(s.name for s in node.scope.chain()) + ")"
    lines = [f"step {step.index}: {name} = {node.op}({inputs}){where}",
             f"  rule: {node.rule}" if node.rule else "  rule: (none given)",
             "  " + fan_in_text(trace, node, step.upstream, threshold)]
    forms = math_forms(trace, node)
    for c in step.contributions:
        lines.extend(contribution_lines(trace, step, c, forms[c.input_index], threshold))
    return lines


def math_forms(trace, node):
    """Each input's gradient in the math's own form, from the op's record (or the chain rule
    in general, dL/dx = dL/dout * dout/dx, for a record that gives none)."""
    out = Symbol(trace.label(node), node.data.shape)
    inputs = [Symbol(trace.label(p), p.data.shape) for p in node.parents]
    record = node.record
    if record is not None and record.math is not None:
        return list(record.math(out, *inputs))
    return [f"dL/d{x} = dL/d{out} * d{out}/d{x}" for x in inputs]


def contribution_lines(trace, step, c, form, threshold):
    """What one input received: the form, the numbers (upstream times the local factor for an
    elementwise op), and the sum over broadcast axes if the engine had to take one. Small
    arrays share the form's line: `w receives dL/dw = dL/dh * 3 = 1.041 * 3 = 3.124`."""
    parent, node = trace.label(c.parent), trace.label(step.node)
    local = local_factor(step, c)
    if local is not None and np.all(local == 1):        # a factor of 1 says nothing
        local = None
    head = f"  {parent} receives {form}"
    if local is not None:
        inline = [array_text(step.upstream, threshold), array_text(local, threshold),
                  array_text(c.from_op, threshold)]
        lines = _inline(head, f"{inline[0]} * {inline[1]} = {inline[2]}", inline) or [
            head, line(f"    local factor d{node}/d{parent} = ", local, threshold),
            line(f"    dL/d{node} * local factor = ", c.from_op, threshold)]
    else:
        result = array_text(c.from_op, threshold)
        lines = _inline(head, result, [result]) or [head, line("    = ", c.from_op, threshold)]
    if c.summed_axes:
        axes = _axes_text(c.summed_axes, np.ndim(c.from_op), c.parent.data.ndim)
        lines.append(line(f"    {parent} {shape_text(c.parent.data)} receives it summed over "
                          f"{axes} = ", c.added, threshold))
    return lines


def _inline(head, numbers, texts):
    """[head = numbers] when every array is one short line, else None."""
    text = f"{head} = {numbers}"
    if any("\n" in t for t in texts) or len(text) > 100:
        return None
    return [text]


def _axes_text(axes, grad_ndim, parent_ndim):
    noun = "axis" if len(axes) == 1 else "axes"
    text = f"{noun} {', '.join(map(str, axes))}"
    if axes[0] == 0 and grad_ndim > parent_ndim:
        text += " (the batch)"                 # a bias, added to every row of a batch
    return text


def local_factor(step, c):
    """For an elementwise op, d out/d input element by element: what multiplied the upstream
    gradient (the op's own backward, given ones). None for any other op."""
    record = step.node.record
    if record is None or not record.elementwise or np.shape(c.from_op) != step.upstream.shape:
        return None
    needs = tuple(i == c.input_index for i in range(len(step.node.parents)))
    ones = np.ones_like(step.upstream)
    local = record.backward(step.node.saved, ones, needs)[c.input_index]
    return None if local is None else np.broadcast_to(local, ones.shape)


# ---- one element ---------------------------------------------------------------------------

class Element:
    """One element of one input's gradient at one step, as a sum you can check by hand."""

    def __init__(self, text, value, terms):
        self.text = text         # e.g. "dL/dW[1,2] = sum_b x[b,1] * dL/dz[b,2] = ..."
        self.value = value       # what the engine added to the input's gradient there
        self.terms = terms       # the products summed, as (factor, factor) pairs

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"<Element {self.text}>"


def element(trace, step, index, of=None):
    """dL/d(input)[index] at this step, written as its own sum of products."""
    c = _pick_contribution(trace, step, of)
    index = tuple(int(i) for i in (index if isinstance(index, tuple) else (index,)))
    parent, node = trace.label(c.parent), trace.label(step.node)
    if len(index) != c.parent.data.ndim:
        raise IndexError(f"{parent} has shape {c.parent.data.shape}: give {c.parent.data.ndim} "
                         f"indices, not {len(index)}.")
    value = float(np.asarray(c.added)[index])
    at = "[" + ",".join(map(str, index)) + "]"
    record = step.node.record
    if record is not None and record.name == "matmul" and step.node.data.ndim == 2 \
            and all(p.data.ndim == 2 for p in step.node.parents):
        return _matmul_element(trace, step, c, index, value)
    local = local_factor(step, c)
    g = step.upstream
    if local is not None:                     # elementwise: one product, or one per copy
        positions = _copies(index, c, g.shape)
        terms = [(float(g[p]), float(local[p])) for p in positions]
        if len(positions) == 1:
            text = (f"dL/d{parent}{at} = dL/d{node}{at} * d{node}/d{parent}{at} = "
                    f"{_product(*terms[0])} = {value:.4g}")
        else:
            text = (f"dL/d{parent}{at} = sum over the {len(positions)} copies broadcasting "
                    f"made of it: dL/d{node} * d{node}/d{parent} = {_sum(terms)} = {value:.4g}")
        return Element(text, value, terms)
    return Element(f"dL/d{parent}{at} = {value:.4g} (from op '{step.node.op}''s backward: "
                   f"{c.from_op.size} values do not split into one product per element)",
                   value, [])


def _matmul_element(trace, step, c, index, value):
    """z = a @ b: dL/db[i,j] = sum_r a[r,i] * dL/dz[r,j]; dL/da[r,i] = sum_j dL/dz[r,j] * b[i,j]."""
    a, b = (trace.label(p) for p in step.node.parents)
    a_data, b_data = (p.data for p in step.node.parents)
    node, g = trace.label(step.node), step.upstream
    if c.input_index == 1:
        i, j = index
        terms = [(float(a_data[r, i]), float(g[r, j])) for r in range(g.shape[0])]
        form = f"dL/d{b}[{i},{j}] = sum_r {a}[r,{i}] * dL/d{node}[r,{j}]"
    else:
        r, i = index
        terms = [(float(g[r, j]), float(b_data[i, j])) for j in range(g.shape[1])]
        form = f"dL/d{a}[{r},{i}] = sum_j dL/d{node}[{r},j] * {b}[{i},j]"
    return Element(f"{form} = {_sum(terms)} = {value:.4g}", value, terms)


def _pick_contribution(trace, step, of):
    """The contribution to `of` (a tensor or its label); by default, to a parameter (a leaf
    that requires grad, such as W), else to the first input."""
    if not step.contributions:
        raise ValueError(f"step {step.index} passes no gradient on.")
    if of is None:
        for c in step.contributions:
            if not c.parent.parents:
                return c
        return step.contributions[0]
    for c in step.contributions:
        if c.parent is of or (isinstance(of, str) and trace.label(c.parent) == of):
            return c
    names = ", ".join(trace.label(c.parent) for c in step.contributions)
    raise ValueError(f"step {step.index} passes gradients to {names}; not to {of!r}.")


def _copies(index, c, upstream_shape):
    """The positions of the upstream gradient that broadcasting made from input[index]."""
    extra = len(upstream_shape) - len(index)
    ranges = [range(n) for n in upstream_shape[:extra]]
    for axis, i in enumerate(index):
        stretched = c.parent.data.shape[axis] == 1 and upstream_shape[extra + axis] != 1
        ranges.append(range(upstream_shape[extra + axis]) if stretched else [i])
    return list(itertools.product(*ranges))


def _product(a, b):
    return f"{a:.4g}*{b:.4g}"


def _sum(terms):
    shown = " + ".join(_product(a, b) for a, b in terms[:TERMS_SHOWN])
    if len(terms) > TERMS_SHOWN:
        shown += f" + ... ({len(terms)} terms)"
    return shown


# ---- the whole pass -----------------------------------------------------------------------

def trace_text(trace, max_steps=None, threshold=THRESHOLD):
    """Trace.to_text: the seed, one paragraph per step, then the leaves' gradients."""
    lines = [f"Backward pass from {trace.label(trace.root)} {shape_text(trace.root.data)}: "
             f"{len(trace.steps)} steps, each node once, the root first.",
             line(f"d{trace.label(trace.root)}/d{trace.label(trace.root)} = ", trace.seed,
                  threshold) + " (the seed)"]
    shown = trace.steps if max_steps is None else trace.steps[:max_steps]
    for step in shown:
        lines.append("")
        lines.extend(step_text(trace, step, threshold))
    if max_steps is not None and len(trace.steps) > max_steps:
        lines.append(f"\n... {len(trace.steps) - max_steps} more steps "
                     f"(to_text(max_steps=None) shows them all)")
    leaves = [t for t in trace.tensors() if not t.parents]
    if leaves:
        lines.append("")
        lines.append("Gradients of the leaves:")
        for leaf in leaves:
            lines.append("  " + fan_in_text(trace, leaf, threshold=threshold))
    return "\n".join(lines)


def fan_in_text(trace, tensor, total=None, threshold=THRESHOLD):
    """dL/d(tensor), written as the sum of its contributions when it has several."""
    received = trace.received(tensor)
    total = received[-1].total if total is None else total
    name = f"dL/d{trace.label(tensor)}"
    before = trace.held_before(tensor)
    if before is not None:
        return (line(f"  {name} = ", total, threshold)[2:] +
                "   (includes an earlier backward pass: zero_grad() to see this one alone)")
    if len(received) <= 1:
        return line(f"  {name} = ", total, threshold)[2:]
    terms = " + ".join(value_text(c.added) for c in received)
    return (line(f"  {name} = {terms} = ", total, threshold)[2:] +
            f"   ({len(received)} contributions, summed)")


def value_text(array):
    """Small arrays as their numbers; large ones as shape, mean and norm."""
    array = np.asarray(array)
    if array.size == 1:
        return f"{array.item():.4g}"
    if array.size <= 12:
        text = np.array2string(array, precision=4, separator=", ", max_line_width=10_000)
        return " ".join(text.split())          # one line, even for a matrix
    return (f"<{shape_text(array)} array: mean {array.mean():.4g}, "
            f"norm {np.linalg.norm(array):.4g}>")
