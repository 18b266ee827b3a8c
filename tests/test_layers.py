"""Layers: shapes, parameter counts, weight names, formulas against numpy, gradients, configs."""
import numpy as np
import pytest

import microdense as md
from microdense import activations
from microdense.layers import (ELU, Activation, Dense, Dropout, Flatten, Input, InputLayer,
                               LeakyReLU, PReLU, ReLU, Softmax, reset_name_counters)
from microdense.tensor import Scope, Tensor


@pytest.fixture(autouse=True)
def fresh_names():
    reset_name_counters()
    md.utils.set_random_seed(0)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def graph_nodes(root):
    """Every recorded tensor of root's graph."""
    return md.engine.toposort(root)


# ---- Dense -------------------------------------------------------------------------------

def test_dense_shapes_params_and_names():
    layer = Dense(4, activation="relu")
    assert not layer.built and layer.weights == []
    out = layer(data(5, 3))
    assert out.shape == (5, 4) and out.dtype == np.float32
    assert [w.name for w in layer.weights] == ["dense/kernel", "dense/bias"]
    assert [w.shape for w in layer.weights] == [(3, 4), (4,)]
    assert all(w.dtype == np.float32 and w.requires_grad for w in layer.weights)
    assert layer.count_params() == 3 * 4 + 4
    assert np.all(layer.bias.data == 0)                                    # zeros
    limit = np.sqrt(6 / (3 + 4))                                           # glorot_uniform
    assert np.all(np.abs(layer.kernel.data) <= limit)
    assert Dense(2, use_bias=False, name="nobias")(data(1, 3)) is not None
    assert Dense(7).compute_output_shape((None, 5, 3)) == (None, 5, 7)


def test_auto_names_follow_keras():
    names = [Dense(1).name, Dense(1).name, LeakyReLU().name, PReLU().name, ReLU().name,
             ELU().name, Softmax().name, Dropout(0.1).name, Flatten().name]
    assert names == ["dense", "dense_1", "leaky_re_lu", "p_re_lu", "re_lu", "elu", "softmax",
                     "dropout", "flatten"]
    assert Dense(1, name="mine").name == "mine"


def test_dense_formula_matches_numpy():
    layer = Dense(4, activation="tanh")
    x = data(6, 3)
    out = layer(x)
    expected = np.tanh(x @ layer.kernel.data + layer.bias.data)
    np.testing.assert_allclose(out.data, expected, rtol=1e-6)


def test_dense_on_3d_input_applies_to_last_axis():
    layer = Dense(2)
    out = layer(data(4, 5, 3))
    assert out.shape == (4, 5, 2)
    np.testing.assert_allclose(out.data, data(4, 5, 3) @ layer.kernel.data, rtol=1e-6)


def test_inputs_are_cast_to_float32_and_data_needs_no_grad():
    layer = Dense(2)
    out = layer(np.arange(6, dtype=np.float64).reshape(2, 3))
    assert out.dtype == np.float32
    layer(np.arange(6).reshape(2, 3))                      # integers are fine too
    x = Tensor(data(2, 3).astype(np.float64), requires_grad=True)
    out = layer(x)                                         # a float64 tensor keeps its graph
    out.sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float64
    assert layer.kernel.grad.dtype == np.float32


def test_dense_gradients_match_numpy():
    layer = Dense(3, activation="relu")
    x = data(5, 2)
    upstream = data(5, 3, seed=1)
    (layer(x) * upstream).sum().backward()
    pre = x @ layer.kernel.data + layer.bias.data
    g = upstream * (pre > 0)
    np.testing.assert_allclose(layer.kernel.grad, x.T @ g, rtol=1e-5)
    np.testing.assert_allclose(layer.bias.grad, g.sum(0), rtol=1e-5)


def test_input_width_error_names_layer_expected_and_received():
    Dense(1)                                               # takes the name "dense"
    layer = Dense(2)
    layer(data(5, 3))
    with pytest.raises(ValueError) as error:
        layer(data(5, 4))
    assert str(error.value) == (
        'Input 0 of layer "dense_1" is incompatible with the layer: expected axis -1 of input '
        'shape to have value 3, but received input with shape (5, 4)')
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        Dense(2)(np.ones(3))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="expected a positive integer. Received: units=0"):
        Dense(0)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        Dense(3, activaton="relu")
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        Dense(3, activation="rleu")


