"""keras.src.dtype_policies: microdense has no dtype policies (its layers compute in floatx(),
float32 or float64; mixed precision is out of scope). Keras's tests save and restore the
global policy around each test (loss_test.py's setUp/tearDown), so this keeps that policy for
them: a float policy's name, nothing microdense reads. Tests that need a policy to act are
deselected (DESELECTED.md)."""
from keras.src.dtype_policies import dtype_policy  # noqa: F401 (a submodule)
from keras.src.dtype_policies.dtype_policy import DTypePolicy  # noqa: F401
