"""The Tensor: an ndarray that remembers how it was made.

When an op runs on tensors and at least one of them `requires_grad`, the output records a node
of the computation graph:

    out.parents    the input tensors, in order (a tuple: `a + a` has two parents, both `a`)
    out.op         the op's name, e.g. "matmul"
    out.rule       its local derivative in one line, e.g. "d tanh(x)/dx = 1 - tanh(x)^2"
    out._backward  g -> one gradient per parent, where g = d(loss)/d(out)
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

    # __slots__: a tensor is created for every op, so a fixed layout saves time and memory.
    # `constraint`: for a weight, a function the optimizer applies after each update (Keras's
    # Variable.constraint, set by add_weight(constraint=...)); None for everything else.
    __slots__ = ("data", "grad", "_requires_grad", "name", "op", "rule", "parents", "scope",
                 "constraint", "_backward", "__weakref__")

    # Makes numpy hand `ndarray + tensor` (and @, *, ...) to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, (np.ndarray, np.generic)):
            data = np.asarray(data, dtype=dtype)
        else:
            data = _from_python(data, dtype)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"Tensor data must be numeric (bool, int or float); got dtype "
                            f"{data.dtype} from {type(data).__name__}.")
        _fill(self, data, False, (), None, "", "", None)
        self.requires_grad = requires_grad         # the property below checks the dtype
        self.name = name

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

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.data)

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
        return constant(self.data)

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

    # Comparisons give boolean tensors that record nothing (they have no useful derivative).
    def __lt__(self, other): return constant(self.data < _raw(other))
    def __le__(self, other): return constant(self.data <= _raw(other))
    def __gt__(self, other): return constant(self.data > _raw(other))
    def __ge__(self, other): return constant(self.data >= _raw(other))
    def __eq__(self, other): return constant(self.data == _raw(other))
    def __ne__(self, other): return constant(self.data != _raw(other))
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
    def sum(self, axis=None, keepdims=False): return ops.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return ops.mean(self, axis, keepdims)
    def max(self, axis=None, keepdims=False): return ops.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return ops.min(self, axis, keepdims)
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


def _fill(t, data, requires_grad, parents, backward, op, rule, scope):
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
    t._backward = backward
    return t


def constant(array):
    """A leaf tensor around an existing ndarray, skipping validation (internal fast path)."""
    return _fill(Tensor.__new__(Tensor), array, False, (), None, "", "", None)


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
            return constant(np.asarray(value, dtype=like.data.dtype))
    return Tensor(value)


def as_tensors(a, b):
    """Both operands of a binary op as tensors (Python numbers adopt the other's dtype)."""
    if type(a) is not Tensor:
        a = as_tensor(a, like=b if type(b) is Tensor else None)
    if type(b) is not Tensor:
        b = as_tensor(b, like=a)
    return a, b


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def node(data, parents, backward, op, rule=""):
    """The output tensor of an op. Records a graph node only if some parent requires grad.

    data      the forward result (ndarray)
    parents   the input tensors, in the order `backward` returns their gradients
    backward  g -> tuple of gradients, one per parent (None where a parent needs none)
    op, rule  the op's name and its local derivative in words, for drawings and traces
    """
    if type(data) is not np.ndarray:       # numpy returns scalars for 0-d results
        data = np.asarray(data)
    state = recording.mode.state            # this thread's switches, read once
    if state.anomaly:
        recording.check_finite(data, op, None, "forward")
    # An unrolled any(): this runs for every op, and the loop costs 61 ns where
    # any(p.requires_grad for p in parents) costs 340 ns (a generator per call).
    if state.grad_enabled:
        for parent in parents:
            if parent._requires_grad:
                if data.dtype.kind != "f":  # an integer or boolean result has no gradient
                    break
                return _fill(Tensor.__new__(Tensor), data, True, parents, backward, op, rule,
                             state.scope)
    # A constant: it keeps no inputs and no closure (the scope still says where it was made).
    return _fill(Tensor.__new__(Tensor), data, False, (), None, "", "", state.scope)


# Imported last: the ops need the Tensor class defined above.
from microdense import ops  # noqa: E402
