"""datasets: shapes, dtypes, seeding, class balance, the formulas, and the bundled digits."""
import gzip
import importlib.resources

import numpy as np
import pytest

import microdense as md
from microdense import datasets

TOYS = {  # generator -> (its number of classes with default arguments, n_features)
    datasets.spirals: (3, 2),
    datasets.moons: (2, 2),
    datasets.circles: (2, 2),
    datasets.xor: (2, 2),
    datasets.blobs: (3, 2),
}


# ---- the toy generators -------------------------------------------------------------------

@pytest.mark.parametrize("make", TOYS, ids=lambda f: f.__name__)
def test_shapes_dtypes_and_balance(make):
    n_classes, n_features = TOYS[make]
    x, y = make(n_samples=101)
    assert x.shape == (101, n_features) and x.dtype == np.float32
    assert y.shape == (101,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    assert np.isfinite(x).all()


@pytest.mark.parametrize("make", TOYS, ids=lambda f: f.__name__)
def test_seed_makes_the_data_reproducible(make):
    x1, y1 = make()
    x2, y2 = make()                                   # seed=0 by default: the same arrays
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, _ = make(seed=1)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("make", TOYS, ids=lambda f: f.__name__)
def test_one_hot_labels(make):
    _, y = make(n_samples=60)
    _, y_hot = make(n_samples=60, one_hot=True)
    assert y_hot.dtype == np.float32 and y_hot.shape == (60, TOYS[make][0])
    np.testing.assert_array_equal(y_hot.sum(axis=1), 1.0)
    np.testing.assert_array_equal(y_hot.argmax(axis=1), y)


def test_seed_none_follows_the_global_seed():
    md.utils.set_random_seed(3)
    a, _ = datasets.spirals(seed=None)
    md.utils.set_random_seed(3)
    b, _ = datasets.spirals(seed=None)
    np.testing.assert_array_equal(a, b)


def test_spirals_follow_the_cs231n_formula_without_noise():
    x, y = datasets.spirals(n_samples=30, n_classes=3, noise=0.0)
    for k in range(3):
        arm = x[y == k].astype(np.float64)
        r = np.hypot(arm[:, 0], arm[:, 1])
        order = np.argsort(r)
        np.testing.assert_allclose(r[order], np.linspace(0, 1, 10), atol=1e-6)
        t = np.linspace(4 * k, 4 * (k + 1), 10)[1:]           # r = 0 has no angle
        np.testing.assert_allclose(arm[order][1:], np.linspace(0, 1, 10)[1:, None]
                                   * np.column_stack([np.sin(t), np.cos(t)]), atol=1e-6)


def test_circles_and_moons_without_noise_lie_on_their_curves():
    x, y = datasets.circles(n_samples=40, noise=0.0, factor=0.3)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-6)
    x, y = datasets.moons(n_samples=40, noise=0.0)
    np.testing.assert_allclose(np.hypot(*x[y == 0].T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(x[y == 1, 0] - 1, x[y == 1, 1] - 0.5), 1.0, atol=1e-6)


def test_xor_labels_are_the_quadrant_parity():
    x, y = datasets.xor(n_samples=200)
    np.testing.assert_array_equal(y, ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(int))
    assert np.abs(x).max() <= 1.0


def test_blobs_cluster_around_given_centers():
    centers = [[-5.0, 0.0, 1.0], [5.0, 0.0, 1.0]]
    x, y = datasets.blobs(n_samples=400, centers=centers, cluster_std=0.5)
    assert x.shape == (400, 3)
    for k, center in enumerate(centers):
        np.testing.assert_allclose(x[y == k].mean(axis=0), center, atol=0.15)
        np.testing.assert_allclose(x[y == k].std(axis=0), 0.5, atol=0.1)


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="fewer than n_classes"):
        datasets.spirals(n_samples=2, n_classes=3)
    with pytest.raises(ValueError, match="0 < factor < 1"):
        datasets.circles(factor=1.5)


# ---- the digits ---------------------------------------------------------------------------

def test_digits_count_shape_and_range():
    x, y = datasets.load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    assert 170 <= np.bincount(y).min() and np.bincount(y).max() <= 190
    raw, _ = datasets.load_digits(normalize=False)
    np.testing.assert_array_equal(raw, x * 16)
    np.testing.assert_array_equal(raw, np.round(raw))            # integer counts 0..16
    assert raw.max() == 16


def test_digits_first_image_and_one_hot():
    x, y = datasets.load_digits(one_hot=True, normalize=False)
    assert y.shape == (1797, 10) and y.dtype == np.float32
    assert y[0].argmax() == 0 and y[1].argmax() == 1              # the file's first rows
    np.testing.assert_array_equal(x[0, :8], [0, 0, 5, 13, 9, 1, 0, 0])


def test_digits_file_ships_with_licence_and_source():
    data = importlib.resources.files("microdense").joinpath("data")
    with data.joinpath("digits.csv.gz").open("rb") as raw:
        assert gzip.decompress(raw.read()).count(b"\n") == 1797
    readme = data.joinpath("README.md").read_text()
    assert "CC BY 4.0" in readme and "10.24432/C50P49" in readme and "scikit-learn" in readme
    assert "BSD 3-Clause" in data.joinpath("LICENSE").read_text()


# ---- splitting ----------------------------------------------------------------------------

def test_train_test_split_partitions_the_rows():
    x = np.arange(100, dtype=np.float32).reshape(50, 2)
    y = np.arange(50)
    x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, test_size=0.2)
    assert len(x_test) == 10 and len(x_train) == 40
    np.testing.assert_array_equal(x_train[:, 0] / 2, y_train)     # rows stay paired
    np.testing.assert_array_equal(x_test[:, 0] / 2, y_test)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    again = datasets.train_test_split(x, y, test_size=0.2)
    np.testing.assert_array_equal(again[3], y_test)               # seed=0: the same split
    assert len(datasets.train_test_split(x, y, test_size=7)[1]) == 7


def test_stratified_split_keeps_the_class_balance():
    x, y = datasets.load_digits(one_hot=True)
    _, _, _, y_test = datasets.train_test_split(x, y, test_size=0.2, stratify=True)
    assert len(y_test) == 359                                     # round(0.2 * 1797)
    counts = y_test.sum(axis=0)
    assert counts.min() >= 34 and counts.max() <= 37


def test_split_refuses_empty_sides():
    with pytest.raises(ValueError, match="test_size"):
        datasets.train_test_split(np.zeros((5, 1)), np.zeros(5), test_size=0.01)


def test_split_takes_scikit_learns_random_state_and_stratify_labels():
    x = np.arange(100, dtype=np.float32).reshape(50, 2)
    y = np.arange(50) % 5
    by_seed = datasets.train_test_split(x, y, test_size=0.2, seed=3)
    by_state = datasets.train_test_split(x, y, test_size=0.2, random_state=3)
    for a, b in zip(by_seed, by_state):
        np.testing.assert_array_equal(a, b)
    other = datasets.train_test_split(x, y, test_size=0.2, random_state=4)
    assert not np.array_equal(other[1], by_state[1])
    _, _, _, y_test = datasets.train_test_split(x, y, test_size=0.2, stratify=y,
                                                random_state=0)
    assert np.bincount(y_test).tolist() == [2, 2, 2, 2, 2]        # sklearn's stratify=labels
    with pytest.raises(ValueError, match="seed=1 and random_state=2: they are one setting"):
        datasets.train_test_split(x, y, seed=1, random_state=2)
