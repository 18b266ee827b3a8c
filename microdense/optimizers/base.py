"""The Optimizer base class, as Keras 3's (keras/src/optimizers/base_optimizer.py).

An optimizer owns Variables of its own, listed by `optimizer.variables` in Keras's order:

    iteration          int64, the number of apply_gradients calls so far (`iterations`)
    learning_rate      the rate, when it is a number (a schedule is not a variable)
    <weight>_average   with use_ema: the moving average of each weight
    <weight>_gradient_accumulator   with gradient_accumulation_steps
    <weight>_momentum, <weight>_velocity, ...   each optimizer's slots, "dense_kernel_momentum"

A weight's slots are created the first time the optimizer sees the weight (build), as zeros
of its shape and dtype, so float32 weights keep float32 state. The update itself runs on the
slots' arrays (`variable.data`, which `assign` writes into in place): one dict lookup per
weight and step, no Variable in the arithmetic.

Saving is in state.py: get_state / set_state save a weight's state under the weight's
path ("dense/kernel/momentum"), so a model built again resumes training exactly.
"""
import math
import re
import warnings

import numpy as np

from microdense import registry
from microdense.constraints import apply_constraints
from microdense.naming import to_snake_case, unique_name
from microdense.optimizers import state as saved_state
from microdense.optimizers.arguments import (check_clip, check_ema,
                                           learning_rate_number)
from microdense.optimizers.schedules import (LearningRateSchedule, current_learning_rate,
                                             deserialize_learning_rate, serialize_learning_rate)
from microdense.tensor import Tensor
from microdense.variables import Variable


