"""keras.src.backend.common: the modules of it Keras's tests import."""
