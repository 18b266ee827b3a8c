"""Edge labels: the gradient that flowed along each edge in a backward pass (read from a
md.trace_backward Trace), or the operand each edge is (x and W of a matmul).

In the picture an edge runs from an input tensor to the op that read it; in the backward pass
the gradient flows the other way, and what the input received along that edge is one term of
its gradient. A tensor used three times has three edges, each labelled with its own term.
"""
import numpy as np

from microdense.graph import labels
from microdense.graph.labels import escape
from microdense.trace import Trace, latest_trace

EDGE_LABELS = (None, "grad", "operand")

# The inputs of the ops where their order matters, named as a learner writes them.
OPERANDS = {
    "sub": ("a", "b"), "div": ("numerator", "denominator"), "pow": ("base", "exponent"),
    "matmul": ("x", "W"), "where": ("condition", "if true", "if false"),
    "binary_crossentropy": ("target", "output"), "categorical_crossentropy": ("target", "output"),
}


# Inputs no gradient flows back to: drawn dashed, whatever the labels.
NOT_DIFFERENTIABLE = {"where": (0,)}          # where(condition, a, b): the condition


def find_trace(root, trace, edge_labels):
    """The trace to read gradient labels from: the one given, else the latest live one run
    from this root by md.trace_backward, else an error saying how to make one."""
    if isinstance(root, Trace):
        return root
    if edge_labels != "grad":
        return trace
    trace = trace or latest_trace(root)
    if trace is None:
        raise ValueError("edge_labels='grad' labels each edge with the gradient that flowed "
                         "along it in a backward pass, which a trace records: run "
                         "trace = md.trace_backward(loss) first (instead of loss.backward()), "
                         "then md.draw_graph(loss, edge_labels='grad') or "
                         "md.draw_graph(trace, edge_labels='grad').")
    if trace.root is not root:
        raise ValueError("trace= was recorded from another root than the tensor drawn.")
    return trace


class EdgeGradients:
    """For each drawn op box, what each of its inputs received from it in the traced pass."""

    def __init__(self, trace, tensors, structure):
        steps = {id(step.node): step for step in trace.steps}
        self.by_argument = {}       # (drawn tensor i, argument) -> array, for a plain op
        self.by_input = {}          # (drawn tensor i, input tensor id) -> summed array
        for i, tensor in enumerate(tensors):
            if structure.hidden[i] or not tensor.parents:
                continue
            members = structure.members[i]
            if len(members) == 1:
                step = steps.get(id(tensor))
                for c in (step.contributions if step else []):
                    self.by_argument[(i, c.input_index)] = c.added
                continue
            inside = {id(tensors[m]) for m in members}   # a composed op: sum what leaves it
            for m in members:
                step = steps.get(id(tensors[m]))
                for c in (step.contributions if step else []):
                    if id(c.parent) not in inside:
                        key = (i, id(c.parent))
                        self.by_input[key] = self.by_input.get(key, 0) + c.added

    def label(self, i, argument, parent, composite):
        grad = (self.by_input.get((i, id(parent))) if composite
                else self.by_argument.get((i, argument)))
        return None if grad is None else gradient_text(grad)


def gradient_text(grad):
    """A gradient as an edge label: its values when tiny, else its size, mean |grad|: the
    one |grad| of every drawing (color_by="grad" shades by it too) and of the explorer."""
    grad = np.asarray(grad)
    if grad.size <= 2:
        return "grad " + labels.format_values(grad)
    size = labels.mean_abs(grad)
    return f"mean |grad| {'nan' if size is None else labels.format_number(size)}"


def operand_text(op, argument, n_inputs):
    """The name of an op's argument-th input where order matters, else None."""
    names = OPERANDS.get(op)
    if names and argument < len(names):
        return names[argument]
    if op in ("concatenate", "stack") and n_inputs > 1:
        return f"part {argument}"
    return None

class EdgeLabels:
    """How an input edge is labelled: by the gradient that flowed along it, or its operand."""

    def __init__(self, edge_labels, trace, tensors, structure):
        self.kind = edge_labels
        self.gradients = (EdgeGradients(trace, tensors, structure)
                          if edge_labels == "grad" else None)

    def attributes(self, i, argument, parent, op, structure):
        composite = len(structure.members[i]) > 1
        text = None
        if self.kind == "grad":
            text = self.gradients.label(i, argument, parent, composite)
        elif self.kind == "operand" and not composite:
            text = operand_text(op, argument, len(structure.inputs[i]))
        attributes = {"tooltip": f"input {argument} of {op}"}
        if not composite and argument in NOT_DIFFERENTIABLE.get(op, ()):
            attributes.update(style="dashed", tooltip=f"input {argument} of {op}: no gradient "
                                                      f"flows back along it")
        if text:
            attributes.update(label=f"<{escape(text)}>", fontsize="8",
                              fontcolor=labels.EDGE_LABEL)
        return attributes
