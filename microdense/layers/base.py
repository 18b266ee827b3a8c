"""The Layer: weights plus a `call` that maps an input tensor to an output tensor.

    layer = Dense(4)          # no weights yet: the input width is unknown
    y = layer(x)              # first call: build(x.shape) creates the weights, then call(x)
    layer.weights             # [dense/kernel (3, 4), dense/bias (4,)], float32, requires_grad

`__call__` is the boundary a user crosses: it casts the input to the layer's dtype (float32),
builds the layer once, checks the input's shape against what the weights expect (with Keras's
words), and runs `call` inside `layer_scope`, so every op the layer records is tagged with the
layer's name for the graph drawings. Subclasses write only `build`, `call`,
`compute_output_shape` and `get_config`, as in Keras.

A layer may be made of layers: those it holds as attributes (also in lists, tuples and dicts)
are its sublayers (tracking.py), and their weights, penalties and freezing are its own, at any
depth. `call(self, a, b, scale=2.0)` gets its arguments as written; `training` and `mask`
only if it declares them. `add_loss(tensor)` from `call` adds to the training loss of that
forward pass (call_context.py).
"""
import contextlib
import inspect
import math
import threading

import numpy as np

from microdense import config, constraints, initializers, ops, regularizers
from microdense.layers import call_context, symbolic, tracking
from microdense.layers.layer_saving import LayerSaving, serialize  # noqa: F401 (layers use it)
from microdense.naming import to_snake_case, unique_name
from microdense.tensor import Scope, Tensor, constant, layer_scope
from microdense.variables import Variable


def _check_name(name, what):
    """Keras's rule: a name is a string without '/', since '/' joins layer and weight names
    into the paths weights are saved under ("dense/kernel")."""
    if not isinstance(name, str) or "/" in name:
        raise ValueError(f"{what}: argument `name` must be a string and cannot contain "
                         f"character `/`. Received: name={name!r} (of type "
                         f"{type(name).__name__})")


# ---- new weights, announced --------------------------------------------------------------

# Loading a model file checks every new weight before it is allocated (saving/file_format.py
# declares the check). A layer only announces its new weights here: it does not know who checks.
_weight_check = threading.local()            # each thread loads its own file


@contextlib.contextmanager
def checking_new_weights(check):
    """Within this block, check(path, shape) runs before any layer allocates a weight."""
    previous = getattr(_weight_check, "check", None)
    _weight_check.check = check
    try:
        yield
    finally:
        _weight_check.check = previous


def _check_new_weight(path, shape):
    check = getattr(_weight_check, "check", None)
    if check is not None:
        check(path, shape)


# ---- what a layer accepts ----------------------------------------------------------------

class InputSpec:
    """The input shapes a layer accepts: a number of axes (ndim or min_ndim) and fixed sizes
    for some axes ({-1: 3} means "the last axis has 3 values")."""

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def check(self, layer_name, shape):
        """Raise Keras's ValueError if `shape` (batch axis included) does not fit."""
        start = f'Input 0 of layer "{layer_name}" is incompatible with the layer: '
        if self.ndim is not None and len(shape) != self.ndim:
            raise ValueError(f"{start}expected ndim={self.ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {tuple(shape)}")
        if self.min_ndim is not None and len(shape) < self.min_ndim:
            raise ValueError(f"{start}expected min_ndim={self.min_ndim}, found "
                             f"ndim={len(shape)}. Full shape received: {tuple(shape)}")
        for axis, size in self.axes.items():
            if size is not None and shape[axis] is not None and shape[axis] != size:
                raise ValueError(f"{start}expected axis {axis} of input shape to have value "
                                 f"{size}, but received input with shape {tuple(shape)}")


def input_hint(shape, expected):
    """How to fix an input of `shape` that a layer or model built for `expected` (both batch
    axis first; expected None when not built yet) refused, for the two usual slips: one
    sample without its batch axis, and samples not flattened. '' when neither applies."""
    shape = tuple(shape)
    tail = None if expected is None else tuple(expected[1:])
    if tail and None not in tail:
        if shape == tail:
            return (f" x looks like one sample without its batch axis: pass x[None] "
                    f"(shape {(1,) + shape}).")
        if len(shape) > 1 and shape[1:] != tail and math.prod(shape[1:]) == math.prod(tail):
            return (f" Each sample has shape {shape[1:]}, the same {math.prod(tail)} values "
                    f"as the expected {tail}: put a Flatten() layer first, or reshape the "
                    f"data with x.reshape(len(x), {', '.join(map(str, tail))}).")
    if len(shape) == 1:
        return (" x has no batch axis: layers take (batch, features). For one sample pass "
                "x[None]; for one feature per sample, x[:, None].")
    return ""


