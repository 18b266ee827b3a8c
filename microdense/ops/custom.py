"""Your own primitive: a forward you compute with numpy and the backward you write for it.

Most new functions need none of this: compose existing ops (`x * md.sigmoid(x)`) and the
gradient comes for free. Write a primitive when numerics or speed demand it, exactly as the
library's own ops are written (ops/elementwise.py): forward, then backward, side by side.
"""
import numpy as np

from microdense.ops.op import Op
from microdense.tensor import Tensor, as_tensor, node


def custom_op(output, inputs, backward, name, rule=""):
    """Record `output` (an ndarray computed from `inputs`) as one op of the graph.

    inputs    the tensors `output` was computed from, in order
    backward  g -> one gradient per input, where g = d(loss)/d(output) has output's shape;
              None for an input that needs no gradient. Capture arrays, never the output
              tensor (that would be a reference cycle). Shapes that broadcast are fine: the
              engine sums each gradient back to its input's shape, and accumulates.
    name      the op's name in drawings and traces; `rule` its derivative in words.

    >>> import numpy as np, microdense as md
    >>> def sin(x):
    ...     x = md.as_tensor(x)
    ...     cos_x = np.cos(x.data)
    ...     def backward(g):                 # g = d(loss)/d(sin(x))
    ...         return (g * cos_x,)          # chain rule: g * d sin(x)/dx
    ...     return md.custom_op(np.sin(x.data), (x,), backward, "sin", "d sin(x)/dx = cos(x)")
    >>> x = md.Tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    >>> md.gradcheck(sin, x)
    True
    >>> sin(x).sum().backward(); np.allclose(x.grad, np.cos(x.data))
    True
    """
    if not callable(backward):
        raise TypeError(f"custom_op {name!r}: backward must be a function g -> one gradient "
                        f"per input; got {type(backward).__name__}.")
    if not isinstance(name, str) or not name:
        raise TypeError(f"custom_op needs a name (a non-empty string) for drawings and "
                        f"traces; got {name!r}.")
    if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)):
        raise TypeError(f"custom_op {name!r}: inputs must be a tuple of tensors, e.g. (x,); "
                        f"got {type(inputs).__name__}.")
    if isinstance(output, Tensor):
        raise TypeError(f"custom_op {name!r}: output must be the forward's ndarray (compute "
                        f"it from x.data), not a Tensor.")
    # The op's record has no forward: the output was computed already, by code the record
    # cannot rerun, so a compiled step that meets this op trains eagerly instead.
    def record_backward(saved, g, needs):
        return backward(g)
    record = Op(name, None, record_backward, rule)
    return node(record, tuple(as_tensor(t) for t in inputs), {}, np.asarray(output), None)
