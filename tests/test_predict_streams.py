"""predict on a stream of batches: each batch runs as it comes, and the outputs are joined."""
import numpy as np
import pytest

import microdense as md
from microdense.layers import Dense, Input


def test_predict_on_a_generator_whose_batches_differ_in_size_and_length():
    inputs = Input(shape=(None, 4))                  # open length: batches may differ in it
    model = md.models.Model(inputs, Dense(2)(inputs))
    rng = np.random.default_rng(0)
    batches = [rng.normal(size=shape).astype(np.float32)
               for shape in ((2, 3, 4), (5, 3, 4), (1, 3, 4))]
    out = model.predict((b for b in batches), verbose=0)
    assert out.shape == (8, 3, 2)
    np.testing.assert_allclose(out, np.concatenate([model.predict_on_batch(b)
                                                    for b in batches]), rtol=1e-6)
    # Batches of other lengths give outputs that one array cannot hold: said clearly.
    with pytest.raises(ValueError, match="batch 1 has shape \\(2, 5, 2\\) but that of batch "
                                         "0 has shape \\(2, 3, 2\\)"):
        model.predict(iter([batches[0], np.zeros((2, 5, 4), np.float32)]), verbose=0)


def test_predict_on_a_stream_checks_each_batch_and_steps_stops_early():
    model = md.models.Sequential([Input(shape=(4,)), Dense(2)])
    x = np.ones((10, 4), np.float32)
    out = model.predict(iter([(x[:3], None), x[3:]]), verbose=0)     # (x, y) or x alone
    assert out.shape == (10, 2)
    assert model.predict(x, batch_size=4, steps=2, verbose=0).shape == (8, 2)

    def endless():
        while True:
            yield x[:2]
    assert model.predict(endless(), steps=3, verbose=0).shape == (6, 2)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        model.predict(iter([x, np.ones((2, 5), np.float32)]), verbose=0)


def test_a_sequential_model_fed_a_stream_builds_for_its_first_two_batches():
    # As Keras builds from a generator's spec: a size that differs between the first two
    # batches is left open, so both run (Flatten gives 35 values either way).
    model = md.models.Sequential([md.layers.Flatten()])

    def generator():
        yield (np.ones((3, 5, 7), np.float32),)
        yield (np.ones((2, 7, 5), np.float32),)
    out = model.predict(generator(), verbose=0)
    assert out.shape == (5, 35)
    assert model.inputs[0].shape == (None, None, None)


def test_a_subclassed_model_takes_a_tuple_of_inputs_in_fit_and_predict():
    class TwoInputs(md.models.Model):
        def __init__(self):
            super().__init__()
            self.dense = Dense(1)

        def call(self, inputs):
            a, b = inputs
            return self.dense(md.layers.Concatenate()([a, b]))

    model = TwoInputs()
    model.compile(optimizer="sgd", loss="mse")
    a, b = np.ones((6, 2), np.float32), np.zeros((6, 3), np.float32)
    model.fit((a, b), np.ones((6, 1), np.float32), epochs=1, verbose=0)
    assert model.dense.kernel.shape == (5, 1)
    assert model.predict((a, b), verbose=0).shape == (6, 1)
