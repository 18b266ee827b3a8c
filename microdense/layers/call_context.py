"""What one forward pass shares: the `training` flag, and the losses its layers add.

    class Block(Layer):
        def call(self, x):                  # no `training` argument of its own
            self.add_loss(0.01 * ops.sum(x ** 2))
            return self.dropout(self.d1(x))  # the Dropout still sees the model's training=True

A layer called with no explicit `training` takes the one of the call it is inside (Keras's
CallContext), so a block's Dropout trains when the model trains. When no call on the way
gave one, `training` stays unset (None) and each layer's call() uses its own default, as
Keras (which passes training=True in fit only to a model whose call() declares it). The
outermost call starts
by forgetting the losses its layers added in the previous pass (`add_loss` adds to a list
that each forward pass begins empty), as Keras 3 does.

Both live per thread: a model called from several threads at once (a sweep, a server) keeps
each call's training flag and each call's own losses.
"""
import contextlib
import threading
import weakref

_local = threading.local()


def current_training():
    """The `training` of the calls we are inside, or None (outside any, or none set one)."""
    return getattr(_local, "training", None)


def resolve_training(training):
    """An explicit training flag, else the one of the call we are inside (or None)."""
    return getattr(_local, "training", None) if training is None else training


def _losses():
    """This thread's {layer: [loss tensors]} (weak keys: a deleted layer leaves nothing)."""
    table = getattr(_local, "losses", None)
    if table is None:
        table = _local.losses = weakref.WeakKeyDictionary()
    return table


def add_loss(layer, loss):
    _losses().setdefault(layer, []).append(loss)


def losses_of(layer):
    """The losses `layer` itself added in this thread's last forward pass."""
    return list(_losses().get(layer, ()))


def clear_losses(layers):
    table = _losses()
    for layer in layers:
        table.pop(layer, None)


@contextlib.contextmanager
def layer_call(layer, training):
    """Inside: calls see `training` (True, False or None). If this is the outermost call,
    the losses of `layer` and of every layer inside it are cleared first."""
    outer, depth = getattr(_local, "training", None), getattr(_local, "depth", 0)
    if depth == 0:
        clear_losses(layer._flatten_layers())
    _local.training = None if training is None else bool(training)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.training, _local.depth = outer, depth
