"""The names that saved models and strings find objects by, and errors a newcomer can act on.

Keras code registers its own functions and classes by name; a saved model records that name and
loading finds the object again without running code from the file:

    @md.utils.register_keras_serializable()  # saved as "Custom>scaled_tanh", found on load
    def scaled_tanh(x):
        return 1.7159 * md.tanh(2.0 / 3.0 * x)

Every unknown name ("rleu") gets an error suggesting the closest known one ("relu")."""
import difflib
import inspect
import threading


# ---- errors a newcomer can act on ----------------------------------------------------------

def unknown_name_error(kind, name, known):
    """A ValueError for a name that is not one of `known`, suggesting the closest match.

    unknown_name_error("activation", "rleu", ["relu", "elu"]) ->
        ValueError("Unknown activation 'rleu'. Did you mean 'relu'? Known: elu, relu.")
    """
    known = sorted(set(known))
    by_lower = {k.lower(): k for k in known}          # "Relu" should still suggest "relu"
    typed = str(name).lower()
    close = difflib.get_close_matches(typed, list(by_lower), n=3)
    # Of difflib's candidates, the fewest edits away: "adma" is 'adam' swapped (one edit),
    # though difflib ranks 'adamax' (two edits) first. sorted() keeps difflib's order on ties.
    close = sorted(close, key=lambda candidate: _edits(typed, candidate))
    hint = f" Did you mean '{by_lower[close[0]]}'?" if close else ""
    return ValueError(f"Unknown {kind} '{name}'.{hint} Known: {', '.join(known)}.")


