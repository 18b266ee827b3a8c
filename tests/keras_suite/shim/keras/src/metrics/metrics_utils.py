"""keras.src.metrics.metrics_utils -> microdense.metrics.confusion_counts (the counts at
thresholds), and the AUCCurve and AUCSummationMethod enums of microdense.metrics.auc."""
from microdense.metrics import auc as _auc
from microdense.metrics import confusion_counts as _confusion_counts


def __getattr__(name):
    return getattr(_confusion_counts if hasattr(_confusion_counts, name) else _auc, name)
