"""Optimizers, as in Keras 3: each turns gradients into in-place updates of the weights.

    opt = md.optimizers.Adam(learning_rate=0.001)          # keras.optimizers.Adam(...)
    loss.backward()
    opt.apply_gradients([(w.grad, w) for w in weights])    # updates every w.data in place
    opt.variables        # its own Variables, as Keras's: iteration, learning_rate, the slots
    opt.learning_rate.assign(0.0005); float(opt.learning_rate); opt.iterations.numpy()

Read them from simplest to most involved: base.py (and state.py: saving), sgd.py, adagrad.py,
rmsprop.py, adam.py (Adam and AdamW); then Keras's others: adadelta.py, adamax.py, nadam.py,
lamb.py, lion.py, ftrl.py, adafactor.py, and loss_scale_optimizer.py (a pass-through: there
is no mixed precision here). Each update_step is Keras's formula (keras/src/optimizers/*.py) term by term,
in the weights' own dtype, so the same gradients give the same weights (SGD to AdamW checked
against Keras 3.15's optimizers: float32 weights after 15 steps agree to the last bit, and to
2e-7 with gradient clipping; the others against float64 numpy transcriptions of Keras 3.16's
update_step, in tests/test_optimizers.py). Updates write into the weight arrays (numpy out=
and in-place operators): a layer holding `w.data` sees the new values and no weight is copied.
"""
from microdense import registry
from microdense.optimizers.base import Optimizer, deserialize, serialize
from microdense.optimizers.sgd import SGD
from microdense.optimizers.adagrad import Adagrad
from microdense.optimizers.rmsprop import RMSprop
from microdense.optimizers.adam import Adam, AdamW
from microdense.optimizers.adadelta import Adadelta
from microdense.optimizers.adamax import Adamax
from microdense.optimizers.nadam import Nadam
from microdense.optimizers.lamb import Lamb
from microdense.optimizers.lion import Lion
from microdense.optimizers.ftrl import Ftrl
from microdense.optimizers.adafactor import Adafactor
from microdense.optimizers.loss_scale_optimizer import LossScaleOptimizer
from microdense.optimizers import schedules

ALL_OBJECTS = {cls.__name__.lower(): cls for cls in (
    SGD, Adagrad, RMSprop, Adam, AdamW, Adadelta, Adamax, Nadam, Lamb, Lion, Ftrl, Adafactor,
    LossScaleOptimizer)}
registry.register_builtins("optimizers", ALL_OBJECTS)    # for deserialize (base.py)


def get(identifier):
    """An optimizer from a name ("adam", "SGD"), a config dict, a class or an instance."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier                   # None stays None, as in Keras
    if isinstance(identifier, str) and identifier.lower() in ALL_OBJECTS:
        identifier = identifier.lower()     # Keras accepts "Adam", "adam", "ADAM"
    return registry.get_object(identifier, ALL_OBJECTS, "optimizer",
                            "a name such as 'adam', an Optimizer, an Optimizer class or a "
                            "config dict", callables=False, deserialize=deserialize)