def _edits(a, b):
    """How many insertions, deletions, substitutions and swaps of two neighbouring letters
    turn a into b (Damerau's optimal string alignment distance)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def missing_object_error(kind, name):
    """A ValueError for a saved name that is neither built in nor registered: says how to fix it."""
    if name == "<lambda>":
        return ValueError(f"Cannot restore a {kind} that was a lambda: it has no name to look up. "
                          f"Define it with `def`, decorate it with "
                          f"@microdense.utils.register_keras_serializable(), and save again.")
    short = name.split(">")[-1]
    return ValueError(
        f"Unknown {kind} '{name}': it is neither built in nor registered. Pass it when loading, "
        f"e.g. custom_objects={{'{short}': {short}}}, or decorate its definition with "
        f"@microdense.utils.register_keras_serializable() before loading.")


# ---- the registry of users' objects --------------------------------------------------------

# "package>name" -> object; users may also add plain names through get_custom_objects().
_REGISTERED_OBJECTS = {}
_REGISTERED_NAMES = {}       # object -> "package>name"


def register_keras_serializable(package="Custom", name=None):
    """Decorator: register a function or class under "package>name" (name defaults to its own).

    Saving then records that name, and loading finds the object without custom_objects.
    Registering the same name again replaces the old object (re-running a notebook cell).
    """
    if not isinstance(package, str):
        raise TypeError("register_keras_serializable takes a package name; write "
                        "@register_keras_serializable() with parentheses.")

    def decorator(obj):
        object_name = name if name is not None else getattr(obj, "__name__", None)
        if not object_name:
            raise ValueError(f"Cannot register {obj!r}: it has no __name__; pass name='...'.")
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register class {obj.__name__}: it needs a get_config() "
                             f"method so it can be saved and rebuilt.")
        registered_name = f"{package}>{object_name}"
        _REGISTERED_OBJECTS[registered_name] = obj
        _REGISTERED_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """The name `obj` was registered under ("package>name"), or else its own __name__."""
    try:
        if obj in _REGISTERED_NAMES:
            return _REGISTERED_NAMES[obj]
    except TypeError:                    # unhashable objects cannot have been registered
        pass
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None):
    """The object called `name` in custom_objects or the registry, or None if there is none.

    Looks in `custom_objects` first (it is explicit), then the registry. "Custom>f" and the bare
    "f" both work; a bare name registered in two packages is ambiguous and raises ValueError.
    """
    bare = name.split(">")[-1]
    custom_objects = {**scoped_custom_objects(), **(custom_objects or {})}
    if custom_objects:
        for key in (name, bare):
            if key in custom_objects:
                return custom_objects[key]
    if name in _REGISTERED_OBJECTS:
        return _REGISTERED_OBJECTS[name]
    if ">" not in name:
        # Only "package>name" keys: a plain key such as "swish" was already matched above.
        matches = [key for key in _REGISTERED_OBJECTS
                   if ">" in key and key.split(">", 1)[1] == name]
        if len(matches) > 1:
            raise ValueError(f"The name '{name}' is registered in several packages "
                             f"({', '.join(sorted(matches))}); use the full name.")
        if matches:
            return _REGISTERED_OBJECTS[matches[0]]
    return None


# custom_object_scope: names that count as custom_objects inside a `with` block, per thread.
_scopes = threading.local()


class CustomObjectScope:
    """Inside `with custom_object_scope({"MyLayer": MyLayer}):`, loading finds these names
    as if they were passed as custom_objects (keras.saving.custom_object_scope)."""

    def __init__(self, *custom_objects):
        self.custom_objects = {}
        for objects in custom_objects:
            self.custom_objects.update(objects or {})

    def __enter__(self):
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


def scoped_custom_objects():
    """The custom objects of every custom_object_scope open in this thread (inner wins)."""
    merged = {}
    for objects in getattr(_scopes, "stack", ()):
        merged.update(objects)
    return merged


def get_custom_objects():
    """The live registry dict {"package>name": object} (as keras.saving.get_custom_objects).

    Keras's documented `get_custom_objects().update({"swish": swish})` adds a plain name: it is
    found by that exact name when loading."""
    return _REGISTERED_OBJECTS


# ---- saving objects that have a config (initializers, regularizers, ...) -----------------------

def serialize_object(obj):
    """{"class_name": ..., "config": obj.get_config()} for an object; a function's name for a
    function. Registered classes are saved under their registered name."""
    if inspect.isfunction(obj) or not hasattr(obj, "get_config"):
        return get_registered_name(obj)
    cls = type(obj)
    class_name = _REGISTERED_NAMES.get(cls, cls.__name__)
    return {"class_name": class_name, "config": obj.get_config()}


def deserialize_object(config, builtins, kind, custom_objects=None):
    """Rebuild what `serialize_object` wrote. `builtins` maps names to the module's own objects.

    A dict is rebuilt with cls.from_config(config) (or cls(**config)); a string names a
    function or class (a class is instantiated with its defaults).
    """
    if isinstance(config, dict):
        if "class_name" not in config:
            raise ValueError(f"A serialized {kind} needs a 'class_name' key; got keys "
                             f"{sorted(config)}.")
        name, arguments = config["class_name"], config.get("config") or {}
    elif isinstance(config, str):
        name, arguments = config, None
    else:
        raise TypeError(f"Cannot deserialize a {kind} from a {type(config).__name__}: "
                        f"expected a name or a dict with 'class_name' and 'config'.")
    found = None
    if custom_objects:
        found = custom_objects.get(name, custom_objects.get(name.split(">")[-1]))
    if found is None:
        found = builtins.get(name)
    if found is None:
        found = get_registered_object(name)
    if found is None:
        raise missing_object_error(kind, name)
    if not inspect.isclass(found):
        return found
    if arguments is None:
        return found()
    if hasattr(found, "from_config"):
        return found.from_config(arguments)
    return found(**arguments)


def get_object(identifier, builtins, kind, expected, known=None, callables=True,
               deserialize=None):
    """What a module's get(identifier) returns, as Keras resolves identifiers:
    a built-in or registered name (a class is instantiated with its defaults), a serialized
    dict, a class (instantiated), or any callable (returned as is).

    `expected` completes the error for anything else: "pass {expected}"; `known` are the
    names an unknown-name error suggests from (default: all of `builtins`); callables=False
    refuses plain functions (an optimizer cannot be one); `deserialize` rebuilds a dict
    (default: deserialize_object over `builtins`).
    """
    if isinstance(identifier, str):
        found = builtins.get(identifier) or get_registered_object(identifier)
        if found is None:
            raise unknown_name_error(kind, identifier, known or builtins)
        return found() if inspect.isclass(found) else found
    if isinstance(identifier, dict):
        if deserialize is not None:
            return deserialize(identifier)
        return deserialize_object(identifier, builtins, kind)
    if inspect.isclass(identifier):
        return identifier()
    if callables and callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier {identifier!r} "
                     f"({type(identifier).__name__}): pass {expected}.")


class Configurable:
    """Base of objects rebuilt from their constructor arguments, as Keras's are (initializers,
    regularizers, losses): get_config() returns the arguments, from_config(config) calls the
    constructor with them again, and the repr shows them."""

    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


# ---- microdense's own classes and functions, by kind ----------------------------------------

# Each package registers its saveable objects by kind ("layers", "models", "metric functions")
# when it is imported.
# Loading a file then finds them by name without importing the packages that sit above the
# reader: serialization sits below the layers, and saving/ below the models.
_BUILTINS = {}


def register_builtins(kind, objects):
    """Make microdense's own `objects` ({name: class or function}) findable as `kind`."""
    _BUILTINS.setdefault(kind, {}).update(objects)


def builtin_objects(kind):
    """{name: object} registered under `kind` (empty until its package is imported)."""
    return _BUILTINS.get(kind, {})
