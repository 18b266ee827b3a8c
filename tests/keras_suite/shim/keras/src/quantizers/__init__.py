"""keras.src.quantizers: quantization is out of microdense's scope (float32/float64 only).

The names exist so that a test file that imports them at its top can load; using one raises.
The tests that use them are deselected in DESELECTED.md."""
from keras.src.quantizers import awq_config  # noqa: F401 (before __getattr__: a submodule)
from keras.src.quantizers import gptq_config  # noqa: F401
from keras.src.quantizers import quantization_config  # noqa: F401
from keras.src.quantizers import quantizers  # noqa: F401
from keras.src.quantizers._out_of_scope import out_of_scope


def __getattr__(name):
    return out_of_scope("quantization", name)
