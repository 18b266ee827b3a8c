"""Initializers: sample statistics against the Keras formulas, seeding, names and configs."""
import json
import math

import numpy as np
import pytest

import microdense as md
from microdense import initializers as I
from microdense.utils import set_random_seed

SHAPE = (400, 600)                  # fan_in 400, fan_out 600: 240,000 samples
FAN_IN, FAN_OUT = SHAPE
FAN_AVG = (FAN_IN + FAN_OUT) / 2
TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


def test_truncation_constant_is_the_truncated_std():
    # Var of N(0,1) on [-2, 2] = 1 - 2*2*phi(2) / (2*Phi(2) - 1)
    phi = math.exp(-2.0) / math.sqrt(2 * math.pi)
    mass = math.erf(2 / math.sqrt(2))
    assert math.sqrt(1 - 4 * phi / mass) == pytest.approx(TRUNCATED_STD, rel=1e-12)


def test_compute_fans_as_keras():
    assert I.compute_fans(()) == (1, 1)
    assert I.compute_fans((7,)) == (7, 7)
    assert I.compute_fans((3, 5)) == (3, 5)
    assert I.compute_fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)   # conv kernel


# (initializer, limit) for the uniform family: limit = sqrt(3 * scale / n)
UNIFORM = [
    (I.GlorotUniform, math.sqrt(6 / (FAN_IN + FAN_OUT))),
    (I.HeUniform, math.sqrt(6 / FAN_IN)),
    (I.LecunUniform, math.sqrt(3 / FAN_IN)),
]


@pytest.mark.parametrize("cls, limit", UNIFORM, ids=[u[0].__name__ for u in UNIFORM])
def test_uniform_limits_and_spread(cls, limit):
    values = cls(seed=1)(SHAPE)
    assert values.dtype == np.float32 and values.shape == SHAPE
    assert np.abs(values).max() <= limit
    assert np.abs(values).max() > 0.999 * limit                  # the whole range is used
    assert values.std() == pytest.approx(limit / math.sqrt(3), rel=0.01)
    assert abs(values.mean()) < 4 * values.std() / math.sqrt(values.size)


# (initializer, stddev) for the truncated-normal family: stddev = sqrt(scale / n)
NORMAL = [
    (I.GlorotNormal, math.sqrt(2 / (FAN_IN + FAN_OUT))),
    (I.HeNormal, math.sqrt(2 / FAN_IN)),
    (I.LecunNormal, math.sqrt(1 / FAN_IN)),
]


@pytest.mark.parametrize("cls, stddev", NORMAL, ids=[n[0].__name__ for n in NORMAL])
def test_truncated_normal_stddev_after_truncation(cls, stddev):
    values = cls(seed=2)(SHAPE)
    assert values.std() == pytest.approx(stddev, rel=0.01)
    # truncated at 2 standard deviations of the untruncated distribution
    assert np.abs(values).max() <= 2 * stddev / TRUNCATED_STD * (1 + 1e-6)
    assert np.abs(values).max() > 1.99 * stddev / TRUNCATED_STD
    assert abs(values.mean()) < 4 * values.std() / math.sqrt(values.size)


def test_variance_scaling_modes_and_distributions():
    shape = (3, 3, 40, 60)                          # fans 360 and 540
    fan_in, fan_out = 360, 540
    for mode, n in (("fan_in", fan_in), ("fan_out", fan_out), ("fan_avg", (fan_in + fan_out) / 2)):
        values = I.VarianceScaling(2.0, mode, "untruncated_normal", seed=3)(shape)
        assert values.std() == pytest.approx(math.sqrt(2.0 / n), rel=0.02), mode
        assert np.abs(values).max() > 3 * math.sqrt(2.0 / n)     # really untruncated
    uniform = I.VarianceScaling(0.5, "fan_out", "uniform", seed=3)(shape)
    assert np.abs(uniform).max() <= math.sqrt(3 * 0.5 / fan_out)
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


def test_random_normal_uniform_truncated_defaults():
    normal = I.RandomNormal(seed=4)(SHAPE)
    assert normal.std() == pytest.approx(0.05, rel=0.01)
    assert abs(normal.mean()) < 4 * 0.05 / math.sqrt(normal.size)
    uniform = I.RandomUniform(seed=4)(SHAPE)
    assert uniform.min() >= -0.05 and uniform.max() < 0.05
    assert uniform.std() == pytest.approx(0.1 / math.sqrt(12), rel=0.01)
    truncated = I.TruncatedNormal(mean=1.0, stddev=0.05, seed=4)(SHAPE)
    assert np.abs(truncated - 1.0).max() <= 0.1 + 1e-6
    assert truncated.std() == pytest.approx(0.05 * TRUNCATED_STD, rel=0.01)


