"""What one forward pass shares: the `training` flag, and the losses its layers add.

    class Block(Layer):
        def call(self, x):                  # no `training` argument of its own
            self.add_loss(0.01 * ops.sum(x ** 2))
            return self.dropout(self.d1(x))  # the Dropout still sees the model's training=True

A layer called with no explicit `training` takes the one of the call it is inside (Keras's
CallContext), so a block's Dropout trains when the model trains. When no call on the way
gave one, `training` stays unset (None) and each layer's call() uses its own default, as
Keras (which passes training=True in fit only to a model whose call() declares it). Each
outermost call starts a new forward pass: `layer.losses` lists what `add_loss` added in the
layer's latest pass only (the list each forward pass begins empty), as Keras 3 does.

Both live per thread: a model called from several threads at once (a sweep, a server) keeps
each call's training flag and each call's own losses.
"""
import threading
import weakref

_local = threading.local()


def current_training():
    """The `training` of the calls we are inside, or None (outside any, or none set one)."""
    return getattr(_local, "training", None)


def resolve_training(training):
    """An explicit training flag, else the one of the call we are inside (or None)."""
    return getattr(_local, "training", None) if training is None else training


def _table(name):
    """This thread's weak-keyed table `name` (a deleted layer leaves nothing behind)."""
    table = getattr(_local, name, None)
    if table is None:
        table = weakref.WeakKeyDictionary()
        setattr(_local, name, table)
    return table


# Each outermost call starts a new forward pass (a number, per thread). A layer's losses are
# kept with the pass that made them, and `layer.losses` lists those of the layer's latest
# pass: so a new pass "clears" the old losses without visiting every layer to clear them.

def add_loss(layer, loss):
    """Record `loss`, added by `layer` in the current pass."""
    current = getattr(_local, "pass_number", 0)
    table = _table("losses")
    entry = table.get(layer)
    if entry is None or entry[0] != current:
        table[layer] = (current, [loss])
    else:
        entry[1].append(loss)


def losses_of(layer, pass_number):
    """The losses `layer` added in forward pass `pass_number` (this thread)."""
    entry = _table("losses").get(layer)
    return list(entry[1]) if entry is not None and entry[0] == pass_number else []


def any_losses():
    """Whether any layer of this thread has added a loss (else there is nothing to collect)."""
    return bool(_table("losses"))


def last_pass(layer):
    """The number of the latest forward pass (this thread) that called `layer`, or None."""
    return _table("passes").get(layer)


def clear_losses(layers):
    table = _table("losses")
    for layer in layers:
        table.pop(layer, None)


class layer_call:
    """`with layer_call(layer, training):` calls inside see `training` (True, False or None).
    An outermost call starts a new forward pass; every call records that `layer` took part
    in it. (A class, not a @contextmanager generator: it runs for every layer of every step.)"""

    __slots__ = ("layer", "training", "outer", "depth")

    def __init__(self, layer, training):
        self.layer, self.training = layer, training

    def __enter__(self):
        self.outer, self.depth = getattr(_local, "training", None), getattr(_local, "depth", 0)
        if self.depth == 0:
            _local.pass_number = getattr(_local, "pass_number", 0) + 1
        _table("passes")[self.layer] = _local.pass_number
        _local.training = None if self.training is None else bool(self.training)
        _local.depth = self.depth + 1

    def __exit__(self, *exc_info):
        _local.training, _local.depth = self.outer, self.depth
