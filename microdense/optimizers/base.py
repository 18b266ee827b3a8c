"""The Optimizer base class: clipping, weight decay, per-weight state, saving and restoring.

An optimizer keeps per-weight arrays ("slots": momentum, velocity, ...) created the first time
it sees a weight, as zeros of the weight's shape and dtype. The state belongs to the weight
itself, and `get_state()` names it by the weight's path: "dense/kernel/momentum". So
`set_state()` gives each weight of a freshly built model its own moments, whatever order the
weights were first seen in (freezing and unfreezing layers changes that order): a saved model
resumes training exactly. A weight without a unique name is named by its position instead
("#0/momentum"), as files written before format 2 name every weight ("momentum/0").
"""
import math
import warnings

import numpy as np

from microdense.constraints import apply_constraints
from microdense.naming import to_snake_case
from microdense.optimizers.schedules import (LearningRateSchedule, current_learning_rate,
                                             deserialize_learning_rate, serialize_learning_rate)
from microdense.tensor import Tensor

# Keras arguments we accept only at their default values (we do not implement EMA, loss scaling
# or gradient accumulation), so that Keras configs load and our configs look like Keras's.
_KERAS_ONLY_DEFAULTS = {"use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                        "loss_scale_factor": None, "gradient_accumulation_steps": None}


class Optimizer:
    """Base class: w <- update_step(w, g, state, learning_rate), for every (g, w) pair.

    Before the step, like Keras's base optimizer: the gradients are clipped (clipnorm: each
    g * c / max(|g|, c); global_clipnorm: all g scaled together so their joint norm is <= c;
    clipvalue: each entry to [-c, c]), and weight_decay shrinks each weight, w <- w - w*wd*lr.
    """

    slots = ()        # names of the per-weight state arrays, e.g. ("momentum", "velocity")

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        kwargs.pop("decay", None)           # Keras too ignores this legacy argument
        for key, value in kwargs.items():
            if key not in _KERAS_ONLY_DEFAULTS:
                raise ValueError(f"Argument not recognized by {type(self).__name__}: {key}.")
            if value != _KERAS_ONLY_DEFAULTS[key]:
                raise ValueError(f"microdense does not implement {key}={value!r}; only the "
                                 f"default {_KERAS_ONLY_DEFAULTS[key]!r} is accepted.")
        for argument, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)):
            _check_clip(argument, value)
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of clipnorm, clipvalue and global_clipnorm can be set; "
                             f"got clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}.")
        self.name = name or to_snake_case(type(self).__name__)
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = 0            # number of apply_gradients calls so far
        self._variables = []           # the weights, in the order first seen
        self._state = {}               # id(weight) -> {slot name: ndarray}
        # set_state for weights not seen yet: {weight path or position: {slot: ndarray}}
        self._pending_state = {}

    # -- the learning rate: a float that callbacks may change between steps, a schedule,
    #    or a function (as Keras: a LearningRateSchedule is called with `iterations`) --
    @property
    def learning_rate(self):
        """The learning rate of the next step (a schedule's value at `iterations`)."""
        return current_learning_rate(self._learning_rate, self.iterations)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if isinstance(getattr(self, "_learning_rate", None), LearningRateSchedule):
            raise TypeError("This optimizer was created with a LearningRateSchedule as its "
                            "learning_rate, so its learning rate is not settable. Create the "
                            "optimizer with a float learning_rate to change it later.")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"learning_rate must be a number, a LearningRateSchedule or a "
                            f"function of the step; got {value!r}.") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"learning_rate must be a finite number >= 0; got {value}.")
        self._learning_rate = value

    # -- building the per-weight state --
    def build(self, variables):
        """Create the state of every weight not seen before (zeros, the weight's dtype), or
        take what set_state left for it (by its path, else by its position)."""
        for variable in variables:
            if id(variable) in self._state:
                continue
            index = len(self._variables)
            self._variables.append(variable)        # held, so its id is never reused
            state = {slot: np.zeros_like(variable.data) for slot in self.slots}
            self._init_state(state)
            saved = self._pending_state.pop(variable.name, None)
            if saved is None:
                saved = self._pending_state.pop(index, {})
            for slot, array in saved.items():
                _copy_into(state, slot, array, variable)
            self._state[id(variable)] = state

    def _init_state(self, state):
        """Subclasses with non-zero initial state (Adagrad) fill it in here."""

    @property
    def variables(self):
        """The weights this optimizer has state for, in order."""
        return list(self._variables)

    # -- one training step --
    def apply_gradients(self, grads_and_vars):
        """Update each weight in place from its gradient; returns the new `iterations`."""
        pairs = [(g, v) for g, v in grads_and_vars]
        missing = [v for g, v in pairs if g is None]
        if missing:
            names = ", ".join(str(v.name) for v in missing)
            warnings.warn(f"No gradient for {len(missing)} weight(s) ({names}); they are not "
                          f"updated. Did they take part in computing the loss?", stacklevel=2)
        pairs = [(g, v) for g, v in pairs if g is not None]
        if pairs:
            variables = [v for _, v in pairs]
            self.build(variables)
            grads = self._clip([_as_gradient(g, v) for g, v in pairs])
            lr = self.learning_rate
            for grad, variable in zip(grads, variables):
                weight = variable.data
                if self.weight_decay:
                    weight -= weight * (self.weight_decay * lr)     # w - w * wd * lr
                self.update_step(weight, grad, self._state[id(variable)], lr)
            apply_constraints(variables)
        self.iterations += 1
        return self.iterations

    def apply(self, grads, variables):
        """Keras's other spelling: apply(grads, trainable_variables)."""
        return self.apply_gradients(zip(grads, variables))

    def update_step(self, weight, grad, state, learning_rate):
        """Write the new value of `weight` (an ndarray) into it, in place."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step.")

    def _clip(self, grads):
        """Keras's clipping (base_optimizer._clip_gradients); new arrays, never `.grad` itself."""
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

    # -- saving and restoring --
    def state_keys(self):
        """The name each weight's state is saved under, in the order first seen: its path
        ("dense/kernel") when no other weight here shares it, else "#<position>"."""
        names = [variable.name for variable in self._variables]
        return [name if name and names.count(name) == 1 and not name.startswith("#")
                else f"#{index}" for index, name in enumerate(names)]

    def get_state(self):
        """{"iterations": ..., "<weight path>/<slot>": array} (copies), for saving."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for key, variable in zip(self.state_keys(), self._variables):
            for slot, array in self._state[id(variable)].items():
                state[f"{key}/{slot}"] = array.copy()
        for owner, slots in self._pending_state.items():    # restored, not yet used: kept
            key = owner if isinstance(owner, str) else f"#{owner}"
            for slot, array in slots.items():
                state[f"{key}/{slot}"] = array.copy()
        return state

    def set_state(self, state):
        """Restore what get_state returned. A weight not seen yet gets its state when first
        seen (build), so this works on a fresh optimizer before the first step."""
        state = dict(state)
        if "iterations" not in state:
            raise ValueError("Optimizer state needs an 'iterations' entry.")
        iterations = _iterations(state.pop("iterations"))
        saved = {}                                   # weight path or position -> {slot: array}
        for key, array in state.items():
            owner, slot = self._parse_state_key(key)
            saved.setdefault(owner, {})[slot] = np.asarray(array)
        live = dict(zip(self.state_keys(), self._variables))
        pending = {}
        for owner, slots in saved.items():
            variable = live.get(owner if isinstance(owner, str) else f"#{owner}")
            if variable is None and isinstance(owner, int) and owner < len(self._variables):
                variable = self._variables[owner]
            if variable is None:
                pending[owner] = slots               # for a weight this optimizer has not seen
                continue
            for slot, array in slots.items():
                _copy_into(self._state[id(variable)], slot, array, variable)
        self._pending_state = pending
        self.iterations = iterations

    def _parse_state_key(self, key):
        """"dense/kernel/momentum" -> ("dense/kernel", "momentum"); "#3/momentum" and the
        format-1 "momentum/3" -> (3, "momentum"): a position in first-seen order."""
        owner, _, slot = key.rpartition("/")
        if owner and slot in self.slots:
            if owner.startswith("#") and owner[1:].isdigit():
                return int(owner[1:]), slot
            return owner, slot
        if owner in self.slots and slot.isdigit():   # written before format 2
            return int(slot), owner
        raise ValueError(f"Unknown optimizer state entry {key!r} for {type(self).__name__}; "
                         f"expected 'iterations' and '<weight path>/<slot>' with slot in "
                         f"{list(self.slots)}.")

    def get_config(self):
        config = {"name": self.name, "learning_rate": serialize_learning_rate(self._learning_rate),
                  "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue}
        config.update(_KERAS_ONLY_DEFAULTS)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config.get("learning_rate"), (dict, str)):      # a schedule, a function
            config = {**config, "learning_rate": deserialize_learning_rate(
                config["learning_rate"], custom_objects)}
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate:g})"


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


def _as_gradient(grad, variable):
    """The gradient as an ndarray of the weight's dtype and shape."""
    grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
    if grad.dtype != variable.data.dtype:
        grad = grad.astype(variable.data.dtype)
    if grad.shape != variable.data.shape:
        raise ValueError(f"Gradient of shape {grad.shape} does not match weight "
                         f"{variable.name or ''} of shape {variable.data.shape}.")
    return grad


