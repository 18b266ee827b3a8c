"""keras.src.trainers: the modules of it Keras's tests import."""