def test_scope_tags_every_op_of_the_layer():
    def custom_activation(x):
        return x * md.backend.sigmoid(x)

    out = Dense(4, activation="relu")(data(2, 3))
    assert out.scope == Scope("dense", "Dense(4, activation=relu)")
    assert all(node.scope == out.scope for node in graph_nodes(out) if node.parents)
    out = Dense(4, activation=custom_activation)(data(2, 3))   # a user's activation: a box
    assert out.scope.layer.description == "Dense(4, activation=custom_activation)"
    assert (out.scope.name, out.scope.kind) == ("custom_activation", "function")
    assert Dense(4, activation=lambda x: x * 2.0)(data(2, 3)).scope.name == "activation"
    assert Dense(10).describe() == "Dense(10)"
    assert Dropout(0.2).describe() == "Dropout(0.2)"


def test_regularizers_and_activity_regularizer_losses():
    layer = Dense(3, kernel_regularizer="l2", bias_regularizer=md.regularizers.L1(0.5),
                  activity_regularizer=md.regularizers.L2(0.1))
    assert layer.losses == []
    out = layer(data(4, 2))
    layer.bias.data[:] = [1.0, -2.0, 0.0]
    activity, kernel_penalty, bias_penalty = [float(p.data) for p in layer.losses]
    np.testing.assert_allclose(activity, 0.1 * np.sum(out.data ** 2) / 4, rtol=1e-5)  # / batch
    np.testing.assert_allclose(kernel_penalty, 0.01 * np.sum(layer.kernel.data ** 2), rtol=1e-5)
    np.testing.assert_allclose(bias_penalty, 0.5 * 3.0, rtol=1e-6)


def test_trainable_false_freezes_weights():
    layer = Dense(2)
    layer(data(1, 3))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not any(w.requires_grad for w in layer.weights)
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_get_and_set_weights():
    layer = Dense(2)
    layer(data(1, 3))
    new = [np.ones((3, 2)), np.arange(2.0)]
    kernel_array = layer.kernel.data
    layer.set_weights(new)
    assert layer.kernel.data is kernel_array               # assigned in place
    np.testing.assert_array_equal(layer.get_weights()[1], [0, 1])
    assert layer.get_weights()[0].dtype == np.float32
    with pytest.raises(ValueError, match=r"weight shape \(3, 2\) is not compatible"):
        layer.set_weights([np.ones((2, 2)), np.ones(2)])
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.ones((3, 2))])


def test_count_params_of_unbuilt_layer_is_an_error():
    with pytest.raises(ValueError, match="isn't built"):
        Dense(3).count_params()


# ---- Dropout, Flatten, Activation, Input --------------------------------------------------

def test_dropout_only_in_training_with_inverted_scaling():
    layer = Dropout(0.25)
    x = np.ones((200, 50), np.float32)
    assert np.array_equal(layer(x).data, x)                # inference: identity
    out = layer(x, training=True).data
    kept = out != 0
    assert np.allclose(out[kept], 1 / (1 - 0.25))          # survivors scaled by 1/(1-rate)
    assert abs(1 - kept.mean() - 0.25) < 0.02              # about `rate` dropped
    xt = Tensor(x, requires_grad=True)
    out = layer(xt, training=True)
    out.sum().backward()
    np.testing.assert_array_equal(xt.grad, out.data)       # d(x*m)/dx = m, and x = 1
    assert np.array_equal(Dropout(0.0)(x, training=True).data, x)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Dropout(1.5)


def test_dropout_seed_and_global_seed_reproduce_masks():
    x = np.ones((4, 8), np.float32)
    a = Dropout(0.5, seed=3)(x, training=True).data
    b = Dropout(0.5, seed=3)(x, training=True).data
    assert np.array_equal(a, b)
    md.utils.set_random_seed(7)
    c = Dropout(0.5)(x, training=True).data
    md.utils.set_random_seed(7)
    assert np.array_equal(c, Dropout(0.5)(x, training=True).data)


def test_flatten():
    x = data(2, 3, 4)
    assert Flatten()(x).shape == (2, 12)
    assert Flatten().compute_output_shape((None, 3, 4)) == (None, 12)
    np.testing.assert_array_equal(Flatten()(x).data, x.reshape(2, 12))
    first = Flatten(data_format="channels_first")(x).data
    np.testing.assert_array_equal(first, x.transpose(0, 2, 1).reshape(2, 12))


