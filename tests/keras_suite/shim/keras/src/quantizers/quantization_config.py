"""keras.src.quantizers.quantization_config: out of microdense's scope (see __init__.py)."""
from keras.src.quantizers._out_of_scope import out_of_scope


def __getattr__(name):
    return out_of_scope("quantization", name)
