"""Layers made of layers (Keras 3's subclassing guide): tracking at any depth, call
arguments as written, add_loss, Variables, freezing, summary, drawings and threads."""
import threading

import numpy as np
import pytest

import microdense as keras
from microdense import layers, ops


class Block(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(4, activation="relu")
        self.deep = [(layers.Dense(3),), {"inner": [layers.Dense(2)]}]
        self.later = []                           # filled after the assignment

    def call(self, x):
        for layer in [self.first, self.deep[0][0], self.deep[1]["inner"][0]] + self.later:
            x = layer(x)
        return x


def test_layers_in_attributes_lists_tuples_and_dicts_are_tracked_in_order():
    block = Block()
    block.later.append(layers.Dense(1))
    out = block(np.ones((2, 5), np.float32))
    assert out.shape == (2, 1)
    names = [w.name for w in block.weights]
    assert names == [f"{layer.name}/{part}" for layer in block._sublayers()
                     for part in ("kernel", "bias")]
    assert [type(layer).__name__ for layer in block._sublayers()] == ["Dense"] * 4
    assert block.count_params() == (5 * 4 + 4) + (4 * 3 + 3) + (3 * 2 + 2) + (2 + 1)
    assert block.trainable_weights == block.weights and block.non_trainable_weights == []
    assert block.variables == block.weights


def test_freezing_a_block_freezes_every_layer_inside_and_unfreezing_restores():
    block = Block()
    block(np.ones((2, 5), np.float32))
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 6
    assert not block.first.trainable and not block.deep[0][0].trainable
    block.trainable = True
    assert len(block.trainable_weights) == 6


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.block(x))


def test_a_model_of_blocks_trains_every_weight_and_summarizes_them():
    net = Net()
    x = np.random.default_rng(0).normal(size=(16, 5)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    net.compile(optimizer="sgd", loss="mse")
    net.fit(x, y, epochs=1, verbose=0)
    before = net.get_weights()
    assert len(before) == 8 and net.layers == [net.block, net.head]
    net.fit(x, y, epochs=1, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, net.get_weights()))
    lines = []
    net.summary(print_fn=lines.append)
    assert f"{net.block.name} (Block)" in lines[0]
    assert f"Trainable params: {net.count_params()} " in lines[0]


def test_saving_and_loading_weights_of_a_model_of_blocks(tmp_path):
    net = Net()
    x = np.ones((2, 5), np.float32)
    net(x)
    net.save_weights(tmp_path / "w.npz")
    again = Net()
    again(x)
    again.load_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(again(x).data, net(x).data)


def test_drawings_show_the_nested_layers_as_nested_clusters():
    net = Net()
    out = net(np.ones((2, 5), np.float32))
    source = keras.draw_graph(out.sum()).source
    assert "cluster" in source and net.block.first.name in source


# ---- call arguments ---------------------------------------------------------------------

class TwoInputs(layers.Layer):
    def build(self, a_shape, b_shape):
        self.built_with = (a_shape, b_shape)
        self.w = self.add_weight(shape=(a_shape[-1], b_shape[-1]), initializer="ones")

    def call(self, a, b, scale=1.0):
        return ops.matmul(a, self.w) * scale + b


def test_positional_and_keyword_tensors_reach_call_as_written():
    layer = TwoInputs()
    a, b = np.ones((2, 3), np.float32), np.full((2, 4), 2.0, np.float32)
    out = layer(a, b, scale=10.0)
    assert layer.built_with == ((None, 3), (None, 4))
    np.testing.assert_allclose(out.data, 32.0)
    np.testing.assert_allclose(layer(a, b=b).data, 5.0)
    np.testing.assert_allclose(layer(a=a, b=b).data, 5.0)


class Flags(layers.Layer):
    def call(self, x, training=None, mask=None):
        self.seen = (training, mask)
        return x


class NoFlags(layers.Layer):
    def call(self, x):
        return x


def test_training_and_mask_are_passed_only_where_call_declares_them():
    x = np.ones((1, 2), np.float32)
    flags = Flags()
    flags(x, training=True, mask="m")
    assert flags.seen == (True, "m")
    flags(x)
    assert flags.seen == (None, None)             # call()'s own defaults, as Keras
    NoFlags()(x, training=True)                   # no TypeError: not passed


