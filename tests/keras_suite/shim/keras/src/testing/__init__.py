"""keras.src.testing: Keras's TestCase, ported to microdense (test_case.py), and its
test_utils (vendored verbatim: numpy only)."""
from keras.src.testing.test_case import TestCase  # noqa: F401
from keras.src.testing.test_case import jax_uses_gpu  # noqa: F401
from keras.src.testing.test_case import jax_uses_tpu  # noqa: F401
from keras.src.testing.test_case import tensorflow_uses_gpu  # noqa: F401
from keras.src.testing.test_case import tensorflow_uses_tpu  # noqa: F401
from keras.src.testing.test_case import torch_uses_gpu  # noqa: F401
from keras.src.testing.test_case import uses_gpu  # noqa: F401
from keras.src.testing.test_case import uses_tpu  # noqa: F401