def test_activation_layer_and_input_layer():
    x = data(3, 4)
    np.testing.assert_allclose(Activation("tanh")(x).data, np.tanh(x), rtol=1e-6)
    tensor = Input(shape=(4,))                      # symbolic, as keras.Input
    layer = tensor.node.layer
    assert tensor.shape == (None, 4) and layer.output is tensor
    assert isinstance(layer, InputLayer) and layer.batch_shape == (None, 4)
    assert layer(x).shape == (3, 4)


# ---- activation layers --------------------------------------------------------------------

def test_relu_layer_options():
    x = np.array([[-3.0, -1.0, 0.5, 2.0, 8.0]], np.float32)
    np.testing.assert_allclose(ReLU()(x).data, np.maximum(x, 0))
    np.testing.assert_allclose(ReLU(max_value=6.0)(x).data, np.clip(x, 0, 6))
    np.testing.assert_allclose(ReLU(negative_slope=0.1)(x).data, np.where(x > 0, x, 0.1 * x),
                               rtol=1e-6)
    np.testing.assert_allclose(ReLU(threshold=1.0)(x).data, np.where(x > 1, x, 0))
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer"):
        ReLU(negative_slope=-1)


def test_leaky_relu_default_slope_is_keras3s():
    x = np.array([[-10.0, -5.0, 0.0, 5.0, 10.0]], np.float32)
    layer = LeakyReLU()
    assert layer.negative_slope == 0.3
    np.testing.assert_allclose(layer(x).data, [[-3.0, -1.5, 0.0, 5.0, 10.0]], rtol=1e-6)
    np.testing.assert_allclose(LeakyReLU(negative_slope=0.5)(x).data,
                               [[-5.0, -2.5, 0.0, 5.0, 10.0]], rtol=1e-6)
    assert LeakyReLU(alpha=0.1).negative_slope == 0.1          # the Keras 2 spelling


def test_prelu_alpha_is_learned_with_a_gradient():
    layer = PReLU()
    x = data(4, 3)
    out = layer(x)
    assert [w.name for w in layer.weights] == ["p_re_lu/alpha"]
    assert layer.alpha.shape == (3,) and np.all(layer.alpha.data == 0)
    np.testing.assert_allclose(out.data, np.maximum(x, 0))      # alpha starts at 0: relu
    layer.alpha.data[:] = [0.1, 0.2, 0.3]
    upstream = data(4, 3, seed=1)
    out = layer(x)
    np.testing.assert_allclose(out.data, np.where(x > 0, x, layer.alpha.data * x), rtol=1e-6)
    (out * upstream).sum().backward()
    # d out / d alpha = -relu(-x) = min(x, 0), summed over the batch.
    np.testing.assert_allclose(layer.alpha.grad, (upstream * np.minimum(x, 0)).sum(0),
                               rtol=1e-5)
    shared = PReLU(shared_axes=[1])
    shared(data(2, 5, 3))
    assert shared.alpha.shape == (1, 3)


def test_elu_and_softmax_layers():
    x = data(3, 4)
    np.testing.assert_allclose(ELU()(x).data, np.where(x > 0, x, np.exp(x) - 1), rtol=1e-6)
    np.testing.assert_allclose(ELU(alpha=0.5)(x).data, np.where(x > 0, x, 0.5 * np.expm1(x)),
                               rtol=1e-5, atol=1e-7)
    s = Softmax()(x).data
    np.testing.assert_allclose(s, np.exp(x) / np.exp(x).sum(-1, keepdims=True), rtol=1e-6)
    s0 = Softmax(axis=0)(x).data
    np.testing.assert_allclose(s0.sum(0), np.ones(4), rtol=1e-6)


# ---- configs -------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: Dense(3, activation="relu", kernel_regularizer="l2", use_bias=False),
    lambda: Dense(2, kernel_initializer="he_normal", activity_regularizer="l1"),
    lambda: Activation("sigmoid"), lambda: Dropout(0.3, seed=1), lambda: Flatten(),
    lambda: ReLU(max_value=6.0), lambda: LeakyReLU(0.2), lambda: PReLU(shared_axes=[1]),
    lambda: ELU(0.7), lambda: Softmax(axis=-1)])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    x = data(2, 3)
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).data, layer(x).data)


def test_custom_activation_config_needs_the_function():
    def swishy(x):
        return x * md.sigmoid(x)

    config = Dense(2, activation=swishy).get_config()
    assert config["activation"] == "swishy"
    with pytest.raises(ValueError, match="custom_objects"):
        Dense.from_config(config)
    assert Dense.from_config(config, custom_objects={"swishy": swishy}).activation is swishy


# ---- a user's own layer, written as in Keras ------------------------------------------------