class Outer(layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = Flags()

    def call(self, x):                            # no `training` of its own
        return self.inner(x)


def test_an_inner_layer_sees_the_training_of_the_call_it_is_in():
    outer = Outer()
    x = np.ones((1, 2), np.float32)
    outer(x, training=True)
    assert outer.inner.seen[0] is True
    outer(x, training=False)
    assert outer.inner.seen[0] is False
    outer(x)
    assert outer.inner.seen[0] is None            # nobody set it: call()'s default


# ---- add_loss ---------------------------------------------------------------------------

class Penalized(layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.dense = layers.Dense(2, kernel_initializer="ones")

    def call(self, x):
        h = self.dense(x)
        self.add_loss(self.rate * ops.sum(h * h))
        return h


def test_add_loss_is_listed_cleared_each_forward_and_summed_into_training():
    layer = Penalized(0.5)
    x = np.ones((1, 3), np.float32)
    layer(x)
    assert len(layer.losses) == 1 and float(layer.losses[0].data) == pytest.approx(9.0)
    layer(x)
    assert len(layer.losses) == 1                 # cleared at each forward, not piled up
    model = keras.Sequential([keras.Input(shape=(3,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    loss = model.evaluate(x, np.zeros((1, 2), np.float32), verbose=0)
    assert loss == pytest.approx(9.0 + 9.0)       # mse 9 + the added 0.5 * 18


class SelfPenalizing(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1, kernel_initializer="ones", use_bias=False)

    def call(self, x):
        out = self.dense(x)
        self.add_loss(ops.mean(out) * 0.0 + 1.0)
        return out


class NoTrainingArgument(keras.Model):
    def __init__(self):
        super().__init__()
        self.flags = Flags()

    def call(self, x):
        return self.flags(x)


def test_fit_passes_training_only_to_a_model_whose_call_declares_it():
    """As Keras's trainers: `self(x, training=True)` only if call() takes `training`."""
    model = NoTrainingArgument()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32), verbose=0)
    assert model.flags.seen[0] is None


def test_a_model_may_add_losses_from_its_own_call():
    model = SelfPenalizing()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = np.zeros((4, 2), np.float32)
    assert model.evaluate(x, np.zeros((4, 1), np.float32), verbose=0) == pytest.approx(1.0)
    assert len(model.losses) == 1


def test_losses_are_kept_per_thread():
    layer = Penalized(1.0)
    results, barrier = {}, threading.Barrier(2)

    def run(value):
        layer(np.full((1, 3), value, np.float32))
        barrier.wait()                           # both forwards done before either reads
        results[value] = float(layer.losses[0].data)

    threads = [threading.Thread(target=run, args=(v,)) for v in (1.0, 2.0)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {1.0: pytest.approx(18.0), 2.0: pytest.approx(72.0)}


def test_add_loss_refuses_what_is_not_a_number():
    with pytest.raises(ValueError, match="add_loss"):
        Penalized(1.0).add_loss("big")


# ---- Variables --------------------------------------------------------------------------

def test_add_weight_returns_a_variable_that_gets_the_gradient_the_optimizer_uses():
    layer = layers.Layer(name="own")
    v = layer.add_weight(shape=(3,), initializer="ones", name="v")
    assert isinstance(v, keras.Variable) and v.path == "own/v" and v.trainable
    x = keras.Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    loss = ops.sum(ops.multiply(x, v)) + ops.sum(x * v) + ops.sum(v * x)
    loss.backward()
    np.testing.assert_allclose(v.grad, 3 * x.data)
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.apply_gradients([(v.grad, v)])
    np.testing.assert_allclose(v.numpy(), 1.0 - 0.3 * x.data, rtol=1e-6)


def test_variable_assign_and_attributes_as_keras():
    v = keras.Variable(initializer=np.array([1.0, 2.0]), name="v")
    assert v.shape == (2,) and v.dtype == np.float32 and v.name == "v"
    held = v.data
    v.assign([3.0, 4.0])
    v.assign_add(1.0)
    v.assign_sub(np.array([0.5, 0.5]))
    np.testing.assert_array_equal(held, [3.5, 4.5])        # in place
    np.testing.assert_array_equal(np.asarray(v), [3.5, 4.5])
    snapshot = v.numpy()
    v.assign([0.0, 0.0])
    np.testing.assert_array_equal(snapshot, [3.5, 4.5])
    with pytest.raises(ValueError, match="shape"):
        v.assign([1.0, 2.0, 3.0])
    w = keras.Variable("zeros", shape=(2, 3), trainable=False)
    assert w.shape == (2, 3) and not w.trainable
    with pytest.raises(ValueError, match="needs a `shape`"):
        keras.Variable("zeros")


class HoldsVariables(layers.Layer):
    def __init__(self):
        super().__init__()
        self.scale = keras.Variable(np.ones(2, np.float32), name="scale")
        self.frozen = [keras.Variable(np.zeros(2, np.float32), trainable=False)]

    def call(self, x):
        return x * self.scale + self.frozen[0]


def test_variables_set_as_attributes_are_weights():
    layer = HoldsVariables()
    assert layer.weights == [layer.scale, layer.frozen[0]]
    assert layer.trainable_weights == [layer.scale]
    layer.trainable = False
    assert layer.trainable_weights == []
    layer.trainable = True
    assert layer.trainable_weights == [layer.scale] and not layer.frozen[0].trainable