def test_constants():
    assert (I.Zeros()((2, 3)) == 0).all()
    assert (I.Ones()(4) == 1).all()
    assert I.Ones()(4).shape == (4,)
    constant = I.Constant(3.5)((2, 2), dtype="float64")
    assert constant.dtype == np.float64 and (constant == 3.5).all()
    with pytest.raises(TypeError, match="a number or an array of numbers"):
        I.Constant("2")


def test_constant_of_an_array_broadcasts_and_round_trips_its_config():
    # issue 24: Keras's Constant takes an array (cast(value) * ones(shape)).
    value = np.arange(6.0).reshape(2, 3)
    init = I.Constant(value)
    np.testing.assert_array_equal(init((2, 3)), value)
    assert init((2, 3)).dtype == np.float32
    np.testing.assert_array_equal(I.Constant([1.0, 2.0, 3.0])((2, 3)), [[1, 2, 3], [1, 2, 3]])
    revived = I.Constant.from_config(init.get_config())
    np.testing.assert_array_equal(revived((2, 3), dtype="float64"), value)
    assert init.get_config()["value"]["class_name"] == "__numpy__"     # Keras's format
    with pytest.raises(ValueError, match=r"shape \(2, 3\) does not broadcast to the shape \(4,\)"):
        init((4,))


def test_get_of_an_array_returns_it_for_its_shape_only():
    values = np.random.default_rng(0).uniform(size=(3, 2))
    init = I.get(values)
    np.testing.assert_allclose(init((3, 2)), values.astype(np.float32))
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(3, 2\)"):
        init((2, 3))


def test_a_seed_generator_seed_gives_new_values_each_call_and_saves():
    init = I.RandomNormal(seed=md.random.SeedGenerator(7))
    first, second = init((4,)), init((4,))
    assert not np.allclose(first, second)
    again = I.RandomNormal(seed=md.random.SeedGenerator(7))
    np.testing.assert_array_equal(again((4,)), first)              # reproducible
    config = init.get_config()
    assert config["seed"] == {"class_name": "SeedGenerator", "config": {"seed": 7}}
    np.testing.assert_array_equal(I.RandomNormal.from_config(config)((4,)), first)


def test_variance_scaling_fans_over_given_axes():
    assert I.compute_fans((512, 8, 64), input_axes=[0], output_axes=[1, 2]) == (512, 512)
    init = I.VarianceScaling(scale=2.0, mode="fan_in", distribution="untruncated_normal",
                             seed=1, input_axes=[0], output_axes=[1, 2])
    assert init((400, 4, 16)).std() == pytest.approx(np.sqrt(2.0 / 400), rel=0.05)
    assert I.VarianceScaling.from_config(init.get_config()).get_config() == init.get_config()


def test_dtype_follows_floatx():
    assert I.Zeros()((2,)).dtype == np.float32
    assert I.GlorotUniform()((2, 2), dtype="float64").dtype == np.float64
    md.set_floatx("float64")
    try:
        assert I.HeNormal()((2, 2)).dtype == np.float64
    finally:
        md.set_floatx("float32")
    with pytest.raises(ValueError, match="floating-point"):
        I.RandomNormal()((2,), dtype="int32")


# ---- seeding -------------------------------------------------------------------------------

def test_integer_seed_repeats_and_seeds_differ():
    a = I.GlorotUniform(seed=7)((5, 5))
    np.testing.assert_array_equal(a, I.GlorotUniform(seed=7)((5, 5)))
    init = I.HeNormal(seed=7)
    np.testing.assert_array_equal(init((5, 5)), init((5, 5)))     # same values every call
    assert not np.array_equal(a, I.GlorotUniform(seed=8)((5, 5)))


def test_unseeded_draws_from_the_global_generator():
    init = I.GlorotUniform()
    set_random_seed(123)
    first = init((4, 4)), init((4, 4))
    assert not np.array_equal(*first)                              # successive draws differ
    set_random_seed(123)
    second = init((4, 4)), init((4, 4))
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


# ---- names, configs, errors ------------------------------------------------------------------

@pytest.mark.parametrize("name, cls", [("glorot_uniform", I.GlorotUniform),
                                       ("GlorotUniform", I.GlorotUniform),
                                       ("he_normal", I.HeNormal), ("zeros", I.Zeros),
                                       ("ones", I.Ones), ("uniform", I.RandomUniform),
                                       ("truncated_normal", I.TruncatedNormal),
                                       ("lecun_normal", I.LecunNormal)])
