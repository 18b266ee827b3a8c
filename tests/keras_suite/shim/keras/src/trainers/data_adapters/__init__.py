"""keras.src.trainers.data_adapters: the modules of it Keras's tests import."""
