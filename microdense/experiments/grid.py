"""The runs of a sweep: every combination of the grid's values, once per seed.

    expand({"activation": ["relu", "tanh"], "init": ["he_normal"]}, seeds=[0, 1])
    -> 4 tasks: (relu, he_normal, 0), (relu, he_normal, 1), (tanh, he_normal, 0), ...

A grid is a dict {name: list of values} (every combination, as itertools.product) or a list of
such dicts (their runs one after the other), as scikit-learn's ParameterGrid. A run is known by
its key: its config and seed as canonical JSON (sorted names), so a later session recognises
the same run in the log whatever order the grid was written in. That is also why a grid may
hold only plain values: the log is JSON, and the key must survive the trip.
"""
import difflib
import inspect
import itertools
import json
from collections import namedtuple

import numpy as np

# config: {name: value}; seed: an int, or None when the sweep has no seeds; key: the log's id.
Task = namedtuple("Task", ["config", "seed", "key"])


def run_key(config, seed):
    """The canonical JSON of a run: the same run gives the same string in every session."""
    return json.dumps({"config": config, "seed": seed}, sort_keys=True, separators=(",", ":"))


def expand(grid, seeds=None):
    """The tasks of `grid` x `seeds`, in grid order, seeds innermost."""
    grids = [grid] if isinstance(grid, dict) else grid
    if not isinstance(grids, (list, tuple)) or not grids:
        raise TypeError(f"grid should be a dict {{name: [values]}} or a list of such dicts; "
                        f"got {type(grid).__name__}.")
    seed_list = [None] if seeds is None else _check_seeds(seeds)
    tasks, seen = [], set()
    for number, one in enumerate(grids):
        where = "grid" if isinstance(grid, dict) else f"grid[{number}]"
        names, value_lists = _check_grid(one, where, seeds is not None)
        for values in itertools.product(*value_lists):
            config = dict(zip(names, values))
            for seed in seed_list:
                key = run_key(config, seed)
                if key in seen:
                    raise ValueError(f"The run {config} with seed {seed} appears twice in the "
                                     f"grid; every run must be different (remove the repeat).")
                seen.add(key)
                tasks.append(Task(config, seed, key))
    return tasks


def _check_seeds(seeds):
    try:
        seed_list = list(seeds)
    except TypeError:
        raise TypeError(f"seeds should be a list or range of integers, e.g. seeds=range(3); "
                        f"got {seeds!r}.") from None
    clean = []
    for seed in seed_list:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seeds should be integers; got {seed!r} ({type(seed).__name__}).")
        clean.append(int(seed))
    if len(set(clean)) != len(clean):
        raise ValueError(f"seeds has repeats: {clean}; each seed should appear once.")
    if not clean:
        raise ValueError("seeds is empty: give at least one seed, or seeds=None for none.")
    return clean


def _check_grid(grid, where, has_seeds):
    """(names, lists of JSON-clean values) of one grid dict, or an error saying what to fix."""
    if not isinstance(grid, dict):       # {} is one run with no config: a sweep over seeds
        raise TypeError(f"{where} should be a dict {{name: [values]}}; got {grid!r}.")
    names, value_lists = [], []
    for name, values in grid.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{where} has the key {name!r}: keys are passed to your function "
                             f"as keyword arguments, so each must be a valid Python name.")
        if name == "seed" and has_seeds:
            raise ValueError(f"{where} has a 'seed' key and seeds= is given too: put the seeds "
                             f"in seeds= only (the sweep passes seed= to your function).")
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise TypeError(f"{where}[{name!r}] should be a list of values; got {values!r}. "
                            f"Write [{values!r}] for a single value.")
        if isinstance(values, (set, frozenset)):
            raise TypeError(f"{where}[{name!r}] is a set; use a list: a set's order can change "
                            f"from one Python session to the next, and so would the runs'.")
        values = list(values)
        if not values:
            raise ValueError(f"{where}[{name!r}] is empty: give at least one value.")
        value_lists.append([to_json_value(v, f"{where}[{name!r}][{i}]")
                            for i, v in enumerate(values)])
        names.append(name)
    return names, value_lists


# ---- JSON-clean values ---------------------------------------------------------------------

class NotJSON(ValueError):
    """A value the JSON log cannot hold."""


def to_json_value(value, where="value"):
    """`value` with numpy scalars and arrays made plain Python (ints, floats, lists).

    Raises NotJSON, naming `where`, for anything else that JSON cannot hold (a function, a
    model, an object), with what to put in its place.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise NotJSON(f"{where} is an array of dtype {value.dtype}, which JSON cannot hold.")
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_json_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        clean = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise NotJSON(f"{where} has the key {k!r}; JSON keys must be strings.")
            clean[k] = to_json_value(v, f"{where}[{k!r}]")
        return clean
    kind = "a function" if callable(value) else f"a {type(value).__name__}"
    raise NotJSON(f"{where} is {value!r} ({kind}), which the sweep cannot write to its JSON log. "
                  f"Use plain values (str, int, float, bool, None, or lists/dicts of them), e.g. "
                  f"a name, and turn the name into the object inside your function (e.g. "
                  f"md.activations.get(name), or a dict of your own objects).")


# ---- the function's parameters -------------------------------------------------------------

def check_signature(fn, tasks):
    """Check that fn(**config, seed=seed) binds for each distinct set of names, before any run."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):            # some builtins have no signature: just try it
        return
    checked = set()
    for task in tasks:
        names = tuple(task.config) + (("seed",) if task.seed is not None else ())
        if names in checked:
            continue
        checked.add(names)
        try:
            signature.bind(**dict.fromkeys(names))
        except TypeError as error:
            raise TypeError(_signature_hint(fn, signature, names, error)) from None


def _signature_hint(fn, signature, names, error):
    name = getattr(fn, "__name__", repr(fn))
    parameters = list(signature.parameters)
    message = (f"The sweep calls {name}({', '.join(f'{n}=...' for n in names)}), which does not "
               f"fit its parameters ({', '.join(parameters) or 'none'}): {error}.")
    unknown = [n for n in names if n not in parameters]
    for n in unknown:
        close = difflib.get_close_matches(n, parameters, n=1)
        if close:
            message += f" Did you mean '{close[0]}' for '{n}'?"
    if "seed" in names and "seed" not in parameters:
        message += " With seeds= given, the function needs a `seed` parameter."
    return message
