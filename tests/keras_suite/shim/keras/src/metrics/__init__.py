"""keras.src.metrics -> microdense.metrics. Keras's module names (accuracy_metrics,
confusion_metrics, ...) are files here, each forwarding to the microdense module that holds
the same classes."""
from keras.src.metrics import accuracy_metrics  # noqa: F401 (before __getattr__: submodules)
from keras.src.metrics import confusion_metrics  # noqa: F401
from keras.src.metrics import correlation_metrics  # noqa: F401
from keras.src.metrics import f_score_metrics  # noqa: F401
from keras.src.metrics import hinge_metrics  # noqa: F401
from keras.src.metrics import iou_metrics  # noqa: F401
from keras.src.metrics import metric  # noqa: F401
from keras.src.metrics import metrics_utils  # noqa: F401
from keras.src.metrics import probabilistic_metrics  # noqa: F401
from keras.src.metrics import reduction_metrics  # noqa: F401
from keras.src.metrics import regression_metrics  # noqa: F401
from microdense import metrics as _target


def __getattr__(name):
    return getattr(_target, name)
