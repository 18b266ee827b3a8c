"""Models for the functional-API / normalization parity check, written once for both frameworks.

tools/keras_reference_functional.py calls these with `keras`'s layers and Model; the test
(tests/test_keras_functional_parity.py) calls them with microdense's. The same lines build both
models, which is the point: Keras code runs with only the imports changed.
"""


def bn_mlp(layers, Model):
    """Dense -> BatchNormalization -> relu -> Dense(softmax): BN in training and inference."""
    inputs = layers.Input(shape=(5,), name="x")
    h = layers.Dense(8, name="dense_a")(inputs)
    h = layers.BatchNormalization(momentum=0.9, name="bn")(h)
    h = layers.Activation("relu", name="relu")(h)
    outputs = layers.Dense(3, activation="softmax", name="probs")(h)
    return Model(inputs, outputs, name="bn_mlp")


def residual_two_heads(layers, Model):
    """Two inputs, two outputs, every merge layer, a BatchNormalization and a residual Add."""
    x = layers.Input(shape=(5,), name="x")
    side = layers.Input(shape=(2,), name="side")
    h = layers.Dense(6, activation="tanh", name="h1")(x)
    # No bias before BatchNormalization (it would cancel out exactly: a zero gradient whose
    # float32 round-off Adam would scale up to full-size steps of random sign).
    h2 = layers.Dense(6, use_bias=False, name="h2")(h)
    residual = layers.Add(name="residual")([h, h2])
    joined = layers.Concatenate(name="joined")([residual, side])
    joined = layers.BatchNormalization(momentum=0.8, epsilon=0.01, name="bn")(joined)
    gate = layers.Dense(4, activation="sigmoid", name="gate")(joined)
    value = layers.Dense(4, name="value")(joined)
    gated = layers.Multiply(name="gated")([gate, value])
    diff = layers.Subtract(name="diff")([value, gate])
    mixed = layers.Average(name="mixed")([gated, diff])
    digit = layers.Dense(3, activation="softmax", name="digit")(mixed)
    amount = layers.Dense(1, name="amount")(mixed)
    return Model(inputs=[x, side], outputs={"digit": digit, "amount": amount},
                 name="two_heads")
