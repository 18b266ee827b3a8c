"""What draw_graph says when the picture alone would mislead: the wrong thing to draw, a tensor
that recorded no graph, gradients not computed yet, gradients summed over several backward
passes, nodes left out.

A learner who draws `model.predict(x)` or draws before `loss.backward()` gets a picture that is
not wrong but says nothing of why it is empty; these notes say it, and what to call instead.
"""
import warnings

import numpy as np

from microdense.graph.labels import escape
from microdense.tensor import Tensor

ELIDED = "elided"                       # node id of the "... more nodes not drawn" note
NOTE_FILL = "#fff8d6"                   # pale yellow, as a sticky note
HOW_TO_GET_A_GRAPH = ("Call the model on the data instead: model(x) returns a Tensor with its "
                      "graph, e.g. loss = md.losses.CategoricalCrossentropy()(y, model(x)); "
                      "loss.backward(); md.draw_graph(loss).")


def require_tensor(root):
    """TypeError, saying what to pass, unless `root` is a Tensor (the only thing with a graph)."""
    if isinstance(root, Tensor):
        return
    if isinstance(root, np.ndarray):
        given = ("a numpy array, which holds values but no graph: model.predict(x) returns "
                 "one, computed without recording anything")
    elif isinstance(root, (list, tuple)) and any(isinstance(item, Tensor) for item in root):
        given = (f"a {type(root).__name__} of tensors; pass one of them (usually the loss), "
                 f"or add them up into one tensor first")
    elif isinstance(root, (int, float, np.number, list, tuple, dict)):
        given = (f"a {type(root).__name__}, which holds numbers but no graph: "
                 f"model.train_on_batch(...) and model.evaluate(...) return the loss and "
                 f"metrics as plain numbers")
    else:
        given = f"a {type(root).__name__}"
    raise TypeError(f"draw_graph draws the graph recorded behind a microdense Tensor; it was "
                    f"given {given}. {HOW_TO_GET_A_GRAPH}")


def records_nothing(root):
    """True for a tensor no op recorded and that is not a parameter: data, a constant, or the
    result of ops run under md.no_grad() or on inputs that do not require grad."""
    return not root.parents and not root.requires_grad


def warn_nothing_recorded():
    warnings.warn(
        "draw_graph: this tensor recorded no graph, so the drawing is a single box. Ops record "
        "only when one of their inputs requires grad (a weight, or a Tensor made with "
        "requires_grad=True) and only outside md.no_grad(); model.predict(x) runs under "
        f"no_grad. {HOW_TO_GET_A_GRAPH}", UserWarning, stacklevel=3)


def has_no_gradients_yet(tensors):
    """True when a recorded graph has no gradient anywhere: backward() has not run on it.
    (A parameter drawn alone is no graph: it gets no note.)"""
    return bool(tensors[0].parents) and all(tensor.grad is None for tensor in tensors)


def add_note(canvas, node_id, lines):
    """A sticky note in the drawing, one line of (escaped) text per entry of `lines`."""
    canvas.add_node(node_id, shape="note", style="filled", fillcolor=NOTE_FILL,
                    fontsize="10", tooltip=" ".join(lines),
                    label="<" + "<br/>".join(escape(line) for line in lines) + ">")


def add_nothing_recorded_note(canvas):
    add_note(canvas, "note_nothing_recorded",
             ["nothing recorded: no op made this tensor, so there is no graph to draw",
              "(data, a constant, or made under md.no_grad(), as model.predict is);",
              "draw the output of model(x), or a loss computed from it"])


def add_no_gradients_note(canvas):
    add_note(canvas, "note_no_gradients",
             ["no gradients yet: backward() has not run on this graph,",
              "so no grad rows are shown. Call loss.backward() before drawing",
              "(or pass show_grad=False to draw the forward pass without this note)"])


def add_elision_note(canvas, elided):
    canvas.add_node(ELIDED, shape="note", style="filled", fillcolor="#f7f7f7",
                    label=f"<… {elided:,} more nodes not drawn (the farthest from the root)"
                          f"<br/>raise max_nodes= or use collapse_layers=True>")


# ---- gradients summed over backward passes ------------------------------------------------
# A leaf's .grad adds up over backward passes until it is reset (DESIGN.md: so backward() twice
# is safe). A picture or page drawn after a second md.trace_backward(loss) therefore shows each
# leaf's gradient twice over; what the trace recorded says so: a tensor's first contribution in
# the pass left its .grad at `total`, having added `added`, so it held total - added before.

def earlier_gradients(trace):
    """[(tensor, what its .grad held when the traced pass began)] for each tensor that
    already held a non-zero gradient, in the order the pass reached them."""
    found = []
    for tensor in trace.tensors():
        first = trace.received(tensor)[0]
        before = np.asarray(first.total) - np.asarray(first.added)
        if np.any(np.abs(before) > 0):
            found.append((tensor, before))
    return found


def _names(trace, earlier):
    names = [trace.label(tensor) for tensor, _ in earlier]
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def warn_earlier_gradients(trace, earlier, where):
    warnings.warn(
        f"{where}: {_names(trace, earlier)} already held a gradient from an earlier backward "
        f"pass when this one was traced, so the .grad shown is the sum over the passes (after "
        f"md.trace_backward(loss) twice, twice one pass's gradient). Leaves add up until reset: "
        f"call model.zero_grad() (or tensor.zero_grad()) before tracing to see one pass.",
        UserWarning, stacklevel=3)


def add_earlier_gradients_note(canvas, trace, earlier):
    add_note(canvas, "note_earlier_gradients",
             [f"grads summed over backward passes: {_names(trace, earlier)}",
              "already held a gradient when this pass was traced",
              "(leaves add up until zero_grad(); reset them to see one pass)"])