def test_get_by_name(name, cls):
    assert type(I.get(name)) is cls


def test_get_other_identifiers():
    assert I.get(None) is None
    assert isinstance(I.get(I.HeUniform), I.HeUniform)
    init = I.Constant(2.0)
    assert I.get(init) is init
    assert I.get({"class_name": "Constant", "config": {"value": 5.0}})((1,))[0] == 5.0
    with pytest.raises(ValueError) as info:
        I.get("glorot_unifrom")
    assert str(info.value).startswith("Unknown initializer 'glorot_unifrom'. "
                                      "Did you mean 'glorot_uniform'? Known: ")
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        I.get(3)


ALL = [I.Zeros(), I.Ones(), I.Constant(0.5), I.RandomNormal(0.1, 0.2, seed=1),
       I.TruncatedNormal(seed=2), I.RandomUniform(-1.0, 2.0, seed=3),
       I.VarianceScaling(3.0, "fan_out", "uniform", seed=4), I.GlorotUniform(seed=5),
       I.GlorotNormal(seed=6), I.HeUniform(seed=7), I.HeNormal(seed=8), I.LecunUniform(seed=9),
       I.LecunNormal(seed=10)]


@pytest.mark.parametrize("init", ALL, ids=[type(i).__name__ for i in ALL])
def test_serialize_round_trip_gives_the_same_values(init):
    saved = json.loads(json.dumps(I.serialize(init)))              # JSON-safe
    assert saved["class_name"] == type(init).__name__
    restored = I.deserialize(saved)
    assert type(restored) is type(init) and restored.get_config() == init.get_config()
    np.testing.assert_array_equal(restored((6, 7)), init((6, 7)))


def test_configs_match_keras():
    assert I.GlorotUniform(seed=1).get_config() == {"seed": 1}
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert I.VarianceScaling().get_config() == {"scale": 1.0, "mode": "fan_in",
                                                "distribution": "truncated_normal",
                                                "input_axes": None, "output_axes": None,
                                                "seed": None}


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="Argument `scale` must be positive float"):
        I.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: 'fan_inn'"):
        I.VarianceScaling(mode="fan_inn")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: 'gamma'"):
        I.VarianceScaling(distribution="gamma")
    with pytest.raises(ValueError, match="stddev must be >= 0"):
        I.TruncatedNormal(stddev=-1.0)
    with pytest.raises(ValueError, match="minval <= maxval"):
        I.RandomUniform(1.0, 0.0)
    with pytest.raises(ValueError, match="`seed` argument should be an instance of"):
        I.GlorotUniform(seed="1")
    with pytest.raises(TypeError, match="shape"):
        I.Zeros()("abc")
    with pytest.raises(ValueError, match="negative"):
        I.Ones()((2, -1))


# ---- Orthogonal and Identity -------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 5)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    values = I.Orthogonal(gain=2.0, seed=3)(shape)
    assert values.shape == shape and values.dtype == np.float32
    flat = values.reshape(-1, shape[-1]) / 2.0                  # (product of the others, last)
    small = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-5)


def test_orthogonal_is_kerass_qr_with_the_sign_fix():
    values = I.Orthogonal(seed=7)((5, 3), dtype="float64")
    a = np.random.default_rng(7).standard_normal((5, 3))
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(values, q * np.sign(np.diag(r)))
    np.testing.assert_array_equal(I.Orthogonal(seed=7)((5, 3)), I.Orthogonal(seed=7)((5, 3)))
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal()((4,))


def test_identity_and_the_names():
    np.testing.assert_array_equal(I.Identity(gain=3.0)((2, 3)), 3.0 * np.eye(2, 3))
    assert I.Identity()((2, 2)).dtype == np.float32
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        I.Identity()((2, 2, 2))
    for name, cls in (("orthogonal", I.Orthogonal), ("Orthogonal", I.Orthogonal),
                      ("OrthogonalInitializer", I.Orthogonal), ("identity", I.Identity),
                      ("IdentityInitializer", I.Identity)):
        assert isinstance(I.get(name), cls)
    for initializer in (I.Orthogonal(gain=0.5, seed=2), I.Identity(gain=2.0)):
        config = json.loads(json.dumps(I.serialize(initializer)))
        again = I.deserialize(config)
        assert type(again) is type(initializer)
        assert again.get_config() == initializer.get_config()
    layer = md.layers.Dense(4, kernel_initializer="orthogonal")
    layer.build((None, 4))
    np.testing.assert_allclose(layer.kernel.data.T @ layer.kernel.data, np.eye(4), atol=1e-5)
