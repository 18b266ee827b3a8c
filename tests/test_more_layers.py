"""The layers added for Keras's surface (issue 24): per-sample normalizations, noise layers,
reshaping, Identity. Their formulas against numpy, their gradients (float64 central
differences), and a compiled step that replays them. Keras's own tests of them run in
tests/keras_suite."""
import copy

import numpy as np
import pytest

import microdense as md
from microdense import layers


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.fixture(autouse=True)
def fresh():
    layers.reset_name_counters()
    md.utils.set_random_seed(0)


def test_layer_normalization_normalizes_each_sample_and_is_differentiable():
    x = data(4, 3, 5)
    layer = layers.LayerNormalization(axis=(1, 2), epsilon=1e-3, dtype="float64")
    layer.build(x.shape)
    layer.gamma.data[...] = data(3, 5, seed=1)
    layer.beta.data[...] = data(3, 5, seed=2)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-3) * layer.gamma.data + layer.beta.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-10)
    assert md.gradcheck(lambda t: layer(t) * np.arange(60.0).reshape(4, 3, 5),
                        md.Tensor(x, requires_grad=True))


def test_rms_and_unit_normalization_formulas_and_gradients():
    x = data(3, 4)
    rms = layers.RMSNormalization(epsilon=1e-6, dtype="float64")
    rms.build(x.shape)
    rms.scale.data[...] = [1.0, 2.0, 0.5, -1.0]
    expected = x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-6) * rms.scale.data
    np.testing.assert_allclose(rms(x).data, expected, rtol=1e-10)
    unit = layers.UnitNormalization(dtype="float64")
    np.testing.assert_allclose(np.linalg.norm(unit(x).data, axis=-1), 1.0, rtol=1e-10)
    for layer in (rms, unit):
        assert md.gradcheck(lambda t: layer(t) * np.arange(12.0).reshape(3, 4),
                            md.Tensor(x, requires_grad=True))


def test_noise_layers_act_only_in_training_with_the_stated_statistics():
    x = np.ones((200, 50), np.float32)
    for layer in (layers.GaussianNoise(0.5, seed=1), layers.GaussianDropout(0.2, seed=1),
                  layers.AlphaDropout(0.2, seed=1)):
        np.testing.assert_array_equal(layer(x).data, x)            # inference: identity
        assert layer.built and layer._seed_generators == [layer.seed_generator]
    noisy = layers.GaussianNoise(0.5, seed=1)(x, training=True).data
    assert abs(noisy.std() - 0.5) < 0.02 and abs(noisy.mean() - 1.0) < 0.02
    scaled = layers.GaussianDropout(0.2, seed=1)(x, training=True).data
    assert abs(scaled.std() - np.sqrt(0.2 / 0.8)) < 0.02
    # AlphaDropout keeps a standardized input standardized.
    z = np.random.default_rng(0).normal(size=(400, 50)).astype(np.float32)
    alpha = layers.AlphaDropout(0.2, seed=1)(z, training=True).data
    assert abs(alpha.mean()) < 0.03 and abs(alpha.std() - 1.0) < 0.03
    with pytest.raises(ValueError, match="Expected a float value between 0 and 1"):
        layers.GaussianNoise(1.5)


def test_activity_regularization_adds_its_penalty_per_sample():
    x = data(4, 3).astype(np.float32)
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    out = layer(x)
    np.testing.assert_array_equal(out.data, x)
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 4
    np.testing.assert_allclose(float(layer.losses[0].data), expected, rtol=1e-5)
    assert "activity_regularizer" not in layer.get_config()


def test_reshaping_layers_and_their_gradients():
    x = data(2, 3, 4).astype(np.float32)
    np.testing.assert_array_equal(layers.Reshape((-1, 2))(x).data, x.reshape(2, 6, 2))
    np.testing.assert_array_equal(layers.Permute((2, 1))(x).data, x.transpose(0, 2, 1))
    v = data(2, 3).astype(np.float32)
    np.testing.assert_array_equal(layers.RepeatVector(4)(v).data,
                                  np.repeat(v[:, None, :], 4, axis=1))
    np.testing.assert_array_equal(layers.Identity()(x).data, x)
    for layer, value in ((layers.Reshape((12,), dtype="float64"), data(2, 3, 4)),
                         (layers.Permute((2, 1), dtype="float64"), data(2, 3, 4)),
                         (layers.RepeatVector(2, dtype="float64"), data(2, 3))):
        assert md.gradcheck(lambda t: layer(t) * 1.5, md.Tensor(value, requires_grad=True))
    with pytest.raises(ValueError, match="total size of the tensor must be unchanged"):
        layers.Reshape((5,))(x)
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        layers.Permute((0, 1))


def test_a_model_with_the_new_layers_trains_the_same_compiled_as_eager():
    def build():
        return md.models.Sequential([
            layers.Input((6,)), layers.Dense(8), layers.LayerNormalization(),
            layers.GaussianNoise(0.1), layers.AlphaDropout(0.1), layers.RepeatVector(2),
            layers.Permute((2, 1)), layers.Reshape((-1,)), layers.RMSNormalization(),
            layers.Dense(1)])

    x = data(32, 6).astype(np.float32)
    y = x[:, :1] * 2
    results = []
    for jit_compile in (False, True):
        md.utils.set_random_seed(3)
        model = build()
        model.compile(optimizer="adam", loss="mse", jit_compile=jit_compile)
        history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
        results.append((model, copy.deepcopy(history.history)))
    (eager, eager_history), (compiled, compiled_history) = results
    np.testing.assert_allclose(compiled_history["loss"], eager_history["loss"], rtol=1e-5)
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7)
    step = compiled._compiled_step
    assert step.refused is None and step.replayed_steps > 0


def test_group_normalization_normalizes_each_group_of_channels():
    x = data(2, 5, 6)                      # 6 channels in 3 groups of 2
    layer = layers.GroupNormalization(groups=3, epsilon=1e-3, dtype="float64")
    layer.build(x.shape)
    layer.gamma.data[...] = data(6, seed=1)
    layer.beta.data[...] = data(6, seed=2)
    grouped = x.reshape(2, 5, 3, 2)
    mean = grouped.mean(axis=(1, 3), keepdims=True)
    var = grouped.var(axis=(1, 3), keepdims=True)
    expected = ((grouped - mean) / np.sqrt(var + 1e-3)).reshape(2, 5, 6)
    expected = expected * layer.gamma.data + layer.beta.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-10)
    assert md.gradcheck(lambda t: layer(t) * np.arange(60.0).reshape(2, 5, 6),
                        md.Tensor(x, requires_grad=True))
    with pytest.raises(ValueError, match="must be a multiple"):
        layers.GroupNormalization(groups=4).build((None, 6))


def test_a_model_of_the_new_layers_is_saved_summarized_and_reloaded(tmp_path):
    model = md.models.Sequential([
        layers.Input((4,)), layers.Identity(), layers.Dense(6), layers.GroupNormalization(3),
        layers.UnitNormalization(), layers.GaussianDropout(0.1),
        layers.ActivityRegularization(l2=0.01), layers.RepeatVector(2),
        layers.Permute((2, 1)), layers.Reshape((12,)), layers.Dense(1)])
    x = data(5, 4).astype(np.float32)
    model.summary(print_fn=lambda *args, **kwargs: None)
    model.save(tmp_path / "new_layers.mdz")
    restored = md.models.load_model(tmp_path / "new_layers.mdz")
    assert [type(layer).__name__ for layer in restored.layers] == [
        type(layer).__name__ for layer in model.layers]
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
