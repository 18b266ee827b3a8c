"""The Tensor: an ndarray that remembers how it was made.

When an op runs on tensors and at least one of them `requires_grad`, the output records a node
of the computation graph:

    out.parents    the input tensors, in order (a tuple: `a + a` has two parents, both `a`)
    out.record     the op that made it (ops/op.py): its forward, backward and rule, defined once
    out.attrs      the op's settings (axis, shape, ...), as its forward was called with them
    out.saved      what that op's forward kept for its backward
    out.op         the op's name, e.g. "matmul"
    out.rule       its local derivative in one line, e.g. "d tanh(x)/dx = 1 - tanh(x)^2"
    out.scope      the layer that was running when the op ran (for drawings), or None

`loss.backward()` hands the graph to engine.py, which walks it once in reverse.
The ops themselves live in ops/; this file is only the container and its bookkeeping.
"""
import numpy as np

from microdense import config, engine, recording
from microdense.recording import Scope, is_grad_enabled, layer_scope, no_grad  # noqa: F401 (re-exported)


# ---- the Tensor ---------------------------------------------------------------------------

class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode autodiff.

    Tensor(data, requires_grad=False, dtype=None, name=None)

    An ndarray keeps its dtype (float64 stays float64); Python scalars and lists become
    `floatx()` (float32 unless `set_floatx` changed it). Only floating tensors can require grad.
    """

    # __slots__: every tensor has exactly these fields (_fill below sets them all).
    # `constraint`: for a weight, a function the optimizer applies after each update (Keras's
    # Variable.constraint, set by add_weight(constraint=...)); None for everything else.
    __slots__ = ("data", "grad", "_requires_grad", "name", "op", "rule", "parents", "scope",
                 "constraint", "record", "attrs", "saved", "__weakref__")

    # Makes numpy hand `ndarray + tensor` (and @, *, ...) to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        wrapped = isinstance(data, (Tensor, np.ndarray))     # numbers are literals
        if isinstance(data, Tensor):
            data = data.data
        if wrapped or isinstance(data, np.generic):
            data = np.asarray(data, dtype=dtype)
        else:
            data = _from_python(data, dtype)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"Tensor data must be numeric (bool, int or float); got dtype "
                            f"{data.dtype} from {type(data).__name__}.")
        _fill(self, data, False, (), None, None, "", "", None)
        self.requires_grad = requires_grad         # the property below checks the dtype
        self.name = name
        if wrapped and recording.mode.state.tape is not None:
            recording.mode.state.tape.wrapped(self)

    @property
    def requires_grad(self):
        """Whether backward() fills this tensor's .grad. Only floating tensors can."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.data.dtype.kind != "f":
            raise TypeError(f"Only floating-point tensors can require gradients; this one has "
                            f"dtype {self.data.dtype}. Use Tensor(..., dtype='float32').")
        self._requires_grad = bool(value)

    # -- attributes that mirror numpy --
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def T(self):
        return self.transpose()

    @property
    def is_leaf(self):
        """True for tensors no recorded op produced: parameters, data and constants."""
        return not self.parents

    def __len__(self):
        return len(self.data)

    # Reading a value out into Python or numpy. While a training step is recorded for
    # replay, each of these tells the tape: a replay could not see what Python did with it.
    def __array__(self, dtype=None, copy=None):
        _reading(self, "np.asarray(tensor)")
        return self.data if dtype is None else self.data.astype(dtype)

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        _reading(self, "tensor.numpy()")
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        _reading(self, "tensor.item()")
        return self.data.item()

    def tolist(self):
        """The values as (nested) Python lists."""
        _reading(self, "tensor.tolist()")
        return self.data.tolist()

    def __bool__(self):
        _reading(self, "bool(tensor) (an `if` on a tensor?)")
        return bool(self.data)

    def __float__(self):
        _reading(self, "float(tensor)")
        return float(self.data)

    def __int__(self):
        _reading(self, "int(tensor)")
        return int(self.data)

    def __repr__(self):
        """Tensor([[1., 2.], [3., 4.]], grad=[[...]], name='W', requires_grad=True): the numbers
        for a small tensor (as numpy prints them), a summary with '...' for a large one."""
        parts = [_numbers(self.data)]
        if self.grad is not None:
            parts.append(f"grad={_numbers(self.grad)}")
        parts += [f"shape={self.shape}", f"dtype={self.dtype}"]
        if self.name:
            parts.append(f"name={self.name!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.requires_grad:
            parts.append("requires_grad=True")
        return f"Tensor({', '.join(parts)})"

    # -- gradients --
    def backward(self, grad=None, retain_grads=True):
        """Fill `.grad` on every tensor of this graph that requires grad.

        A scalar seeds d(self)/d(self) = 1; a non-scalar needs `grad` of its own shape.
        retain_grads=False drops each intermediate's gradient once it has been passed on
        (leaves keep theirs): less memory, for training loops that never look at them.
        """
        engine.backward(self, _raw(grad), retain_grads)

    def zero_grad(self):
        """Forget the accumulated gradient."""
        self.grad = None

    def detach(self):
        """The same data as a new leaf that records nothing (gradients stop here)."""
        return ops.stop_gradient(self)

    # -- operators; the ops are in ops/, imported at the bottom of this file --
    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.power(self, other)
    def __rpow__(self, other): return ops.power(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.neg(self)
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    # Comparisons give boolean tensors with no gradient (they have no useful derivative).
    def __lt__(self, other): return ops.less(self, other)
    def __le__(self, other): return ops.less_equal(self, other)
    def __gt__(self, other): return ops.greater(self, other)
    def __ge__(self, other): return ops.greater_equal(self, other)
    def __eq__(self, other):
        if isinstance(other, (str, bytes)):       # never equal, as numpy says (no error)
            return NotImplemented
        return ops.equal(self, other)

    def __ne__(self, other):
        if isinstance(other, (str, bytes)):
            return NotImplemented
        return ops.not_equal(self, other)
    __hash__ = object.__hash__       # defining __eq__ would otherwise make tensors unhashable

    # -- methods that mirror the ops, so `x.tanh()` and `md.tanh(x)` both work --
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def abs(self): return ops.abs(self)
    def clip(self, lo, hi): return ops.clip(self, lo, hi)
    def astype(self, dtype): return ops.astype(self, dtype)
    def sum(self, axis=None, keepdims=False, out=None):
        return _reduce(ops.sum, self, axis, keepdims, out)
    def mean(self, axis=None, keepdims=False, out=None):
        return _reduce(ops.mean, self, axis, keepdims, out)
    def max(self, axis=None, keepdims=False, out=None):
        return _reduce(ops.max, self, axis, keepdims, out)
    def min(self, axis=None, keepdims=False, out=None):
        return _reduce(ops.min, self, axis, keepdims, out)
    def softmax(self, axis=-1): return ops.softmax(self, axis)
    def log_softmax(self, axis=-1): return ops.log_softmax(self, axis)
    def logsumexp(self, axis=None, keepdims=False): return ops.logsumexp(self, axis, keepdims)
    def reshape(self, *shape): return ops.reshape(self, *shape)
    def transpose(self, *axes): return ops.transpose(self, *axes)
    def expand_dims(self, axis): return ops.expand_dims(self, axis)
    def squeeze(self, axis=None): return ops.squeeze(self, axis)
    def matmul(self, other): return ops.matmul(self, other)


# ---- making tensors -----------------------------------------------------------------------

def _from_python(value, dtype):
    """Python scalars and (nested) lists become floatx, like Keras; strings are refused."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"Tensor data must be numeric; got a {type(value).__name__}: {value!r}.")
    try:
        return np.asarray(value, dtype=dtype or config.floatx())
    except (TypeError, ValueError) as error:
        raise TypeError(f"Tensor data must be numbers or nested lists of numbers; "
                        f"could not convert a {type(value).__name__}: {error}") from None


def _fill(t, data, requires_grad, parents, record, saved, op, rule, scope, attrs=None):
    """Set every slot of a new tensor: the one place that lists them."""
    t.data = data
    t.grad = None
    t._requires_grad = requires_grad
    t.name = None
    t.op = op
    t.rule = rule
    t.parents = parents
    t.scope = scope
    t.constraint = None
    t.record = record
    t.attrs = attrs
    t.saved = saved
    return t


def constant(array):
    """A leaf tensor around an ndarray the library made itself (so it skips Tensor()'s checks).

    While a step is recorded for replay, the tape notes it: an array wrapped during the step
    came from somewhere a replay cannot see (use literal() for values written in the code)."""
    t = _fill(Tensor.__new__(Tensor), array, False, (), None, None, "", "", None)
    if recording.mode.state.tape is not None:
        recording.mode.state.tape.wrapped(t)
    return t


def literal(array):
    """A constant whose value is written in the code (a number, zeros of a shape): the same
    at every step, so a recorded step may keep it."""
    return _fill(Tensor.__new__(Tensor), array, False, (), None, None, "", "", None)


def assign(target, value):
    """target's values replaced by value's, in place (a layer's state written during a step,
    such as BatchNormalization's moving statistics). No gradient; a recorded step replays it."""
    np.copyto(target.data, value.data, casting="same_kind")
    tape = recording.mode.state.tape
    if tape is not None:
        tape.assign(target, value)


def _reading(tensor, how):
    """A value of `tensor` leaves for Python: tell the tape, if a step is being recorded."""
    tape = recording.mode.state.tape
    if tape is not None:
        tape.escaped(tensor, how)


def _numbers(array):
    """An array as numpy prints it: every value up to 100 of them, else the corners."""
    return np.array2string(np.asarray(array), precision=4, threshold=100, edgeitems=3,
                           separator=", ")


def as_tensor(value, like=None):
    """Tensors pass through; anything else becomes a constant tensor.

    A Python number is "weak", as in numpy: it takes the dtype of `like` (the other operand)
    where that loses nothing. `float32_tensor * 2.0` stays float32 and `int64_tensor + 1` stays
    int64 (so it can still index); `int_tensor * 0.5` becomes a float.
    """
    if type(value) is Tensor:
        return value
    if isinstance(value, Tensor):      # a Variable (variables.py) is a leaf Tensor itself
        return value
    if like is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        kind = like.data.dtype.kind
        if kind == "f" or (kind in "iu" and isinstance(value, int)):
            return literal(np.asarray(value, dtype=like.data.dtype))
    if isinstance(value, np.generic):      # a numpy number: a literal of its own dtype
        return literal(np.asarray(value))
    return Tensor(value)


def as_tensors(a, b):
    """Both operands of a binary op as tensors (Python numbers adopt the other's dtype)."""
    if type(a) is not Tensor:
        a = as_tensor(a, like=b if isinstance(b, Tensor) else None)
    if type(b) is not Tensor:
        b = as_tensor(b, like=a)
    return a, b


def _reduce(op, tensor, axis, keepdims, out):
    """np.sum(tensor) calls tensor.sum(axis=None, out=None): the result is a new tensor."""
    if out is not None:
        raise TypeError(f"Tensor.{op.__name__}: out= is not supported (the result is a new "
                        f"Tensor); use np.{op.__name__}(tensor.numpy(), out=...) for an array.")
    return op(tensor, axis, keepdims)


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def node(record, parents, attrs, data, saved):
    """The output tensor of an op. Records a graph node only if some parent requires grad.

    record    the op (ops/op.py): its name, rule and backward, read by the backward pass
    parents   the input tensors, in the order its backward returns their gradients
    attrs     the op's settings (axis, shape, ...), as its forward was called with them
    data      the forward result (an ndarray); saved: what the forward kept for its backward
    """
    state = recording.mode.state            # this thread's switches, read once
    if state.anomaly:
        recording.check_finite(data, record.name, None, "forward")
    out = None
    # The first parent that requires grad makes the output a node of the graph.
    if state.grad_enabled and record.backward is not None:
        for parent in parents:
            if parent._requires_grad:
                if data.dtype.kind != "f":  # an integer or boolean result has no gradient
                    break
                out = _fill(Tensor.__new__(Tensor), data, True, parents, record, saved,
                            record.name, record.rule, state.scope, attrs)
                break
    if out is None:
        # A constant: it keeps no inputs and no record (the scope still says where it was
        # made). The output of a data op keeps the op's name: `greater_0`, the condition of a
        # where, reads better than `input_0` in a trace.
        op = record.name if record.backward is None else ""
        out = _fill(Tensor.__new__(Tensor), data, False, (), None, None, op, "", state.scope)
    if state.tape is not None:              # a training step being recorded for replay
        state.tape.add(record, parents, attrs, out)
    return out


# Imported last: the ops need the Tensor class defined above.
from microdense import ops  # noqa: E402

