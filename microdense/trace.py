"""A recorded backward pass: what each step of the engine's walk did, with its numbers.

    trace = md.trace_backward(loss)   # runs loss.backward() once and records every step
    print(trace)                      # the chain rule, step by step, as a worked example
    trace.steps[3]                    # one step: the node, dL/d(node), its rule, what each
                                      #   input received (before and after un-broadcasting)
    trace.steps[3].element(1, 2)      # one element of a gradient as a sum of products
    trace.paths(W)                    # dL/dW as a sum over the paths from loss to W

The trace is filled in by the engine's own walk (engine.backward calls `visit` and `receive`),
so what it shows is what ran: nothing is derived a second way. `paths` alone calls the ops'
backward functions again, along one path at a time, to split a gradient into its paths.
Plain `loss.backward()` passes no trace and pays nothing for it.
"""
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np

from microdense import engine, trace_text
from microdense.trace_text import THRESHOLD, value_text


def trace_backward(root, grad=None):
    """Run `root.backward(grad)` exactly as usual, and return the Trace of what it did.

    Leaves add up their gradients over passes (until zero_grad()): if some already held one,
    a warning says so, and the printed trace marks their totals as including it."""
    trace = Trace(root)
    engine.backward(root, None if grad is None else np.asarray(getattr(grad, "data", grad)),
                    retain_grads=True, trace=trace)
    _remember(trace)
    earlier = [trace.label(t) for t in trace.tensors() if trace.held_before(t) is not None]
    if earlier:
        warnings.warn(f"md.trace_backward: {', '.join(earlier[:3])}"
                      f"{' and more' if len(earlier) > 3 else ''} already held a gradient from "
                      f"an earlier backward pass, so their .grad is the sum over the passes. "
                      f"Call zero_grad() (model.zero_grad()) before tracing to see one pass.",
                      UserWarning, stacklevel=2)
    return trace


# The latest trace run from each root, while the caller keeps it alive, so that
# md.draw_graph(loss, edge_labels="grad") finds the trace of `trace = md.trace_backward(loss)`.
_latest = {}


def _remember(trace):
    key = id(trace.root)

    def forget(dead_ref):
        if _latest.get(key) is dead_ref:
            del _latest[key]
    _latest[key] = weakref.ref(trace, forget)


def latest_trace(root):
    """The most recent Trace recorded from `root` that is still alive, or None."""
    ref = _latest.get(id(root))
    trace = ref() if ref is not None else None
    return trace if trace is not None and trace.root is root else None


# ---- what is recorded ---------------------------------------------------------------------

@dataclass
class Contribution:
    """What one input of an op received at one step: one term of the chain rule."""
    parent: object           # the input tensor
    input_index: int         # which input of the op it is (a is 0 and b is 1 in a * b)
    from_op: np.ndarray      # what the op's backward returned: upstream x local derivative
    added: np.ndarray        # what the engine added to parent.grad (un-broadcast, cast)
    summed_axes: tuple       # axes of from_op that un-broadcasting summed away (often none)
    total: np.ndarray        # parent.grad after adding it: the running sum
    count: int               # this is the parent's count-th contribution in this pass


@dataclass
class Step:
    """One node of the walk, in the engine's order: the root first, then reverse topological."""
    index: int
    node: object             # the tensor whose gradient this step passes on
    upstream: np.ndarray     # dL/d(node), complete when the step runs
    contributions: list = field(default_factory=list)
    trace_ref: object = field(default=None, repr=False)   # a weak reference to its Trace

    @property
    def op(self):
        return self.node.op

    def element(self, *index, of=None):
        """One element of the gradient this step gives an input (a parameter by default, or
        `of`: a tensor or its label), as the sum of products it is:
        `dL/dW[1,2] = sum_r x[r,1] * dL/dz[r,2] = 0.31*0.02 + ... = 0.0057`."""
        return trace_text.element(self.trace_ref(), self, index, of)

    def to_text(self, threshold=THRESHOLD):
        """This step as print(trace) writes it."""
        return "\n".join(trace_text.step_text(self.trace_ref(), self, threshold))

    @property
    def rule(self):
        return self.node.rule


@dataclass
class Path:
    """One path from the root down to a tensor, and the part of its gradient that flows on it."""
    tensors: list            # root, ..., the tensor
    input_indices: list      # at each op, which of its inputs the path goes on through
    contribution: np.ndarray
    local_derivatives: list  # for an all-scalar path: each op's local derivative, else None
    labels: list = field(default_factory=list)   # the tensors' labels, as the trace prints them

    @property
    def ops(self):
        return [t.op for t in self.tensors[:-1]]

    def __str__(self):
        """'L <- mul_0 <- W: ...': the tensors it passes through; where an op takes one tensor
        twice (a * a), which input the path goes through."""
        hops = self.labels[:1]
        for node, i, parent, label in zip(self.tensors, self.input_indices, self.tensors[1:],
                                          self.labels[1:]):
            twice = sum(p is parent for p in node.parents) > 1
            hops.append(f"{label} (as input {i})" if twice else label)
        route = " <- ".join(hops) if len(hops) > 1 else "(the root itself)"
        if self.local_derivatives is not None:
            product = " * ".join(value_text(d) for d in [1.0] + self.local_derivatives)
            return f"{route}: {product} = {value_text(self.contribution)}"
        return f"{route}: {value_text(self.contribution)}"