class Scale(md.layers.Layer):
    """out = x * w * factor, with one learned w per input column."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):                       # no `training` argument, as many Keras layers
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_a_users_layer_builds_trains_and_rebuilds():
    layer = Scale(3.0)
    x = data(4, 2)
    out = layer(x, training=True)
    assert layer.name == "scale" and [w.name for w in layer.weights] == ["scale/w"]
    np.testing.assert_allclose(out.data, x * 3.0)
    out.sum().backward()
    np.testing.assert_allclose(layer.w.grad, 3.0 * x.sum(0), rtol=1e-6)
    clone = Scale.from_config(layer.get_config())
    assert clone.factor == 3.0
    model = md.models.Sequential([Dense(2, input_shape=(3,)), Scale()])
    assert model.output_shape == (None, 2) and model.count_params() == 3 * 2 + 2 + 2


# ---- Keras's object model (issue 24) ------------------------------------------------------

def test_merge_layers_build_from_a_tuple_of_shapes_as_from_a_list():
    for layer in (md.layers.Add(), md.layers.Subtract(), md.layers.Multiply(),
                  md.layers.Average(), md.layers.Maximum(), md.layers.Minimum(),
                  md.layers.Concatenate(), md.layers.Dot(axes=-1)):
        layer.build(((None, 3), (None, 3)))
        assert layer.built, type(layer).__name__
    with pytest.raises(ValueError, match="list of at least 2 inputs"):
        md.layers.Add().build((None, 3))              # one shape, not a tuple of them


def test_dense_activation_set_to_none_after_construction_is_linear():
    layer = Dense(3, activation="relu")
    x = data(4, 2)
    layer(x)
    layer.activation = None
    out = layer(x).data
    np.testing.assert_allclose(out, x @ layer.kernel.data + layer.bias.data, rtol=1e-6)
    assert (out < 0).any()                            # no relu left
    assert layer.get_config()["activation"] == "linear"
    assert layer.describe() == "Dense(3)"


def test_softmax_over_several_axes_sums_to_one_over_them_and_is_differentiable():
    x = data(2, 3, 4)
    expected = np.exp(x) / np.exp(x).sum(axis=(1, 2), keepdims=True)
    for out in (activations.softmax(Tensor(x), axis=(-2, -1)),
                Softmax(axis=(1, 2))(x), Softmax(axis=[-1, -2])(x)):
        np.testing.assert_allclose(out.data, expected, rtol=1e-5)
    md.gradcheck(lambda t: activations.softmax(t, axis=(-2, -1)) * np.arange(24.0).reshape(
        2, 3, 4), x.astype(np.float64))
    with pytest.raises(ValueError, match="names the same axis twice"):
        activations.softmax(Tensor(x), axis=(2, -1))


def test_layers_without_weights_are_built_on_construction_as_keras():
    for layer in (ReLU(), LeakyReLU(), ELU(), Softmax(), Activation("tanh"), Dropout(0.5)):
        assert layer.built, type(layer).__name__
    assert not PReLU().built and not Dense(2).built   # they have weights to make

    class OwnBuild(ReLU):                             # a build() of its own still runs
        def build(self, input_shape):
            self.width = input_shape[-1]
            super().build(input_shape)

    layer = OwnBuild()
    assert not layer.built
    layer(data(2, 5))
    assert layer.width == 5


def test_input_batch_shape_keeps_its_batch_size():
    x = Input(batch_shape=(2, 3))
    model = md.models.Model(x, Dense(4)(x))
    assert model.inputs[0].shape == (2, 3)
    assert model.layers[0].get_config()["batch_shape"] == [2, 3]
    sequential = md.models.Sequential([InputLayer(batch_input_shape=(2, 3)), Dense(4)])
    assert sequential.inputs[0].shape == (2, 3)


def test_prelu_alpha_constraint_holds_after_each_update_and_is_in_the_config():
    layer = PReLU(alpha_initializer="ones", alpha_constraint=md.constraints.NonNeg())
    model = md.models.Sequential([Input(shape=(3,)), layer])
    model.compile(optimizer=md.optimizers.SGD(1.0), loss="mse")
    x = -np.ones((8, 3), np.float32)
    model.fit(x, np.full((8, 3), 5.0, np.float32), epochs=2, verbose=0)   # pushes alpha < 0
    assert (layer.alpha.data >= 0).all() and (layer.alpha.data == 0).any()
    assert layer.get_config()["alpha_constraint"]["class_name"] == "NonNeg"


def test_softmax_layer_mask_zeroes_masked_entries_and_renormalizes_the_rest():
    x = data(2, 4)
    mask = np.array([[True, True, False, True], [False, False, False, False]])
    out = Softmax()(x, mask=mask).data
    kept = np.where(mask[0], np.exp(x[0]), 0.0)
    np.testing.assert_allclose(out[0], kept / kept.sum(), rtol=1e-5)
    np.testing.assert_array_equal(out[1], 0.0)           # all masked: 0, not uniform
    with pytest.raises(ValueError, match="must be broadcastable to `inputs`"):
        Softmax()(x, mask=np.ones((2, 3)))


def test_merge_compute_mask_combines_masks_as_keras():
    a, b = np.array([[True, False]]), np.array([[False, False]])
    np.testing.assert_array_equal(md.layers.Add().compute_mask([a, b], [a, b]), [[True, False]])
    assert md.layers.Add().compute_mask([a, b], [a, None]) is None
    assert md.layers.Dot(axes=-1).compute_mask([a, b], [a, b]) is None
    x = np.zeros((1, 2, 3))
    joined = md.layers.Concatenate().compute_mask([x, x], [None, np.array([[False, False]])])
    np.testing.assert_array_equal(joined, [[True, True]])      # the unmasked input counts
    with pytest.raises(ValueError, match="`mask` should be a list"):
        md.layers.Add().compute_mask([a, b], a)


def test_dropout_checks_noise_shape_as_keras_and_owns_a_seed_generator():
    assert Dropout(0.5, noise_shape=[4, 1]).noise_shape == (4, 1)
    for bad, words in (("abc", "Expected a tuple or list of integers"),
                       ((2, 1.5), "Expected all elements to be integers or None"),
                       ((2, 0), "Expected all dimensions to be positive integers")):
        with pytest.raises(ValueError, match=words):
            Dropout(0.5, noise_shape=bad)
    seeded = Dropout(0.5, seed=3)
    again = Dropout(0.5, seed=3)
    x = np.ones((4, 6), np.float32)
    np.testing.assert_array_equal(seeded(x, training=True).data, again(x, training=True).data)
    assert seeded._seed_generators == [seeded.seed_generator]
    assert not hasattr(Dropout(0.0), "seed_generator")        # rate 0 draws nothing


def test_dense_lora_trains_only_the_low_rank_correction_and_survives_saving(tmp_path):
    layer = Dense(4)
    model = md.models.Sequential([Input(shape=(6,)), layer])
    frozen = layer._kernel.data.copy()
    layer.enable_lora(2, lora_alpha=3.0)
    assert [w.name for w in layer.trainable_weights] == [
        "dense/bias", "dense/lora_kernel_a", "dense/lora_kernel_b"]
    np.testing.assert_array_equal(layer.kernel.data, frozen)       # b starts at zero
    model.compile(optimizer="sgd", loss="mse")
    x, y = data(16, 6), data(16, 4, seed=1)
    model.fit(x, y, epochs=2, verbose=0)
    np.testing.assert_array_equal(layer._kernel.data, frozen)      # the weight itself: frozen
    correction = 1.5 * layer.lora_kernel_a.data @ layer.lora_kernel_b.data
    assert np.abs(correction).max() > 0
    np.testing.assert_allclose(layer.kernel.data, frozen + correction, rtol=1e-6)
    assert layer.get_config()["lora_rank"] == 2
    model.save(tmp_path / "lora.mdz")
    restored = md.models.load_model(tmp_path / "lora.mdz")
    assert restored.layers[0].lora_enabled
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="lora is already enabled"):
        layer.enable_lora(2)


def test_add_variable_state_counts_steps_and_building_leaves_it_untouched():
    class Counting(md.models.Model):
        def __init__(self):
            super().__init__()
            self.steps = self.add_variable(shape=(), initializer="zeros", trainable=False)
            self.dense = Dense(1)

        def call(self, inputs):
            self.steps.assign(self.steps + 1)
            return self.dense(inputs)

    x, y = data(8, 2), data(8, 1)
    for jit_compile in (False, True):
        model = Counting()
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
        model.fit(x, y, batch_size=2, epochs=1, verbose=0)
        # Four steps; building the model (a call on zeros to find the shapes) counted none,
        # and a compiled step repeats the write (Variable.assign of ops is recorded).
        assert float(model.steps.data) == 4.0, jit_compile
        assert model.steps in model.non_trainable_weights
    assert model._compiled_step.replayed_steps > 0 and model._compiled_step.refused is None
