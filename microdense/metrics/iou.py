"""Intersection over union, as Keras 3's keras/src/metrics/iou_metrics.py: for segmentation,
from a confusion matrix of class ids kept over every batch (rows: true class, columns:
predicted class, each entry weighted by sample_weight).

    IoU_c = TP_c / (TP_c + FP_c + FN_c) = cm[c, c] / (row_c + column_c - cm[c, c])
    IoU(num_classes, target_class_ids)   the mean of IoU_c over the target classes present
    MeanIoU(num_classes)                 ... over every class present
    BinaryIoU(target_class_ids, threshold)  predictions y_pred >= threshold are class 1
    OneHotIoU, OneHotMeanIoU             one-hot y_true (and probabilities as y_pred): argmax

A class that appears in neither y_true nor y_pred is left out of the mean. Ids outside
[0, num_classes), and `ignore_class` in y_true, count nowhere. The matrix is kept in the
metric's dtype, an integer by default, so that large counts stay exact.
"""
import warnings

import numpy as np

from microdense import config
from microdense.metrics.metric import Metric
from microdense.metrics.reduction import as_array


class _IoUBase(Metric):
    """The (num_classes, num_classes) confusion matrix of class ids."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")    # integer counts stay exact
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        dtype = np.dtype(self.dtype)
        y_true = y_true.astype(dtype).reshape(-1)
        y_pred = y_pred.astype(dtype).reshape(-1)
        if sample_weight is None:
            sample_weight = np.ones((), dtype)
        else:
            sample_weight = as_array(sample_weight)
            if sample_weight.dtype.kind == "f" and dtype.kind in "iu":
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                              "result in an incorrect weight due to type casting Consider "
                              "using integer weights.", stacklevel=2)
            sample_weight = sample_weight.astype(dtype).reshape(-1)
        sample_weight = np.broadcast_to(sample_weight, y_true.shape)
        in_range = ((y_true >= 0) & (y_true < self.num_classes)
                    & (y_pred >= 0) & (y_pred < self.num_classes))
        if self.ignore_class is not None:
            in_range &= y_true != self.ignore_class
        cells = (y_true[in_range] * self.num_classes + y_pred[in_range]).astype(np.int64)
        weights = sample_weight[in_range]
        # float64 sums of integer weights are exact (to 2^53), so an int matrix stays exact
        counts = np.bincount(cells, weights.astype(np.float64), minlength=self.num_classes ** 2)
        matrix = counts.reshape(self.num_classes, self.num_classes).astype(dtype)
        self.total_cm.assign(self.total_cm.data + matrix)

    def result(self):
        """Overridden by IoU: this base only keeps the matrix."""
        raise NotImplementedError(f"{type(self).__name__} must define result.")


class IoU(_IoUBase):
    """The mean IoU over `target_class_ids` (those present in y_true or y_pred)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis,
                         dtype=dtype)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        matrix = self.total_cm.data.astype(np.float64)
        true_positives = np.diag(matrix)
        # row sums + column sums = 2 TP + FP + FN
        denominator = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positives
        true_positives = true_positives[self.target_class_ids]
        denominator = denominator[self.target_class_ids]
        present = denominator > 1e-9                  # a class seen nowhere is left out
        iou = np.where(present, true_positives / (denominator + config.epsilon()), 0.0)
        return float(np.sum(iou) / (np.sum(present) + config.epsilon()))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of two classes, y_pred >= threshold being class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = as_array(y_pred).astype(np.float32) >= self.threshold
        return super().update_state(y_true, predicted, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over every class (those present)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes,
                         target_class_ids=list(range(num_classes)), axis=axis, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU with one-hot y_true (and, unless sparse_y_pred, probabilities as y_pred)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot y_true (and, unless sparse_y_pred, probabilities as y_pred)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, axis=axis, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
