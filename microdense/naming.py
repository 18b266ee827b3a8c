"""Names, as Keras's keras/src/utils/naming.py gives them: one rule each, used everywhere.

    to_snake_case("LeakyReLU")        -> "leaky_re_lu"   (a layer's, loss's, metric's default name)
    unique_name("dense")              -> "dense", then "dense_1", "dense_2", ...
    activation_name(md.activations.relu) -> "relu"     (how an activation is shown and saved)
"""
import collections
import re
import threading

from microdense.registry import get_registered_name


def to_snake_case(name):
    """Keras's class-name-to-object-name rule: Dense -> dense, LeakyReLU -> leaky_re_lu.

    Characters that cannot be in a Python name are dropped first ("My-Layer!" -> my_layer).
    """
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


# ---- automatic names: dense, dense_1, dense_2, ... (one counter per prefix) ----------------

_name_counters = collections.defaultdict(int)
# Reading a count and storing count + 1 are two steps: without the lock, two threads can read
# the same count and both name their layer "dense_7".
_name_lock = threading.Lock()


def unique_name(prefix):
    """prefix the first time, then prefix_1, prefix_2, ... (global, as Keras's uniquify);
    safe to call from several threads at once."""
    with _name_lock:
        count = _name_counters[prefix]
        _name_counters[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset_name_counters():
    """Start naming from `dense` again (what Keras's clear_session does to names)."""
    with _name_lock:
        _name_counters.clear()


# ---- activations ----------------------------------------------------------------------------

def activation_name(activation):
    """The name an activation function is shown and saved under: its registered
    "package>name" if it was registered, else its own __name__ ('relu', 'my_swish'; an object
    without one is named by its class)."""
    return get_registered_name(activation)
