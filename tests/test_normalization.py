"""BatchNormalization and Normalization: behaviour (training flag, moving statistics, freezing,
adapt, saving). Their numbers against Keras: test_keras_functional_parity.py."""
import numpy as np
import pytest

import microdense as md
from microdense.layers import BatchNormalization, Dense, Input, Normalization
from microdense.models import Model, Sequential, load_model
from microdense.tensor import Tensor


def data(*shape, seed=0, scale=3.0, shift=2.0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * scale + shift).astype(np.float32)


def test_batch_normalization_in_training_uses_the_batch_and_moves_the_statistics():
    x = data(64, 3)
    layer = BatchNormalization(momentum=0.9)
    out = layer(x, training=True).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)            # beta = 0
    np.testing.assert_allclose(out.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-3),
                               rtol=1e-4)                                  # gamma = 1
    moving_mean, moving_variance = layer.moving_mean.data, layer.moving_variance.data
    np.testing.assert_allclose(moving_mean, 0.1 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(moving_variance, 0.9 + 0.1 * x.var(axis=0), rtol=1e-5)
    inference = layer(x).data                                   # training=False by default
    expected = (x - moving_mean) / np.sqrt(moving_variance + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.data, moving_mean)    # no update


def test_batch_normalization_weights_and_a_frozen_layer_runs_in_inference_mode():
    layer = BatchNormalization(center=False)
    layer(np.zeros((2, 4), np.float32))
    assert [w.name.split("/")[1] for w in layer.weights] == ["gamma", "moving_mean",
                                                            "moving_variance"]
    assert [w.name.split("/")[1] for w in layer.trainable_weights] == ["gamma"]
    layer.trainable = False
    x = data(8, 4)
    np.testing.assert_allclose(layer(x, training=True).data, x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.data, np.zeros(4))
    with pytest.raises(ValueError, match="one integer `axis`"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="not the batch axis"):
        BatchNormalization(axis=0)(x)


def test_fit_moves_the_statistics_and_evaluate_and_predict_do_not(tmp_path):
    model = Sequential([Input(shape=(3,)), Dense(4), BatchNormalization(), Dense(1)])
    model.compile("sgd", "mse")
    bn = model.layers[1]
    x, y = data(32, 3), data(32, 1, seed=1)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    after_fit = bn.moving_mean.data.copy()
    assert not np.allclose(after_fit, 0)                        # 8 updates happened
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.data, after_fit)
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 8 (32.00 B)" in lines[0]      # moving mean and variance
    model.save(tmp_path / "bn.mdz")
    restored = load_model(tmp_path / "bn.mdz")
    np.testing.assert_array_equal(restored.layers[1].moving_variance.data,
                                  bn.moving_variance.data)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_batch_normalization_gradient_flows_through_the_batch_statistics():
    # float64 central differences of the whole composition, batch mean and variance included
    layer = BatchNormalization(dtype="float64")
    x = md.Tensor(data(6, 3).astype(np.float64), requires_grad=True)
    layer(x)
    layer.gamma.data[...] = [0.5, 1.5, -1.0]
    md.gradcheck(lambda t: layer(t, training=True), x)
    # A constant shift of the batch changes nothing in training mode: the gradient of any
    # loss with respect to x sums to zero over the batch, per feature.
    layer(x, training=True).sum().backward()
    np.testing.assert_allclose(x.grad.sum(axis=0), 0, atol=1e-9)


def test_normalization_adapt_standardizes_and_invert_undoes_it():
    train = data(100, 3)
    layer = Normalization()
    layer.adapt(train)
    # The weights are (features,); layer.mean is shaped to broadcast, (1, features), as Keras.
    np.testing.assert_allclose(layer.adapt_mean.data, train.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.data, train.var(axis=0), rtol=1e-5)
    assert layer.mean.shape == (1, 3)
    out = layer(train).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-4)
    back = Normalization(invert=True, mean=layer.adapt_mean.data,
                         variance=layer.adapt_variance.data)
    np.testing.assert_allclose(back(out).data, train, rtol=1e-4, atol=1e-4)
    assert back.weights == []                                   # given values are constants
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        Normalization(mean=[0.0])
    with pytest.raises(ValueError, match="adapt\\(\\) would overwrite"):
        back.adapt(train)


def test_an_adapted_normalization_is_saved_with_its_model(tmp_path):
    train = data(50, 2)
    norm = Normalization()
    norm.adapt(train)
    inputs = Input(shape=(2,))
    model = Model(inputs, Dense(1)(norm(inputs)))
    model.save(tmp_path / "norm.mdz")
    restored = load_model(tmp_path / "norm.mdz")
    np.testing.assert_array_equal(restored.predict(train, verbose=0),
                                  model.predict(train, verbose=0))


# ---- adapt on batches (issue 24) ------------------------------------------------------------

def test_adapt_on_batches_builds_for_the_batch_rank_and_matches_the_whole_array():
    train = data(32, 4)
    whole = Normalization()
    whole.adapt(train)

    def generator():
        yield train[:5]
        yield train[5:20], np.zeros(15)             # (x, y): only x counts
        yield train[20:]

    class Batches(md.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            return train[index * 8:(index + 1) * 8], None, None

    sources = {"list": [train[:8], train[8:16], train[16:]], "generator": generator(),
               "iterator": iter([train[:10], train[10:]]), "pydataset": Batches()}
    for kind, source in sources.items():
        layer = Normalization()
        layer.adapt(source)
        out = layer(train).data
        assert out.shape == (32, 4), kind         # built for (batch, 4), not (1, 32, 4)
        # Batches combined one at a time give the statistics of the whole array.
        np.testing.assert_allclose(layer.adapt_mean.data, whole.adapt_mean.data, rtol=1e-5,
                                   err_msg=kind)
        np.testing.assert_allclose(layer.adapt_variance.data, whole.adapt_variance.data,
                                   rtol=1e-5, err_msg=kind)
        np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-4, err_msg=kind)


