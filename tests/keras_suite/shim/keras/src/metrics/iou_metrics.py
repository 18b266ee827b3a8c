"""keras.src.metrics.iou_metrics -> microdense.metrics.iou."""
from microdense.metrics import iou as _target


def __getattr__(name):
    return getattr(_target, name)
