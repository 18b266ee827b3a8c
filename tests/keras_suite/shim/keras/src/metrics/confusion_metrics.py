"""keras.src.metrics.confusion_metrics -> microdense.metrics.confusion and .auc (AUC)."""
from microdense.metrics import auc as _auc
from microdense.metrics import confusion as _confusion


def __getattr__(name):
    return getattr(_confusion if hasattr(_confusion, name) else _auc, name)
