"""Variable: a weight, i.e. a leaf Tensor whose value you may overwrite (keras.Variable).

    v = md.Variable(np.zeros((3,)), name="v")        # keras.Variable(initializer, shape, ...)
    w = layer.add_weight(shape=(3, 4))               # what add_weight returns
    loss = ((x @ w) ** 2).mean(); loss.backward()    # w.grad: a Variable records as a leaf
    v.assign([1, 2, 3]); v.assign_add(1.0)           # in place: optimizers and graphs keep it

A Variable IS a Tensor (a subclass, no extra state), so every op takes it as the leaf it is
and `w.grad` is what the optimizer reads; drawings and traces show it by its path. Assigning
writes into the same array (np.copyto), so whoever holds the Variable (an optimizer's slots,
a layer attribute) sees the new value. Its `name` is its path, "dense/kernel", as microdense
names every weight (Keras 3 names it "kernel" and keeps "dense/kernel" in `path`).
"""
import numpy as np

from microdense import config, recording
from microdense.tensor import Tensor


def _array(value):
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _initial_value(initializer, shape, dtype):
    """The starting array: initializer(shape) for an initializer (a name, class or function),
    else the given value itself (an array, a list, a number)."""
    if isinstance(initializer, str) or callable(initializer):
        from microdense import initializers       # initializers import this module's users
        if shape is None:
            raise ValueError(f"Variable: an initializer ({initializer!r}) needs a `shape`, "
                             f"e.g. Variable({initializer!r}, shape=(3,)); or pass the "
                             f"starting value itself.")
        value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        return np.array(value, dtype=dtype)
    value = np.array(_array(initializer), dtype=dtype)
    if shape is not None and tuple(shape) != value.shape:
        raise ValueError(f"Variable: the initial value has shape {value.shape} but "
                         f"shape={tuple(shape)} was given.")
    return value


class Variable(Tensor):
    """A leaf Tensor with assign / assign_add / assign_sub, as keras.Variable.

    Variable(initializer, shape=None, dtype=None, trainable=True, name=None)

    `initializer` is the starting value (array, list, number) or an initializer with a
    `shape`. dtype defaults to floatx() (float32), as Keras. trainable means "requires grad":
    the optimizer updates it; a frozen layer sets it False.
    """

    __slots__ = ()

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        # autocast, aggregation, synchronization: Keras's distribution settings, accepted so
        # Keras code runs; one process on numpy has nothing to distribute.
        dtype = str(np.dtype(dtype or config.floatx()))
        value = _initial_value(initializer, shape, dtype)
        super().__init__(value, requires_grad=bool(trainable) and value.dtype.kind == "f",
                         name=name or "variable")

    # ---- Keras's attributes ----------------------------------------------------------
    @property
    def path(self):
        """Where the variable lives: "dense/kernel" ("<layer>/<weight>")."""
        return self.name

    @property
    def trainable(self):
        """Whether optimizers update it (whether backward() fills its .grad)."""
        return self.requires_grad

    @trainable.setter
    def trainable(self, value):
        self.requires_grad = bool(value) and self.data.dtype.kind == "f"

    @property
    def value(self):
        """The current value as a new constant Tensor, which later assigns do not change.
        (In ops use the variable itself: it records as a leaf and gets its gradient.)"""
        return Tensor(self.data.copy())

    def numpy(self):
        """A copy of the current value (later assigns do not change it)."""
        return self.data.copy()

    # ---- overwriting the value in place ------------------------------------------------
    def assign(self, value):
        """variable <- value (broadcast to the variable's shape, cast to its dtype).

        Inside a training step being recorded for replay (replay.py), a value computed by
        ops is recorded as a write the replay repeats (`self.steps.assign(self.steps + 1)`
        in a model's call); any other value cannot be recomputed, so the step trains
        eagerly."""
        array = _array(value)
        try:
            np.copyto(self.data, array, casting="unsafe")
        except ValueError:
            raise ValueError(f"Cannot assign a value of shape {array.shape} to variable "
                             f"'{self.path}' of shape {self.shape}: the shapes must match "
                             f"(or the value broadcast to it).") from None
        tape = recording.mode.state.tape
        if tape is not None:
            if isinstance(value, Tensor) and np.can_cast(value.dtype, self.dtype, "same_kind"):
                tape.assign(self, value)
            else:
                tape.escaped(self, "Variable.assign of a value computed outside the ops")
        return self

    def assign_add(self, value):
        """variable <- variable + value."""
        return self.assign(self.data + _array(value))

    def assign_sub(self, value):
        """variable <- variable - value."""
        return self.assign(self.data - _array(value))

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.array2string(self.data, precision=4, threshold=20)}>")


def instances_in(value, kinds):
    """The objects of `kinds` in an attribute's value: itself, or inside lists, tuples and
    dicts (any depth), in order. How a layer finds the Variables it holds, and a metric its
    Variables and metrics (Keras's attribute tracking)."""
    stack, found = [value], []
    while stack:
        item = stack.pop()
        if isinstance(item, kinds):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
    return found
