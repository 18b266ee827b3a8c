"""Saving and restoring an optimizer's state by the weights' paths (a base of Optimizer).

    {"iterations": 3, "dense/kernel/momentum": array, "dense/bias/momentum": array, ...}

The state belongs to the weight, so `set_state()` gives each weight of a freshly built model
its own moments, whatever order the weights were first seen in (freezing and unfreezing
layers changes that order): a saved model resumes training exactly. A weight without a unique
name is named by its position instead ("#0/momentum"), as files written before format 2 name
every weight ("momentum/0"). (Keras's save_own_variables numbers the variables instead; it is
there too, in base.py.)
"""
import warnings

import numpy as np

from microdense.tensor import Tensor


class SavedState:
    """get_state / set_state over Optimizer's `_trainable_variables` and per-weight `_state`
    (by the weights' paths), and Keras's set_weights / get_weights (by position)."""

    # ---- Keras's way: the values of `variables`, in order ------------------------------
    def set_weights(self, weights):
        """Set the values of `variables`, in their order (from get_weights or another
        optimizer's variables)."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not "
                             "yet been built. Please call `optimizer.build(trainable_variables)"
                             "` to create the optimizer weights before calling "
                             "`set_weights()`.")
        for variable, weight in zip(self.variables, weights):
            shape = np.shape(weight.data if isinstance(weight, Tensor) else weight)
            if tuple(variable.shape) != tuple(shape):
                raise ValueError(f"Optimizer variable {variable.name} has shape "
                                 f"{tuple(variable.shape)} not compatible with provided "
                                 f"weight shape {tuple(shape)}.")
            variable.assign(weight)

    def get_weights(self):
        """The values of `variables` (copies), for set_weights."""
        return [variable.numpy() for variable in self.variables]

    def save_own_variables(self, store):
        """Keras's saving hook: store["0"], store["1"], ... = the variables' values."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Keras's loading hook: undo save_own_variables (skipped, with a warning, when the
        number of variables differs)."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because "
                          f"it has {len(variables)} variables whereas the saved optimizer "
                          f"has {len(store.keys())} variables.", stacklevel=2)
            return
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    # ---- by the weights' paths --------------------------------------------------------

    def state_keys(self):
        """The name each weight's state is saved under, in the order first seen: its path
        ("dense/kernel") when no other weight here shares it, else "#<position>"."""
        names = [variable.name for variable in self._trainable_variables]
        return [name if name and names.count(name) == 1 and not name.startswith("#")
                else f"#{index}" for index, name in enumerate(names)]

    def get_state(self):
        """{"iterations": ..., "<weight path>/<slot>": array} (copies), for saving."""
        state = {"iterations": np.array(self._iterations.data.item(), dtype=np.int64)}
        for key, slots in zip(self.state_keys(), self._state):
            for slot, array in slots.items():
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
        live = dict(zip(self.state_keys(), range(len(self._trainable_variables))))
        pending = {}
        for owner, slots in saved.items():
            position = live.get(owner if isinstance(owner, str) else f"#{owner}")
            if position is None and isinstance(owner, int) and \
                    owner < len(self._trainable_variables):
                position = owner
            if position is None:
                pending[owner] = slots               # for a weight this optimizer has not seen
                continue
            for slot, array in slots.items():
                _copy_into(self._state[position], slot, array,
                           self._trainable_variables[position])
        self._pending_state = pending
        self._iterations.assign(iterations)

    def _restore_pending(self, variable, position, state):
        """build: take what set_state left for a weight (by its path, else its position)."""
        saved = self._pending_state.pop(variable.name, None)
        if saved is None:
            saved = self._pending_state.pop(position, {})
        for slot, array in saved.items():
            _copy_into(state, slot, array, variable)

    def _parse_state_key(self, key):
        """"dense/kernel/momentum" -> ("dense/kernel", "momentum"); "#3/momentum" and the
        format-1 "momentum/3" -> (3, "momentum"): a position in first-seen order."""
        names = self.state_names()
        owner, _, slot = key.rpartition("/")
        if owner and slot in names:
            if owner.startswith("#") and owner[1:].isdigit():
                return int(owner[1:]), slot
            return owner, slot
        if owner in names and slot.isdigit():        # written before format 2
            return int(slot), owner
        raise ValueError(f"Unknown optimizer state entry {key!r} for {type(self).__name__}; "
                         f"expected 'iterations' and '<weight path>/<slot>' with slot in "
                         f"{list(names)}.")


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
