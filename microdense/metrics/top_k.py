"""Top-k accuracies, as Keras 3's: a sample counts as right when its true class is among the
k largest predictions (ranked as keras.ops.in_top_k: 1 + the number of strictly larger ones)."""
import numpy as np

from microdense import config
from microdense.metrics.reduction import MeanMetricWrapper, as_array as _array


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the true class (argmax of one-hot y_true) is among y_pred's k largest."""
    return sparse_top_k_categorical_accuracy(np.argmax(_array(y_true), -1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among y_pred's k largest entries (ranked as Keras's
    in_top_k: 1 + the number of strictly larger predictions <= k). from_sorted_ids=True:
    y_pred already holds each row's top class ids, best first."""
    from microdense.ops import in_top_k          # ops import nothing from metrics
    y_true, y_pred = _array(y_true), _array(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if from_sorted_ids:
        hits = np.any(y_pred[..., :k] == y_true[..., None], axis=-1)
    else:
        hits = in_top_k(y_true.astype(np.int64), y_pred.reshape(-1, y_pred.shape[-1]),
                        k).data.reshape(y_true.shape)
    return hits.astype(config.floatx())


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose true class (one-hot) is among the k largest predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Fraction of samples whose integer label is among the k largest predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