def test_adapt_steps_stops_an_endless_generator_and_several_kept_axes_stream_too():
    train = data(16, 3, 2)

    def endless():
        while True:
            yield train[:4]

    layer = Normalization(axis=(1, 2))
    layer.adapt(endless(), steps=3)                 # three copies of the same batch
    np.testing.assert_allclose(layer.adapt_mean.data, train[:4].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.adapt_variance.data, train[:4].var(axis=0), rtol=1e-4)
    assert layer.mean.shape == (1, 3, 2)


def test_adapt_refuses_what_is_not_batches_of_arrays_and_shapes_that_disagree():
    with pytest.raises(TypeError, match="list of batches: for one array of samples pass "
                                        "np.array"):
        Normalization().adapt([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="empty iterable"):
        Normalization().adapt([])
    layer = Normalization()
    with pytest.raises(ValueError, match="incompatible shape, data.shape=\\(2, 5\\)"):
        layer.adapt([data(4, 3), data(2, 5)])
    layer = Normalization()
    layer.build((None, 5))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(data(10, 3))


def test_given_mean_and_variance_broadcast_against_the_kept_axes_as_keras():
    layer = Normalization(axis=2, mean=np.arange(1, 6.0), variance=np.ones(5))
    layer.build((2, 4, 5, 3))
    assert layer.mean.shape == (1, 1, 5, 1)
    np.testing.assert_array_equal(layer.mean.data[0, 0, :, 0], np.arange(1, 6.0))
    scalar = Normalization(mean=3.0, variance=4.0)
    np.testing.assert_allclose(scalar(np.array([[1.0, 3.0, 5.0]])).data, [[-1.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="rank of `mean` must be less than or equal"):
        Normalization(axis=-1, mean=np.zeros((1, 3)), variance=np.ones((1, 3)))


# ---- batch renormalization (Keras 3's renorm=True) --------------------------------------------

def test_batch_renormalization_corrects_towards_the_renorm_statistics_and_moves_them():
    x = data(16, 3)
    layer = BatchNormalization(renorm=True, renorm_momentum=0.9, momentum=0.8,
                               renorm_clipping={"rmin": 0.5, "rmax": 2.0, "dmax": 0.25})
    layer.build((None, 3))
    assert [w.name.split("/")[1] for w in layer.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean",
        "renorm_stddev"]
    renorm_mean, renorm_stddev = np.array([1.0, 2.0, 3.0]), np.array([0.5, 3.0, 10.0])
    layer.renorm_mean.data[...] = renorm_mean
    layer.renorm_stddev.data[...] = renorm_stddev
    layer.gamma.data[...] = [1.5, -1.0, 2.0]
    layer.beta.data[...] = [0.1, 0.2, 0.3]
    xt = Tensor(x.astype(np.float64), requires_grad=True)
    out = layer(xt, training=True)

    mean, var = x.mean(axis=0), x.var(axis=0)
    std = np.sqrt(var + layer.epsilon)
    r = np.clip(std / renorm_stddev, 0.5, 2.0)
    d = np.clip((mean - renorm_mean) / renorm_stddev, -0.25, 0.25)
    x_hat = (x - mean) / std
    np.testing.assert_allclose(out.data, (x_hat * r + d) * layer.gamma.data + layer.beta.data,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.renorm_mean.data, 0.9 * renorm_mean + 0.1 * mean,
                               rtol=1e-5)
    np.testing.assert_allclose(layer.renorm_stddev.data, 0.9 * renorm_stddev + 0.1 * std,
                               rtol=1e-5)
    moving_std = 0.8 * 1.0 + 0.2 * std                  # moving_stddev starts at sqrt(1)
    np.testing.assert_allclose(layer.moving_stddev.data, moving_std, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.data,
                               np.maximum(moving_std ** 2 - layer.epsilon, 0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.data, 0.2 * mean, rtol=1e-5, atol=1e-6)

    # r and d are constants for the gradient: it is batch normalization's, scaled by r.
    seed = np.random.default_rng(1).normal(size=x.shape)
    (out * seed).sum().backward()
    plain = BatchNormalization(momentum=0.8)
    plain.build((None, 3))
    plain.gamma.data[...] = layer.gamma.data * r
    xp = Tensor(x.astype(np.float64), requires_grad=True)
    (plain(xp, training=True) * seed).sum().backward()
    np.testing.assert_allclose(xt.grad, xp.grad, rtol=1e-4, atol=1e-6)


def test_batch_renormalization_checks_its_clipping_and_is_saved_in_the_config():
    with pytest.raises(ValueError, match="invalid keys for `renorm_clipping`"):
        BatchNormalization(renorm=True, renorm_clipping={"rmaxx": 3})
    with pytest.raises(ValueError, match="rmax should be greater than rmin"):
        BatchNormalization(renorm=True, renorm_clipping={"rmax": 1, "rmin": 2})
    with pytest.raises(ValueError, match="dmax should be non-negative"):
        BatchNormalization(renorm=True, renorm_clipping={"dmax": -1})
    layer = BatchNormalization(renorm=True, renorm_clipping={"dmax": 1.0}, renorm_momentum=0.5)
    config = layer.get_config()
    assert (config["renorm"], config["renorm_clipping"], config["renorm_momentum"]) == (
        True, {"dmax": 1.0}, 0.5)
    again = BatchNormalization.from_config(config)
    assert again.renorm_clipping == {"dmax": 1.0}
    with pytest.raises(ValueError, match="synchronized=True is only supported"):
        BatchNormalization(synchronized=True)
