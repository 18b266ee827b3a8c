"""keras.src.metrics.accuracy_metrics -> microdense.metrics.accuracies and .top_k."""
from microdense.metrics import accuracies as _accuracies
from microdense.metrics import top_k as _top_k


def __getattr__(name):
    return getattr(_accuracies if hasattr(_accuracies, name) else _top_k, name)
