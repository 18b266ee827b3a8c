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