# ---- the Layer ---------------------------------------------------------------------------

def _may_hold_layers(value):
    """A layer, or a container that may hold one (a number or a string never does)."""
    return type(value) in (list, tuple, dict) or isinstance(value, Layer)


class Layer(LayerSaving):
    """Base class of all layers: output = call(input), with weights created by build(shape).

    Layer(name=None, trainable=True, dtype=None, activity_regularizer=None,
          input_shape=None, input_dim=None, batch_size=None)

    `input_shape=(n,)` / `input_dim=n` (the Keras 2 tutorial idiom) tell a Sequential model the
    width of its input, so its weights exist as soon as the layer is added.
    """

    # Keras's flag: whether the layer would pass a mask (which inputs are padding) on to the
    # next. microdense has no masks (out of its scope), so it is information only; the layers
    # that Keras marks are marked here too.
    supports_masking = False

    # Set once any layer has a weight regularizer: until then `losses` has no weights to
    # visit (a walk over every layer at every training step, saved for most models).
    _weights_regularized = False

    def __init__(self, name=None, trainable=True, dtype=None, activity_regularizer=None,
                 input_shape=None, input_dim=None, batch_input_shape=None, batch_size=None,
                 **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to "
                             f"{type(self).__name__}: {kwargs}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        _check_name(self.name, "Layer")
        self.dtype = str(np.dtype(dtype or config.floatx()))
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self.input_spec = None
        self._trainable = bool(trainable)
        self._weights = []                 # in creation order: Keras's get_weights order
        self._weight_trainable = []        # each weight's own trainable flag (add_weight's)
        self._regularized = []             # (weight, regularizer) pairs
        self._build_input_shape = None
        self._scope = None
        self._inbound_nodes = []           # calls on symbolic tensors (layers/symbolic.py)
        # The input shape a Sequential model reads, batch axis first (None = any batch size).
        if batch_input_shape is not None:
            self._input_shape_arg = tuple(batch_input_shape)
        elif input_shape is not None:
            self._input_shape_arg = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            self._input_shape_arg = (batch_size, input_dim)
        else:
            self._input_shape_arg = None

    def _build_at_init(self):
        """Built on construction, as Keras's layers without weights (ReLU, Dropout, ...): a
        layer whose class keeps the default build() has nothing to create. A subclass that
        writes its own build() is left unbuilt, so its build() still runs on the first
        call."""
        if type(self).build is Layer.build:
            self.built = True

    # -- to override ---------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape` (batch axis first). Default: none.
        A subclass's build() that calls super().build(input_shape) also records the shape
        for get_build_config(), as Keras's does."""
        self.built = True
        if self._build_input_shape is None and input_shape is not None:
            several = bool(input_shape) and isinstance(input_shape[0], (list, tuple))
            self._build_input_shape = [tuple(s) for s in input_shape] if several \
                else tuple(input_shape)

    def call(self, x, training=False):
        """The layer's forward computation, written with tensor ops (no backward needed)."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(x, training).")

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (batch axis first). Default: unchanged."""
        return tuple(input_shape)

    def describe(self):
        """A short description for graph drawings, e.g. 'Dense(64, activation=relu)'."""
        return f"{type(self).__name__}()"

    # -- what the layer is made of: tracking.py --------------------------------------------
    def __setattr__(self, name, value):
        """A Variable set as an attribute (alone or in a list/tuple/dict) becomes one of this
        layer's weights, as Keras tracks it; layers held as attributes are found by
        _sublayers() when asked."""
        before = self.__dict__.get(name)
        super().__setattr__(name, value)
        if _may_hold_layers(value) or _may_hold_layers(before):
            self.__dict__["_sublayers_cache"] = None    # what it holds may have changed
        if "_weights" in self.__dict__ and not name.startswith("_"):
            for variable in tracking.variables_in(value):
                if not any(variable is own for own in self._weights):
                    self._weights.append(variable)
                    self._weight_trainable.append(variable.trainable)

    def _sublayers(self):
        """The layers this layer holds as attributes, in assignment order. Kept until an
        attribute is set or a list or dict it holds changes length: a training step asks
        for every layer's weights, and walking each layer's attributes every time cost a
        200-layer model 4.6 ms a step (more than its numpy work)."""
        attributes = self.__dict__
        cache = attributes.get("_sublayers_cache")
        if cache is not None:
            containers, lengths, found = cache
            if [len(attributes[name]) for name in containers] == lengths:
                return list(found)
        containers = [name for name, value in attributes.items() if type(value) in (list, dict)]
        found = tracking.sublayers(self, Layer)
        attributes["_sublayers_cache"] = (containers,
                                          [len(attributes[name]) for name in containers], found)
        return list(found)

    def _flatten_layers(self):
        """This layer, then every layer inside it at any depth, each once."""
        return tracking.flatten_layers(self)

    # -- calling -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """layer(inputs, *more, training=None, mask=None, **options): `inputs` (a tensor, an
        array, or a list of them) is cast, checked and builds the layer; every other argument
        reaches call() as written (arrays as constant tensors)."""
        training = kwargs.pop("training", None)
        mask = kwargs.pop("mask", None)
        if not args:                              # layer(inputs=x) or layer(x=x)
            first = self._call_parameters()[0]
            key = first if first in kwargs else "inputs"
            if key not in kwargs:
                raise TypeError(f"Layer '{self.name}' was called without inputs: pass them "
                                f"as the first argument, layer(x).")
            args = (kwargs.pop(key),)
        inputs, more = args[0], args[1:]
        if symbolic.is_symbolic(inputs):          # the functional API: shapes, no values yet
            if more or any(symbolic.is_symbolic(value) for value in kwargs.values()):
                raise NotImplementedError(
                    f"Layer '{self.name}' was called on several symbolic tensors as separate "
                    f"arguments; in a functional model pass them as one list, "
                    f"layer([a, b]), and take the list in call(self, inputs).")
            return symbolic.call_symbolic(self, inputs)
        more = tuple(self._as_argument(value) for value in more)
        kwargs = {key: self._as_argument(value) for key, value in kwargs.items()}
        if isinstance(inputs, (list, tuple)):     # several inputs (merge layers: Add()([a, b]))
            xs = [self._as_input(x) for x in inputs]
            if not self.built:
                self._build([x.shape for x in xs])
            return self._call_in_scope(xs, training, more, kwargs, mask)
        x = self._as_input(inputs)
        try:
            if not self.built:
                self._build_for_call(x, more, kwargs)
            if self.input_spec is not None:
                self.input_spec.check(self.name, x.shape)
        except ValueError as error:
            hint = input_hint(x.shape, self._build_input_shape)
            if not hint:
                raise
            raise ValueError(f"{str(error).rstrip('.')}.{hint}") from None
        return self._call_in_scope(x, training, more, kwargs, mask)

    def _call_parameters(self):
        """The names of call()'s parameters, in order (self excluded)."""
        return list(inspect.signature(self.call).parameters)

    def _as_argument(self, value):
        """A call argument after the first: an array becomes a constant tensor (floats in the
        layer's dtype), anything else (a Tensor, a number, None, a string) passes as is."""
        if isinstance(value, np.ndarray):
            dtype = self.dtype if value.dtype.kind == "f" else value.dtype
            return constant(np.asarray(value, dtype=dtype))
        return value

    def _build_for_call(self, x, more, kwargs):
        """build() for a call whose first tensor is `x`: build(x.shape), or, when call takes
        several tensors and build names them (`build(self, a_shape, b_shape)`, Keras's
        convention), build with each tensor's shape by name."""
        names = self._call_parameters()
        tensors = dict(zip(names[1:], more))
        tensors.update(kwargs)
        shapes = {f"{name}_shape": (None,) + tuple(value.shape[1:])
                  for name, value in tensors.items() if isinstance(value, Tensor)}
        wanted = [p for p in inspect.signature(self.build).parameters]
        if shapes and f"{names[0]}_shape" in wanted:
            shapes[f"{names[0]}_shape"] = (None,) + tuple(x.shape[1:])
            self.build(**{key: shapes[key] for key in wanted if key in shapes})
            self.built = True
            self._build_input_shape = shapes[f"{names[0]}_shape"]
            return
        self._build(x.shape)

    def _as_input(self, inputs):
        """The input as a tensor of the layer's dtype. Data never requires grad; a tensor that
        does keeps its graph (the cast is an op)."""
        if isinstance(inputs, Tensor):
            return inputs if inputs.dtype == self.dtype else ops.astype(inputs, self.dtype)
        return constant(np.asarray(inputs, dtype=self.dtype))     # no copy if already float32

    def _build(self, input_shape):
        """Build once for `input_shape` (a list of shapes for a layer with several inputs),
        remembering it with the batch axis left open."""
        if input_shape and isinstance(input_shape[0], (list, tuple)):
            self.build([(None,) + tuple(shape[1:]) for shape in input_shape])
            self.built = True
            self._build_input_shape = [(None,) + tuple(shape[1:]) for shape in input_shape]
            return
        input_shape = (None,) + tuple(input_shape[1:])
        if self.input_spec is not None:        # a 1-D input to Dense fails here, clearly
            self.input_spec.check(self.name, input_shape)
        self.build(input_shape)
        self.built = True
        self._build_input_shape = input_shape

    def _call_in_scope(self, x, training=None, more=(), kwargs=None, mask=None):
        """call(x, *more, **kwargs) with every op tagged by this layer's scope; records the
        activity penalty, activity_regularizer(output) / batch size, with add_loss.

        training=None takes the training of the call this one is inside, else call()'s own
        default, as Keras. `training` and `mask` are passed only to a call() that declares
        them."""
        if self._scope is None:
            self._scope = Scope(self.name, self.describe())
            parameters = inspect.signature(self.call).parameters
            self._call_takes_training = "training" in parameters
            self._call_takes_mask = "mask" in parameters
        if training is None:
            training = call_context.current_training()
        kwargs = dict(kwargs or {})
        if self._call_takes_training and training is not None:
            kwargs["training"] = training      # else call()'s own default, as Keras
        if self._call_takes_mask:
            kwargs["mask"] = mask
        with call_context.layer_call(self, training), layer_scope(self._scope):
            out = self.call(x, *more, **kwargs)
            if self.activity_regularizer is not None:
                # Per sample, as Keras 3: the penalty of the batch divided by its size.
                penalty = self.activity_regularizer(out)
                if out.ndim and out.shape[0]:
                    penalty = penalty / float(out.shape[0])
                self.add_loss(penalty)
        return out

    def add_loss(self, loss):
        """Add `loss` (a scalar tensor) to the training loss of this forward pass, as Keras:
        call it from call(). Listed in `layer.losses` until the next outermost call."""
        values = loss if isinstance(loss, (list, tuple)) else [loss]
        for value in values:
            if not isinstance(value, Tensor):
                try:
                    value = constant(np.asarray(value, dtype=self.dtype))
                except (TypeError, ValueError):
                    raise ValueError(f"Layer '{self.name}': add_loss() takes a tensor (or a "
                                     f"number); received {type(value).__name__}.") from None
            call_context.add_loss(self, value)

    # -- the functional API: where this layer was called on symbolic tensors ---------------
    @property
    def input(self):
        """The symbolic input of this layer's first call on symbolic tensors (Keras's
        layer.input): a KerasTensor, or a list for a layer called on several."""
        node = self._first_node("input")
        return node.inputs if node.several else node.inputs[0]

    @property
    def output(self):
        """The symbolic output of this layer's first call on symbolic tensors (Keras's
        layer.output), e.g. for a feature extractor:
        Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])."""
        node = self._first_node("output")
        return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a symbolic "
                                 f"tensor and thus has no defined {what}. Call it on "
                                 f"Input(shape=...) (or one of its descendants), or put it in "
                                 f"a model whose input shape is known.")
        return self._inbound_nodes[0]

    # -- weights -------------------------------------------------------------------------
    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Keras's other name for add_weight (a model's own state, say a step counter:
        `self.steps = self.add_variable((), "zeros", trainable=False)`)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast,
                               regularizer=regularizer, constraint=constraint, name=name)

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, autocast=True):
        """A new weight tensor named "<layer>/<name>", filled by `initializer` (Keras's
        argument order and default: glorot_uniform). The optimizer applies `constraint`
        to it after each update. `autocast` is Keras's mixed-precision switch; weights here
        keep their dtype, so it changes nothing."""
        dtype = dtype or self.dtype
        shape = () if shape is None else tuple(shape)
        name = name or f"variable_{len(self._weights)}"
        _check_name(name, f"Weight of layer '{self.name}'")
        _check_new_weight(f"{self.name}/{name}", shape)    # loading a file: does it declare it?
        if isinstance(initializer, (np.ndarray, list, int, float)):
            value = np.array(initializer, dtype=dtype)         # a value, as Keras accepts
        else:
            value = initializers.get(initializer or "glorot_uniform")(shape, dtype=dtype)
        value = np.asarray(value, dtype=dtype)
        weight = Variable(value, dtype=value.dtype, name=f"{self.name}/{name}",
                          trainable=trainable and self._trainable)
        weight.constraint = constraints.get(constraint)
        self._weights.append(weight)
        self._weight_trainable.append(trainable)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self._regularized.append((weight, regularizer))
            Layer._weights_regularized = True
        return weight

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer stops gradients at its weights (they no longer require grad), and
        at those of every layer inside it; unfreezing unfreezes them all."""
        self._trainable = bool(value)
        for weight, own_flag in zip(self._weights, self._weight_trainable):
            weight.requires_grad = own_flag and self._trainable
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def weights(self):
        """Its own weights (those made trainable first, as Keras), then those of the layers
        inside it, each once: kernel before bias, layer by layer."""
        own, inside = self._own_weights(), self._sublayers()
        if not inside:                  # a Dense: its own (a training step asks every layer)
            return own
        return tracking.unique(own + [w for layer in inside for w in layer.weights])

    def _own_weights(self):
        """The weights this layer made (or holds as attributes), not those of its layers:
        the ones made trainable first, then the others, as Keras orders them."""
        flags = self._weight_trainable
        if all(flags):
            return list(self._weights)
        return [w for w, t in zip(self._weights, flags) if t] + \
               [w for w, t in zip(self._weights, flags) if not t]

    @property
    def variables(self):
        """Keras's name for every state variable of the layer: here, its weights."""
        return self.weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def trainable_weights(self):
        return [w for w in self.weights if w.requires_grad]

    @property
    def non_trainable_weights(self):
        return [w for w in self.weights if not w.requires_grad]

    @property
    def losses(self):
        """Penalties to add to the training loss, as Keras 3 lists them: the losses this
        layer and the layers inside it added in the last forward pass (add_loss, activity
        regularizers), then regularizer(weight) of each regularized trainable weight."""
        if not (Layer._weights_regularized or call_context.any_losses()):
            return []                               # the usual case: nothing to walk for
        layers = self._flatten_layers()
        latest = call_context.last_pass(self)       # the losses of this layer's last pass
        added = [loss for layer in layers for loss in call_context.losses_of(layer, latest)]
        return added + [reg(w) for layer in layers for w, reg in layer._regularized
                        if w.requires_grad]

    def count_params(self):
        """The number of scalar values in the weights."""
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but "
                             f"the layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(math.prod(w.shape) for w in self.weights))

    def get_weights(self):
        """Copies of the weights as numpy arrays, in Keras's order."""
        return [w.data.copy() for w in self.weights]

    def set_weights(self, weights):
        """Overwrite the weights in place (shapes must match), from arrays in Keras's order
        (e.g. `model.set_weights(keras_model.get_weights())`)."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with a "
                             f"weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(own)} weights.")
        arrays = [np.asarray(value) for value in weights]
        for weight, value in zip(own, arrays):          # check all before changing any
            if weight.shape != value.shape:
                raise ValueError(f"Layer {self.name} weight shape {weight.shape} is not "
                                 f"compatible with provided weight shape {value.shape} "
                                 f"(weight '{weight.name}').")
        for weight, value in zip(own, arrays):
            # In place: the optimizer's slots and any graph keep pointing at the same array.
            np.copyto(weight.data, value, casting="same_kind")

    def zero_grad(self):
        """Forget the weights' gradients (.grad = None), as torch's
        module.zero_grad(set_to_none=True): the next backward() starts from zero instead of
        adding to them. fit and train_on_batch leave no gradient behind on their own."""
        for weight in self.weights:
            weight.grad = None

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}, built={self.built}>"