class Optimizer(saved_state.SavedState):
    """Base class: w <- update_step(w, g, state, learning_rate), for every (g, w) pair.

    Before the step, like Keras's base optimizer: the gradients are clipped (clipnorm: each
    g * c / max(|g|, c); global_clipnorm: all g scaled together so their joint norm is <= c;
    clipvalue: each entry to [-c, c]), and weight_decay shrinks each weight,
    w <- w - w*wd*lr. After it: the moving averages (use_ema), the weights' constraints,
    iterations + 1. With gradient_accumulation_steps, the step runs every that many calls,
    on the mean gradient.
    """

    slots = ()        # names of the per-weight state arrays, e.g. ("momentum", "velocity")

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized by {type(self).__name__}: "
                             f"{', '.join(kwargs)}.")
        for argument, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)):
            check_clip(argument, value)
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        check_ema(use_ema, ema_momentum, ema_overwrite_frequency)
        if loss_scale_factor is not None:
            raise ValueError(f"loss_scale_factor={loss_scale_factor!r}: loss scaling rescues "
                             f"float16 gradients, and microdense computes in float32/float64 "
                             f"(no mixed precision), so it is not implemented; leave it None.")
        if gradient_accumulation_steps and not gradient_accumulation_steps >= 2:
            raise ValueError(f"`gradient_accumulation_steps` must be an integer >= 2. "
                             f"Received: gradient_accumulation_steps="
                             f"{gradient_accumulation_steps}")
        # "adam", then "adam_1", ... as Keras's auto_name (the counters layers use)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._iterations = Variable(0, dtype="int64", trainable=False, name="iteration")
        self._learning_rate = None
        self.learning_rate = learning_rate
        # The weights, in the order first seen, and per weight (same positions) its slot
        # Variables and their arrays (what update_step gets), and whether it decays.
        self._trainable_variables = []
        self._positions = {}               # id(weight) -> position (Keras: _var_key)
        self._slot_variables = []          # [{slot: Variable}], incl. "average" and
        self._state = []                   # [{slot: ndarray}]   "gradient_accumulator"
        self._decays = []                  # [bool]: weight_decay applies (not excluded)
        self._excluded_variables = []      # exclude_from_weight_decay(var_list=...)
        self._excluded_names = None        # exclude_from_weight_decay(var_names=...): regex
        self._pending_state = {}           # set_state for weights not seen yet (state.py)
        self._steps_done = 0               # updates before this one: t - 1 in the formulas

    def __getstate__(self):
        """For pickle (a model sent back by a sweep's worker): positions are rebuilt from the
        weights on the other side, since ids mean nothing in another process."""
        state = self.__dict__.copy()
        del state["_positions"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._positions = {id(v): i for i, v in enumerate(self._trainable_variables)}

    # ---- the step counter and the learning rate ----------------------------------------
    @property
    def iterations(self):
        """The int64 Variable counting updates (Keras: with gradient_accumulation_steps, the
        number of accumulated updates applied: apply_gradients calls // steps)."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.data // self.gradient_accumulation_steps)
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(value)

    def _updates_done(self):
        """`iterations` as a Python int (without the Variable, for the step's arithmetic)."""
        count = self._iterations.data.item()
        return count // self.gradient_accumulation_steps if \
            self.gradient_accumulation_steps else count

    @property
    def learning_rate(self):
        """The learning rate: its Variable (float(lr), lr.assign(0.01) as in Keras), or for a
        schedule its value at `iterations`, or a function's value."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        # A schedule gets the step as a Python int (Keras gives the `iterations` Variable;
        # an int works in every formula a schedule may write).
        return current_learning_rate(self._learning_rate, self._iterations.data.item())

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or callable(value):
            self._learning_rate = value           # a schedule is no variable: untracked
            return
        if isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object "
                            "as its `learning_rate` constructor argument, hence its learning "
                            "rate is not settable. If you need the learning rate to be "
                            "settable, you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        value = learning_rate_number(value)
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(value)     # in place: whoever holds it sees the change
        else:
            # float64, so the rate given is the rate used; each update casts it to the
            # weight's dtype, as Keras does with its floatx variable.
            self._learning_rate = Variable(value, dtype="float64", trainable=False,
                                           name="learning_rate")

    def _current_learning_rate(self):
        """The rate of this step as a Python float (what update_step gets)."""
        if isinstance(self._learning_rate, Variable):
            return float(self._learning_rate.data)
        return current_learning_rate(self._learning_rate, self._iterations.data.item())

    # ---- the optimizer's own variables -------------------------------------------------
    @property
    def variables(self):
        """The optimizer's Variables in Keras's order: iteration, learning_rate (if a number),
        then the moving averages, accumulators and slots of every weight seen."""
        result = [self._iterations]
        if isinstance(self._learning_rate, Variable):
            result.append(self._learning_rate)
        for group in self._slot_groups():
            for slots in self._slot_variables:
                result.extend(slots[name] for name in group if name in slots)
        return result

    def _slot_groups(self):
        """The slots in the order Keras creates them: one group after another, and in a
        group the slots of one weight before the next weight's (Adam: m0 v0 m1 v1, ...)."""
        return [(name,) for name in self._extra_slots()] + list(self.slot_groups())

    def slot_groups(self):
        """How Keras's build creates the slots: all at once per weight by default; RMSprop
        and Adam's velocity_hat override it."""
        return [tuple(self.slots)]

    def _extra_slots(self):
        """Per-weight state of the base class: "average" (use_ema), then
        "gradient_accumulator" (gradient_accumulation_steps)."""
        return (("average",) if self.use_ema else ()) + \
            (("gradient_accumulator",) if self.gradient_accumulation_steps else ())

    def state_names(self):
        """Every per-weight state this optimizer keeps (what a saved file may hold)."""
        return tuple(self._extra_slots()) + tuple(self.slots)

    @property
    def _model_variables_moving_average(self):
        """Keras's name for the moving averages (use_ema), one per weight seen."""
        return [slots["average"] for slots in self._slot_variables]

    @property
    def _accumulated_gradients(self):
        """Keras's name for the gradient sums (gradient_accumulation_steps)."""
        return [slots["gradient_accumulator"] for slots in self._slot_variables]

    def build(self, var_list):
        """Create the state of every weight not seen before: zeros of its shape and dtype
        (Adagrad and Ftrl start their accumulators at initial_accumulator_value), or what
        set_state left for it. Keras builds once; here a weight seen later gets its state
        then (a layer unfrozen after the first step)."""
        for variable in var_list:
            if id(variable) in self._positions:
                continue
            position = len(self._trainable_variables)
            self._positions[id(variable)] = position
            self._trainable_variables.append(variable)    # held, so its id is never reused
            prefix = _slot_prefix(variable)
            slots = {}
            for name in self.state_names():
                weight = variable.data
                initial = weight.copy() if name == "average" else \
                    np.zeros(self.slot_shape(name, weight.shape), weight.dtype)
                slots[name] = Variable(initial, dtype=weight.dtype, trainable=False,
                                       name=self.slot_name(name, variable, prefix))
            self._slot_variables.append(slots)
            state = {name: slot.data for name, slot in slots.items()}
            self._init_state(state)
            self._state.append(state)
            self._decays.append(self._use_weight_decay(variable))
            self._restore_pending(variable, position, state)
        self.built = True

    def _init_state(self, state):
        """Subclasses with non-zero initial state (Adagrad) fill it in here."""

    def slot_shape(self, slot, weight_shape):
        """The shape of a weight's slot: the weight's own (Adafactor's factored ones differ)."""
        return weight_shape

    def slot_name(self, slot, variable, prefix):
        """Keras's name of a slot Variable: "<weight path with _>_<slot>"."""
        return f"{prefix}_{slot}"

    # ---- weight decay: which weights -------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt weights from weight_decay: those in var_list, and those whose name
        contains any of var_names (var_names=["bias"] exempts every bias)."""
        self._excluded_variables = list(var_list or [])
        self._excluded_names = re.compile("|".join(set(var_names))) if var_names else None
        self._decays = [self._use_weight_decay(v) for v in self._trainable_variables]

    def _use_weight_decay(self, variable):
        if any(variable is excluded for excluded in self._excluded_variables):
            return False
        return not (self._excluded_names is not None and
                    self._excluded_names.search(str(variable.name)) is not None)

    # ---- one training step -----------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Update each weight in place from its gradient; returns the step counter."""
        grads, variables = [], []
        missing = []
        for grad, variable in grads_and_vars:
            if grad is None:
                missing.append(variable)
            else:
                grads.append(grad)
                variables.append(variable)
        if missing or not variables:
            _check_missing(missing, variables)
        if variables:
            self._apply(grads, variables)
        return self._iterations                  # as Keras: the Variable counting the calls

    def apply(self, grads, trainable_variables=None):
        """Keras's other spelling: apply(grads, trainable_variables); without the variables,
        the ones the optimizer was built with, in that order."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer "
                                 "must already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            if len(grads) != len(self._trainable_variables):
                raise ValueError(f"When passing `grads` as a list of gradient tensors, the "
                                 f"gradients must match the variables the optimizer was built "
                                 f"with one-to-one. Received a list of {len(grads)} "
                                 f"gradients, but the optimizer is tracking "
                                 f"{len(self._trainable_variables)} trainable variables.")
            trainable_variables = self._trainable_variables
        self.apply_gradients(zip(grads, trainable_variables))

    def _apply(self, grads, variables):
        known = self._positions
        try:
            positions = [known[id(v)] for v in variables]
        except KeyError:                            # a weight seen for the first time
            self.build(variables)
            positions = [known[id(v)] for v in variables]
        grads = [_as_gradient(g, v) for g, v in zip(grads, variables)]
        if self.gradient_accumulation_steps:
            self._accumulate(grads, variables, positions)
        else:
            self._update(grads, variables, positions)
        if self.use_ema:
            self._update_moving_averages()
        apply_constraints(variables)
        count = self._iterations.data
        count[()] = count.item() + 1            # (`count += 1` on a 0-d array is 20x slower)

    def _update(self, grads, variables, positions):
        """Clip, decay, then each weight's update_step, in place."""
        grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        self._steps_done = self._updates_done()
        state, decays = self._state, self._decays
        for grad, variable, position in zip(grads, variables, positions):
            weight = variable.data
            if self.weight_decay and decays[position]:
                weight -= weight * (self.weight_decay * lr)     # w - w * wd * lr
            self.update_step(weight, grad, state[position], lr)

    def _accumulate(self, grads, variables, positions):
        """Add each gradient to its sum; every gradient_accumulation_steps-th call, update
        with the mean of the sums (this call's gradient included) and start again from 0."""
        sums = [self._state[p]["gradient_accumulator"] for p in positions]
        if (self._iterations.data.item() + 1) % self.gradient_accumulation_steps:
            for total, grad in zip(sums, grads):
                total += grad
            return
        steps = self.gradient_accumulation_steps
        means = [(grad + total) / _scalar(steps, total) for grad, total in zip(grads, sums)]
        self._update(means, variables, positions)
        for total in sums:
            total[...] = 0

    def update_step(self, weight, grad, state, learning_rate):
        """Write the new value of `weight` (an ndarray) into it, in place."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step.")

    def _clip_gradients(self, grads):
        """Keras's clipping (base_optimizer._clip_gradients); new arrays, never `.grad` itself."""
        if self.clipnorm is None and self.global_clipnorm is None and self.clipvalue is None:
            return grads
        grads = [np.asarray(g.data if isinstance(g, Tensor) else g) for g in grads]
        if self.clipnorm is not None:
            c = self.clipnorm
            return [g * (c / max(float(np.sqrt(np.sum(g * g))), c)) for g in grads]
        if self.global_clipnorm is not None:
            c = self.global_clipnorm
            norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
            scale = c * min(1.0 / norm, 1.0 / c) if norm > 0 else 1.0
            if not math.isfinite(norm):
                scale = math.nan                 # as Keras: a NaN/inf gradient poisons all
            return [g * scale for g in grads]
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    _clip = _clip_gradients

    def scale_loss(self, loss):
        """The loss unchanged: Keras multiplies it by loss_scale_factor, which is always None
        here (no float16 to rescue)."""
        return loss

    # ---- the moving average of the weights (use_ema) ----------------------------------
    def _update_moving_averages(self):
        """average <- m average + (1 - m) w, with m = ema_momentum (0 on the first update,
        so the average starts at the weight); every ema_overwrite_frequency updates the
        weights take their averages."""
        updates = self._updates_done()             # updates before this one
        momentum = self.ema_momentum if updates != 0 else 0.0
        for variable, slots in zip(self._trainable_variables, self._state):
            average = slots["average"]
            average *= momentum
            average += variable.data * (1 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (updates + 1) % frequency == 0:
            self.finalize_variable_values(self._trainable_variables)

    def finalize_variable_values(self, var_list):
        """With use_ema, write each weight's moving average into it (fit does this after
        the last epoch); without, nothing."""
        if not self.use_ema:
            return
        for variable in var_list:
            position = self._positions.get(id(variable))
            if position is not None:
                np.copyto(variable.data, self._state[position]["average"])

    # ---- configs -----------------------------------------------------------------------
    def get_config(self):
        learning_rate = self._learning_rate
        if isinstance(learning_rate, Variable):
            learning_rate = float(learning_rate.data)
        return {"name": self.name, "learning_rate": serialize_learning_rate(learning_rate),
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config.get("learning_rate"), (dict, str)):      # a schedule, a function
            config = {**config, "learning_rate": deserialize_learning_rate(
                config["learning_rate"], custom_objects)}
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, " \
               f"learning_rate={self.get_config()['learning_rate']!r})"


_BLOCK_BYTES = 1 << 18      # 256 KB: a block of rows and its temporary stay in cache


def subtract_scaled(target, source, scale):
    """target -= source * scale, in place, a block of rows at a time.

    numpy needs a temporary for `source * scale`. One as large as a 4096x4096 weight (64 MB)
    costs more in page faults than the arithmetic itself; a small block-sized one is reused
    from cache. The result is bit-identical to `target -= source * scale`.
    """
    if target.ndim == 0 or target.nbytes <= _BLOCK_BYTES:
        target -= source * scale
        return
    rows = max(1, _BLOCK_BYTES // target[0].nbytes)
    buffer = np.empty((rows,) + target.shape[1:], target.dtype)
    for start in range(0, len(target), rows):
        block = slice(start, start + rows)
        scaled = buffer[:len(target[block])]
        np.multiply(source[block], scale, out=scaled)
        target[block] -= scaled


def square_array(grad):
    """g^2 as a new array, to be used as scratch space with out= (a ufunc on a 0-d array
    returns a numpy scalar, which cannot be written into: it is made an array again)."""
    squared = np.square(grad)
    return squared if grad.ndim else np.array(squared)


def _slot_prefix(variable):
    """Keras's slot name prefix: the weight's path with "/" as "_" ("dense_kernel")."""
    name = getattr(variable, "name", None) or "variable"
    return str(name).replace("/", "_").replace(":", "_")


def _as_gradient(grad, variable):
    """The gradient as an ndarray of the weight's dtype and shape."""
    grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
    if grad.dtype != variable.data.dtype:
        grad = grad.astype(variable.data.dtype)
    if grad.shape != variable.data.shape:
        raise ValueError(f"Gradient of shape {grad.shape} does not match weight "
                         f"{variable.name or ''} of shape {variable.data.shape}.")
    return grad


def _check_missing(missing, variables):
    """Keras: no gradient at all is an error; some missing, a warning (those are skipped)."""
    if not variables:
        if missing:
            raise ValueError("No gradients provided for any variable.")
        return
    names = ", ".join(str(v.name) for v in missing)
    warnings.warn(f"No gradient for {len(missing)} weight(s) ({names}); they are not "
                  f"updated. Did they take part in computing the loss? (Keras: Gradients "
                  f"do not exist for variables [{names}] when minimizing the loss.)",
                  stacklevel=4)


def _scalar(value, like):
    """A numpy scalar of the weight's dtype, so scalar arithmetic rounds as Keras's does."""
    return like.dtype.type(value)


# ---- saving an optimizer's settings ------------------------------------------------------

def serialize(optimizer):
    """{"class_name": "Adam", "config": {...}}"""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    """The optimizer `serialize` described (class names are matched case-insensitively)."""
    name = config.get("class_name", "") if isinstance(config, dict) else config
    table = registry.builtin_objects("optimizers")        # optimizers/__init__.py's
    if isinstance(name, str) and name.lower() in table:
        cls = table[name.lower()]
        arguments = config.get("config") or {} if isinstance(config, dict) else {}
        return cls.from_config(dict(arguments), custom_objects)
    return registry.deserialize_object(config, {}, "optimizer", custom_objects)
