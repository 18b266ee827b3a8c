"""The Loss base class and the reduction from per-sample losses to one number (Keras's
keras/src/losses/loss.py), with the shared handling of y_true and y_pred."""
import numpy as np

from microdense import config, ops, registry
from microdense.naming import to_snake_case
from microdense.tensor import Tensor, constant
from microdense.registry import Configurable, serialize_object


# ---- preparing y_true and y_pred ---------------------------------------------------------

def _as_prediction(y_pred):
    """y_pred as a float Tensor (a Tensor keeps its dtype and graph; ints become floatx)."""
    if not isinstance(y_pred, Tensor):
        y_pred = Tensor(np.asarray(y_pred))
    if y_pred.dtype.kind != "f":
        y_pred = ops.astype(y_pred, config.floatx())
    return y_pred


def _as_target(y_true, like):
    """y_true as a Tensor of y_pred's dtype. A Tensor keeps its graph (the cast is an op)."""
    if isinstance(y_true, Tensor):
        return y_true if y_true.dtype == like.dtype else ops.astype(y_true, like.dtype)
    return constant(np.asarray(y_true, dtype=like.dtype))


def squeeze_or_expand_to_same_rank(x1, x2):
    """If the ranks differ by one and the longer has a last axis of 1, make the ranks equal,
    as Keras does: (n,) and (n, 1) become (n, 1) and (n, 1)."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        return (x1, ops.expand_dims(x2, -1)) if x2.ndim == 1 else (ops.squeeze(x1, -1), x2)
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        return (ops.expand_dims(x1, -1), x2) if x1.ndim == 1 else (x1, ops.squeeze(x2, -1))
    return x1, x2


def _prepare(y_true, y_pred, loss_name, broadcast=True):
    """Both as Tensors of y_pred's dtype, ranks matched as Keras matches them, or a ValueError
    saying why not.

    broadcast=True: shapes that numpy broadcasts are accepted, because Keras's arithmetic
    losses (mse, mae, huber, hinge, ...) compute `y_true - y_pred` as it stands: targets of
    shape (1,) against a (1, 10) output give ten errors per sample. broadcast=False (the
    cross-entropies, whose backends check it): the shapes must be equal.
    """
    y_pred = _as_prediction(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(_as_target(y_true, y_pred), y_pred)
    if y_true.shape != y_pred.shape:
        if broadcast:
            try:
                np.broadcast_shapes(y_true.shape, y_pred.shape)
                return y_true, y_pred
            except ValueError:
                pass
        either = ", which do not broadcast together either" if broadcast else ""
        raise ValueError(f"{loss_name}: y_true and y_pred must have the same shape; got y_true "
                         f"{y_true.shape} and y_pred {y_pred.shape}{either}.")
    return y_true, y_pred


# ---- reducing per-sample losses to one number ---------------------------------------------

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    """`reduction` itself if it is one of REDUCTIONS, else a ValueError in Keras's words."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{', '.join(repr(r) for r in REDUCTIONS)}. Received: "
                         f"reduction={reduction!r}")
    return reduction


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Keras's reduction: sum(values * sample_weight), divided by the number of values for
    "sum_over_batch_size"/"mean", by sum(sample_weight) for "mean_with_sample_weight", not
    divided for "sum"; "none"/None returns the weighted values unreduced.

    `mask` (True where an entry counts) becomes part of the weight, as in Keras: for a mean,
    a counted entry weighs total / counted and the others 0, so the mean is taken over the
    counted entries only (0, not NaN, when none counts)."""
    reduction = standardize_reduction(reduction)
    if dtype is not None and values.dtype != np.dtype(dtype):
        values = ops.astype(values, dtype)
    if mask is not None:
        # By ops, not numpy: a compiled step computes the mask anew for each batch.
        weight = ops.astype(mask, values.dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            weight = weight * (float(weight.size) / ops.maximum(ops.sum(weight), 1.0))
        if sample_weight is not None:
            weights, weight = squeeze_or_expand_to_same_rank(_as_target(sample_weight, values),
                                                             weight)
            weight = weights * weight
        sample_weight = weight
    if sample_weight is not None:
        weights = _as_target(sample_weight, values)
        values, weights = squeeze_or_expand_to_same_rank(values, weights)
        values = values * weights
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        if isinstance(sample_weight, Tensor):           # divide_no_nan, by ops
            weight_sum = ops.sum(sample_weight)
            return ops.where(weight_sum == 0, 0.0,
                             total / ops.where(weight_sum == 0, 1.0, weight_sum))
        weight_sum = float(np.sum(np.asarray(sample_weight)))
        return total / weight_sum if weight_sum else total * 0.0       # divide_no_nan
    return total / float(values.size)


# ---- loss classes ------------------------------------------------------------------------

def _compute_dtype(dtype):
    """The loss's dtype as a numpy name: floatx() when None (read when the loss is made)."""
    name = str(dtype or config.floatx())
    try:
        return np.dtype(name).name
    except TypeError:
        raise ValueError(f"Loss dtype {name!r} is not a dtype microdense computes in: use "
                         f"'float32', 'float64' or 'float16'.") from None


class Loss(Configurable):
    """Base class: loss(y_true, y_pred, sample_weight=None) = reduce(call(y_true, y_pred)).

    Subclass it and write `call(y_true, y_pred)` returning one loss per sample, as in Keras.
    As Keras, y_true and y_pred are cast to the loss's `dtype` first: floatx() (float32)
    unless given, so a float64 prediction gives a float32 loss; pass dtype="float64" to
    compute in float64.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = _compute_dtype(dtype)

    @property
    def dtype(self):
        """The dtype the loss computes in (read only, as Keras's)."""
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = _as_prediction(y_pred)
        if y_pred.dtype != np.dtype(self.dtype):
            y_pred = ops.astype(y_pred, self.dtype)
        y_true = _as_target(y_true, y_pred)
        values = self.call(y_true, y_pred)
        return reduce_weighted_values(values, sample_weight, self.counted_entries(y_true, values),
                                      self.reduction, self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred) "
                                  f"returning one loss per sample.")

    def counted_entries(self, y_true, values):
        """Which loss values count in the mean (True where one does), or None for all: the
        mask Keras's loss functions set on their output (SparseCategoricalCrossentropy's
        ignore_class, Circle's samples without pairs)."""
        return None

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


class LossFunctionWrapper(Loss):
    """A Loss around a function fn(y_true, y_pred, **kwargs) -> per-sample losses."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        # As Keras: targets (n,) meet predictions (n, 1) before any function, even a user's.
        y_true, y_pred = squeeze_or_expand_to_same_rank(_as_target(y_true, y_pred), y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        # The function's own arguments (from_logits, delta, ...) travel with the config;
        # a subclass names its function by its class, a bare wrapper must save it.
        config = {**super().get_config(), **self._fn_kwargs}
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize_object(self.fn)
        return config

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            losses = registry.builtin_objects("losses")    # losses/__init__.py's name table
            config = {**config, "fn": registry.deserialize_object(config["fn"], losses, "loss")}
        return cls(**config)
