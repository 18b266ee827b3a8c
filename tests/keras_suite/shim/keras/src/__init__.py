"""keras.src: one subpackage per Keras package (keras.src.losses, ...), each forwarding to
the microdense module that holds its names. No forwarding here: `from keras.src import
backend` must find the subpackage backend/, not microdense.backend."""