class Trace:
    """The steps of one backward pass. Read `steps`, print it, or split a gradient with paths()."""
    __slots__ = ("root", "steps", "_received", "_labels", "_label_counts", "__weakref__")

    def __init__(self, root):
        self.root = root
        self.steps = []
        self._received = {}      # id(tensor) -> its contributions, in the order they arrived
        self._labels = {}        # id(tensor) -> its label
        self._label_counts = {}  # op -> how many unnamed tensors of that op are labelled

    # -- called by the engine, once per step and once per input --
    def visit(self, node, upstream):
        self.steps.append(Step(len(self.steps), node, np.array(upstream),
                               trace_ref=weakref.ref(self)))

    def receive(self, input_index, parent, from_op, added):
        received = self._received.setdefault(id(parent), [])
        contribution = Contribution(parent, input_index, np.array(from_op), np.array(added),
                                    _summed_axes(np.shape(from_op), parent.data.shape),
                                    np.array(parent.grad), len(received) + 1)
        received.append(contribution)
        self.steps[-1].contributions.append(contribution)

    # -- reading it --
    @property
    def seed(self):
        """d(root)/d(root): the gradient the walk started from."""
        return self.steps[0].upstream if self.steps else None

    def held_before(self, tensor):
        """What tensor.grad held when this pass began (an earlier pass's), or None."""
        received = self._received.get(id(tensor))
        if not received:
            return None
        before = np.asarray(received[0].total) - np.asarray(received[0].added)
        return before if np.any(before != 0) else None

    def received(self, tensor):
        """Every contribution `tensor` received in this pass; they sum to its gradient."""
        return list(self._received.get(id(tensor), []))

    def tensors(self):
        """Every tensor that received a gradient, in the order it first received one."""
        seen, out = set(), []
        for step in self.steps:
            for c in step.contributions:
                if id(c.parent) not in seen:
                    seen.add(id(c.parent))
                    out.append(c.parent)
        return out

    def label(self, tensor):
        """The tensor's name, or its op and a number ('mul_2'), stable within this trace.
        An unnamed root is 'L', as in dL/dW."""
        key = id(tensor)
        if key not in self._labels:
            if tensor is self.root and not tensor.name:
                self._labels[key] = "L"
            elif not (tensor.name or tensor.parents or tensor.requires_grad) and tensor.size == 1:
                self._labels[key] = f"{tensor.data.item():.4g}"     # a constant: its value
            elif tensor.name:
                self._labels[key] = tensor.name
            else:
                base = tensor.op or ("parameter" if tensor.requires_grad else "input")
                count = self._label_counts.get(base, 0)
                self._label_counts[base] = count + 1
                self._labels[key] = f"{base}_{count}"
        return self._labels[key]

    def paths(self, tensor, max_paths=1000):
        """d(root)/d(tensor) as a sum over every path from the root down to `tensor`.

        Along each path, the ops' own backward functions are chained, starting from the seed;
        the paths' contributions add up to the gradient the walk gave `tensor`.
        """
        if not self.steps:
            return []
        leads_to = _tensors_leading_to(self.root, tensor)
        if self.root not in leads_to:
            raise ValueError(f"{self.label(tensor)} is not in the graph of "
                             f"{self.label(self.root)}: no path leads to it.")
        routes = []
        stack = [(self.root, [self.root], [])]
        while stack:
            node, tensors, indices = stack.pop()
            if node is tensor:
                routes.append((tensors, indices))
                if len(routes) > max_paths:
                    raise ValueError(
                        f"more than {max_paths} paths lead from {self.label(self.root)} to "
                        f"{self.label(tensor)}; pass a larger max_paths= or read "
                        f"trace.received({self.label(tensor)}) instead.")
                continue
            for i in reversed(range(len(node.parents))):
                parent = node.parents[i]
                if parent in leads_to and parent.requires_grad:
                    stack.append((parent, tensors + [parent], indices + [i]))
        return [self._follow(tensors, indices) for tensors, indices in routes]

    def _follow(self, tensors, indices):
        grad = self.seed
        for node, i, parent in zip(tensors, indices, tensors[1:]):
            grad = engine.unbroadcast(engine.local_gradients(node, grad)[i], parent.data.shape, node.op)
        local = None
        if all(t.data.size == 1 for t in tensors):   # scalars: the chain rule as a product
            local = [engine.unbroadcast(engine.local_gradients(node, np.ones_like(node.data))[i],
                                        parent.data.shape, node.op).item()
                     for node, i, parent in zip(tensors, indices, tensors[1:])]
        return Path(tensors, indices, grad.astype(tensors[-1].data.dtype), local,
                    [self.label(t) for t in tensors])

    # -- the worked example (written out by trace_text.py) --
    def to_text(self, max_steps=None, threshold=THRESHOLD):
        """The backward pass as a learner would write it out: one paragraph per step, each
        input's gradient in the math's own form and in numbers. Arrays of up to `threshold`
        values are written in full (None: every array in full), larger ones as numpy
        prints them, with '...'."""
        return trace_text.trace_text(self, max_steps, threshold)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return (f"<Trace: {len(self.steps)} steps from {self.label(self.root)}; "
                f"print() it for the worked example>")


# ---- helpers ------------------------------------------------------------------------------

def _summed_axes(grad_shape, shape):
    """The axes of a gradient of grad_shape that un-broadcasting to `shape` sums away."""
    extra = len(grad_shape) - len(shape)
    if extra < 0:
        return ()
    stretched = tuple(extra + axis for axis, n in enumerate(shape)
                      if n == 1 and grad_shape[extra + axis] != 1)
    return tuple(range(extra)) + stretched


def _tensors_leading_to(root, target):
    """Every tensor of root's graph from which `target` can be reached (target included)."""
    leads = set()
    for node in engine.toposort(root):           # parents before children
        if node is target or any(p in leads for p in node.parents):
            leads.add(node)
    if target not in leads:                       # target stopped the walk (requires no grad)
        leads.add(target)
    return leads