def _copy_into(state, slot, saved, variable):
    """Write a saved state array into the live one (keeps its dtype), checking the shape."""
    if saved.shape != state[slot].shape:
        raise ValueError(f"Saved optimizer state '{slot}' of weight {variable.name} has shape "
                         f"{saved.shape}, but the weight has shape {variable.data.shape}.")
    if saved.dtype.kind not in "fiub":
        raise ValueError(f"Saved optimizer state '{slot}' of weight {variable.name} must hold "
                         f"numbers; got an array of {saved.dtype}.")
    state[slot][...] = saved


def _iterations(value):
    """The saved step count as an int: a whole number >= 0, never a string or an array."""
    value = np.asarray(value)
    if value.shape != () or value.dtype.kind not in "iu" or value < 0:
        raise ValueError(f"Optimizer state 'iterations' must be one whole number >= 0; got "
                         f"an array of {value.dtype} with shape {value.shape}.")
    return int(value)


def _check_clip(argument, value):
    """clipnorm, clipvalue and global_clipnorm are None (no clipping) or a number > 0. (Keras
    silently skips a value <= 0; here it is an error, so a typo cannot turn clipping off.)"""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise ValueError(f"{argument} must be a number > 0 or None; got {value!r}.")
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{argument} must be a finite number > 0 (or None for no clipping); "
                         f"got {argument}={value}. To clip gradients to the range [-c, c] or "
                         f"the norm c, give c > 0.")


def _scalar(value, like):
    """A numpy scalar of the weight's dtype, so scalar arithmetic rounds as Keras's does."""
    return like.dtype.type(value)
