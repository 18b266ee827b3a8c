"""Metrics, as in Keras 3: objects that accumulate state over batches (update_state), give a
number (result) and start again (reset_state).

    acc = md.metrics.BinaryAccuracy()          # keras.metrics.BinaryAccuracy()
    acc.update_state(y_true, y_pred)           # batch 1
    acc.update_state(y_true2, y_pred2)         # batch 2
    acc.result()                               # fraction correct over both batches
    acc.variables                              # [total, count]: Variables, as Keras's

Read metric.py (the base class: state Variables, attribute tracking), reduction.py (Sum, Mean
and the running mean of a per-sample function), then the families: accuracies.py, top_k.py,
regression.py, probabilistic.py (and hinge), correlation.py, f_score.py, confusion_counts.py
(TP/FP/TN/FN at thresholds) with confusion.py and auc.py, iou.py. Formulas, names and defaults are
Keras 3's (keras/src/metrics/); a batch's numbers are computed on plain ndarrays, never
recording a graph, and added to the metric's float32 Variables.

`get(identifier)` is what `compile(metrics=[...])` uses: the metric's `name` is the string you
passed ("accuracy", "acc", "mse"), as in Keras's logs, and "accuracy"/"acc" becomes binary,
categorical or sparse categorical accuracy from the shapes of the first batch, as Keras 3's
compile_utils.get_metric does.
"""
import inspect

from microdense import losses, registry
from microdense.metrics.accuracies import (
    Accuracy, BinaryAccuracy, CategoricalAccuracy, ShapeChosenAccuracy,
    SparseCategoricalAccuracy, accuracy, accuracy_function_for, binary_accuracy,
    categorical_accuracy, sparse_categorical_accuracy)
from microdense.metrics.auc import AUC, AUCCurve, AUCSummationMethod
from microdense.metrics.confusion import (
    FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives, TruePositives)
from microdense.metrics.correlation import (
    ConcordanceCorrelation, PearsonCorrelation, concordance_correlation, pearson_correlation)
from microdense.metrics.f_score import F1Score, FBetaScore
from microdense.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from microdense.metrics.metric import Metric
from microdense.metrics.probabilistic import (
    BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence, Poisson,
    SparseCategoricalCrossentropy, SquaredHinge)
from microdense.metrics.reduction import Mean, MeanMetricWrapper, Sum
from microdense.metrics.regression import (
    CosineSimilarity, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, R2Score, RootMeanSquaredError,
    cosine_similarity)
from microdense.metrics.top_k import (
    SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy)
from microdense.metrics.variable import Variable  # noqa: F401 (a metric's state variable)
from microdense.naming import to_snake_case

# ---- finding metrics by name ---------------------------------------------------------------

_CLASSES = [
    Metric, Mean, Sum, MeanMetricWrapper,
    # regression
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    # classification from confusion counts
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives,
    TruePositives,
    # correlation, hinge, probabilistic
    ConcordanceCorrelation, PearsonCorrelation, Hinge, SquaredHinge, CategoricalHinge,
    KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    # accuracy, F-score
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, F1Score, FBetaScore,
    # intersection over union
    IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU]
_FUNCTIONS = [accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
              pearson_correlation, concordance_correlation]
# The functions a saved MeanMetricWrapper may name: ours and the loss functions. Registered,
# so reduction.py finds them without importing this package (which imports reduction.py).
registry.register_builtins("metric functions", {
    **{fn.__name__: fn for fn in _FUNCTIONS},
    **{key: obj for key, obj in losses.ALL_OBJECTS.items() if inspect.isfunction(obj)}})

# Keras's table (keras/src/metrics/__init__.py): class names, their snake_case, short aliases.
ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS.update({"bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
                    "mse": MeanSquaredError, "MSE": MeanSquaredError,
                    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
                    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
                    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError})


def get(identifier, loss=None):
    """The metric compile(metrics=[identifier]) uses, named as Keras logs it.

    A string keeps its spelling as the name ("acc" logs as "acc"); "accuracy"/"acc" gives a
    ShapeChosenAccuracy (the kind is fixed from the first batch's shapes, as in Keras 3, whose
    rule ignores the loss: `loss` is accepted for callers but does not change the choice).
    Other names: metric classes and aliases ("mse", "mae", "binary_accuracy"), then loss
    functions ("hinge", "kld") as running means, then registered custom functions.
    A Metric instance is returned as is; a class is instantiated; a function is wrapped.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return ShapeChosenAccuracy(name=identifier)
        loss_function = losses.ALL_OBJECTS.get(identifier)
        if not inspect.isfunction(loss_function):
            loss_function = None                 # a Loss class is not a per-sample function
        found = (ALL_OBJECTS.get(identifier) or loss_function
                 or registry.get_registered_object(identifier))
        if found is None:
            known = list(ALL_OBJECTS) + ["accuracy", "acc"] + [
                name for name, obj in losses.ALL_OBJECTS.items() if inspect.isfunction(obj)]
            raise registry.unknown_name_error("metric", identifier, known)
        metric = get(found)
        metric.name = identifier
        return metric
    if isinstance(identifier, Metric):
        return identifier
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        name = getattr(identifier, "name", None) or to_snake_case(
            getattr(identifier, "__name__", type(identifier).__name__))
        return MeanMetricWrapper(identifier, name=name)
    raise ValueError(f"Could not interpret metric identifier {identifier!r}: expected a name, a "
                     f"Metric, a Metric class or a function (y_true, y_pred) -> values.")


def serialize(metric):
    """{"class_name": ..., "config": ...} for a Metric."""
    return registry.serialize_object(metric)


def deserialize(config, custom_objects=None):
    """The metric `serialize` described."""
    classes = {**ALL_OBJECTS, "MeanMetricWrapper": MeanMetricWrapper,
               "ShapeChosenAccuracy": ShapeChosenAccuracy}
    return registry.deserialize_object(config, classes, "metric", custom_objects)


def serialize_function(fn):
    """A metric function's name: built-in ("binary_accuracy", "mean_squared_error") or the
    name a user's function was registered under ("Custom>my_error")."""
    return registry.serialize_object(fn)


def deserialize_function(name, custom_objects=None):
    """The function `serialize_function` named: ours, a loss function, or a user's."""
    return registry.deserialize_object(name, registry.builtin_objects("metric functions"),
                                       "metric function", custom_objects)
