"""keras.src.export: exporting a model (SavedModel, ONNX) is out of microdense's scope. The
names exist so that a test file importing the package can load; using one raises."""
from keras.src.quantizers._out_of_scope import out_of_scope


def __getattr__(name):
    return out_of_scope("export", name)
