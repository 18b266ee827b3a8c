"""utils: seeding, the unknown-name error, and the registry of users' objects."""
import random

import numpy as np
import pytest

from microdense import registry, utils
from microdense.registry import (get_registered_name, get_registered_object,
                                 register_keras_serializable, unknown_name_error)
from microdense.utils import set_random_seed


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED_OBJECTS", {})
    monkeypatch.setattr(registry, "_REGISTERED_NAMES", {})


# ---- seeding -------------------------------------------------------------------------------

def test_set_random_seed_makes_every_generator_repeat():
    kept = utils.get_rng()                 # a reference taken before seeding stays valid
    set_random_seed(42)
    first = (kept.random(3), np.random.rand(3), random.random())
    set_random_seed(42)
    second = (utils.get_rng().random(3), np.random.rand(3), random.random())
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert first[2] == second[2]
    set_random_seed(43)
    assert not np.array_equal(utils.get_rng().random(3), first[0])


def test_set_random_seed_rejects_non_integers():
    for bad in (1.5, "1", None, True):
        with pytest.raises(ValueError, match="integer seed"):
            set_random_seed(bad)


# ---- unknown names -------------------------------------------------------------------------

def test_unknown_name_error_message():
    error = unknown_name_error("activation", "rleu", ["relu", "gelu", "elu", "linear"])
    assert isinstance(error, ValueError)
    assert str(error) == ("Unknown activation 'rleu'. Did you mean 'relu'? "
                          "Known: elu, gelu, linear, relu.")


def test_unknown_name_error_ignores_case_and_may_have_no_suggestion():
    assert "Did you mean 'relu'?" in str(unknown_name_error("activation", "RELU", ["relu"]))
    assert str(unknown_name_error("loss", "zzz", ["mse", "mae"])) == \
        "Unknown loss 'zzz'. Known: mae, mse."


# ---- the registry --------------------------------------------------------------------------

def test_register_function_under_package_and_name():
    @register_keras_serializable()
    def my_fn(x):
        return x

    @register_keras_serializable(package="mine", name="renamed")
    def other(x):
        return x

    assert get_registered_name(my_fn) == "Custom>my_fn"
    assert get_registered_object("Custom>my_fn") is my_fn
    assert get_registered_object("my_fn") is my_fn              # a bare name works too
    assert get_registered_object("mine>renamed") is other
    assert get_registered_name(other) == "mine>renamed"
    assert get_registered_object("missing") is None
    assert utils.get_custom_objects() == {"Custom>my_fn": my_fn, "mine>renamed": other}


def test_unregistered_name_is_the_dunder_name():
    def plain(x):
        return x
    assert get_registered_name(plain) == "plain"


def test_custom_objects_come_first():
    @register_keras_serializable()
    def f(x):
        return x

    def g(x):
        return x
    assert get_registered_object("f", custom_objects={"f": g}) is g
    assert get_registered_object("Custom>f", custom_objects={"f": g}) is g


def test_bare_name_in_two_packages_is_ambiguous():
    register_keras_serializable("a", name="same")(lambda x: x)
    register_keras_serializable("b", name="same")(lambda x: x)
    with pytest.raises(ValueError, match="several packages"):
        get_registered_object("same")


def test_register_errors():
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable()(type("NoConfig", (), {}))
    with pytest.raises(TypeError, match="parentheses"):
        @register_keras_serializable
        def f(x):
            return x


# ---- saving objects with a config --------------------------------------------------------------

def test_registered_class_round_trips_through_its_config():
    @register_keras_serializable("demo")
    class Scaled:
        def __init__(self, factor=2.0):
            self.factor = factor

        def get_config(self):
            return {"factor": self.factor}

    saved = registry.serialize_object(Scaled(3.0))
    assert saved == {"class_name": "demo>Scaled", "config": {"factor": 3.0}}
    restored = registry.deserialize_object(saved, {}, "initializer")
    assert isinstance(restored, Scaled) and restored.factor == 3.0


def test_deserialize_missing_object_says_how_to_provide_it():
    with pytest.raises(ValueError) as info:
        registry.deserialize_object({"class_name": "Mystery", "config": {}}, {}, "initializer")
    message = str(info.value)
    assert "Unknown initializer 'Mystery'" in message
    assert "custom_objects={'Mystery': Mystery}" in message
    assert "register_keras_serializable" in message
    with pytest.raises(ValueError, match="class_name"):
        registry.deserialize_object({"config": {}}, {}, "initializer")


def test_to_categorical_one_hot_rows_and_label_errors():
    from microdense.utils import to_categorical
    out = to_categorical([0, 2, 1])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\]"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="integer class labels"):
        to_categorical([0.5, 1.0])


def test_the_suggested_name_is_the_fewest_edits_away():
    from microdense.registry import _edits, unknown_name_error
    assert _edits("adma", "adam") == 1 and _edits("adma", "adamax") == 2     # a swap is one
    assert _edits("kitten", "sitting") == 3 and _edits("", "abc") == 3
    message = str(unknown_name_error("optimizer", "adma", ["adam", "adamax", "nadam"]))
    assert "Did you mean 'adam'?" in message
