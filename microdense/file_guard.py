"""What a model file being loaded may make us allocate: the weights its weights file declares.

A config is data from a file, and a hostile one can ask for anything ("units": 10**12 makes
Dense's build allocate terabytes). While `load_model` rebuilds a model, it names the weights the
file holds (path -> shape), and `Layer.add_weight` calls `check_new_weight` before allocating:
a weight the file does not hold, or holds with another shape, is refused with a clear error
instead. Outside `expect_weights` the check does nothing. (A module of its own, importing
nothing from microdense, so layers and saving can both use it without an import cycle.)
"""
import contextlib
import threading


class ModelFileError(ValueError):
    """A model file that is corrupt, or crafted to harm: too large, or a malformed field."""


def hostile(filepath, field, problem):
    """The one error for a file we refuse: names the file, the field and what is wrong."""
    return ModelFileError(f"corrupt or hostile model file '{filepath}': {field} {problem}. "
                          f"Load only files you trust; if this one is yours, save it again.")


_loading = threading.local()         # each thread loads its own file


@contextlib.contextmanager
def expect_weights(shapes, filepath):
    """Within this block, new weights must be among `shapes` ({path: shape}), as declared."""
    previous = getattr(_loading, "expected", None)
    _loading.expected = (shapes, filepath)
    try:
        yield
    finally:
        _loading.expected = previous


def check_new_weight(path, shape):
    """Refuse, before it is allocated, a weight the file being loaded does not declare."""
    expected = getattr(_loading, "expected", None)
    if expected is None:
        return
    shapes, filepath = expected
    if shapes.get(path) != tuple(shape):
        held = (f"declares it with shape {shapes[path]}" if path in shapes
                else "does not hold it")
        raise hostile(filepath, "config.json", f"builds weight '{path}' with shape "
                      f"{tuple(shape)}, but the weights file {held}")
