"""Small datasets for experiments: four 2-D toy problems, Gaussian blobs, and the 8x8 digits.

Every generator returns `(x, y)`: x is float32 of shape (n_samples, n_features); y holds
integer class labels 0..n_classes-1 (int64, for `sparse_categorical_crossentropy`), or one-hot
float32 rows with `one_hot=True` (for `categorical_crossentropy`). The classes are as balanced
as n_samples allows (sizes differ by at most one), and the rows are shuffled.

`seed` makes the data reproducible: the default seed=0 gives the same arrays on every run;
seed=None draws from microdense's global generator (see `utils.set_random_seed`).

    x, y = md.datasets.spirals(300, n_classes=3)            # (300, 2) float32, (300,) int64
    x, y = md.datasets.load_digits(one_hot=True)            # (1797, 64), (1797, 10)
    x_train, x_test, y_train, y_test = md.datasets.train_test_split(x, y, test_size=0.2)
"""
import gzip
import importlib.resources

import numpy as np

from microdense.models.data import to_categorical  # noqa: F401 (md.datasets.to_categorical)
from microdense.random import get_rng


# ---- shared helpers -----------------------------------------------------------------------

def _rng(seed):
    if seed is None:
        return get_rng()
    return np.random.default_rng(seed)


def _class_sizes(n_samples, n_classes):
    """n_samples split as evenly as possible: the first n_samples % n_classes get one more."""
    if n_samples < n_classes:
        raise ValueError(f"n_samples={n_samples} is fewer than n_classes={n_classes}: every "
                         f"class needs at least one sample.")
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def _finish(x, y, rng, one_hot, n_classes, shuffle=True):
    """Shuffle the rows together, cast x to float32, and encode the labels."""
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    x = np.ascontiguousarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    return x, (to_categorical(y, n_classes) if one_hot else y)


# ---- 2-D toy problems, in order of difficulty -----------------------------------------------

def blobs(n_samples=300, n_classes=3, n_features=2, cluster_std=1.0, centers=None,
          center_box=(-10.0, 10.0), seed=0, one_hot=False):
    """Gaussian clusters: x = center[k] + cluster_std * N(0, I), one cluster per class k.

    The centers are drawn uniformly from `center_box` (per feature) unless given as an array
    of shape (n_classes, n_features), as in scikit-learn's make_blobs.
    """
    rng = _rng(seed)
    if centers is None:
        centers = rng.uniform(center_box[0], center_box[1], size=(n_classes, n_features))
    centers = np.asarray(centers, dtype=np.float64)
    n_classes, n_features = centers.shape
    sizes = _class_sizes(n_samples, n_classes)
    x = np.concatenate([centers[k] + cluster_std * rng.standard_normal((n, n_features))
                        for k, n in enumerate(sizes)])
    y = np.repeat(np.arange(n_classes), sizes)
    return _finish(x, y, rng, one_hot, n_classes)


def xor(n_samples=200, noise=0.0, seed=0, one_hot=False):
    """The XOR problem: x uniform in the four quadrants of [-1, 1]^2, y = (x1 > 0) xor (x2 > 0).

    Each quadrant holds a quarter of the points, so the classes are balanced; Gaussian noise
    of std `noise` is added after labelling (noise > 0 blurs the boundary along the axes).
    No line separates the classes: a network needs a hidden layer.
    """
    rng = _rng(seed)
    sizes = _class_sizes(n_samples, 4)
    signs = np.repeat(np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]]), sizes, axis=0)
    x = signs * rng.uniform(0.0, 1.0, size=(n_samples, 2))
    y = (signs[:, 0] != signs[:, 1]).astype(np.int64)      # quadrants I, III: 0; II, IV: 1
    x = x + noise * rng.standard_normal(x.shape)
    return _finish(x, y, rng, one_hot, 2)


def circles(n_samples=200, noise=0.05, factor=0.5, seed=0, one_hot=False):
    """Two concentric circles: class 0 at radius 1, class 1 at radius `factor` (< 1).

    x = r (cos t, sin t) with t evenly spaced on [0, 2 pi), plus N(0, noise^2) per coordinate
    (scikit-learn's make_circles). Separable by the radius, not by any line.
    """
    if not 0 < factor < 1:
        raise ValueError(f"circles needs 0 < factor < 1 (the inner radius); got {factor}.")
    rng = _rng(seed)
    n_outer, n_inner = _class_sizes(n_samples, 2)
    def ring(n, radius):
        t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        return radius * np.column_stack([np.cos(t), np.sin(t)])
    x = np.concatenate([ring(n_outer, 1.0), ring(n_inner, factor)])
    x = x + noise * rng.standard_normal(x.shape)
    y = np.repeat([0, 1], [n_outer, n_inner])
    return _finish(x, y, rng, one_hot, 2)


def moons(n_samples=200, noise=0.1, seed=0, one_hot=False):
    """Two interleaving half circles (scikit-learn's make_moons), t evenly spaced on [0, pi]:

        class 0: (cos t, sin t)          class 1: (1 - cos t, 0.5 - sin t)

    plus N(0, noise^2) per coordinate.
    """
    rng = _rng(seed)
    n_upper, n_lower = _class_sizes(n_samples, 2)
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    x = np.concatenate([np.column_stack([np.cos(t_upper), np.sin(t_upper)]),
                        np.column_stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)])])
    x = x + noise * rng.standard_normal(x.shape)
    y = np.repeat([0, 1], [n_upper, n_lower])
    return _finish(x, y, rng, one_hot, 2)


def spirals(n_samples=300, n_classes=3, noise=0.2, seed=0, one_hot=False):
    """Interleaved spiral arms, one per class (the CS231n "spiral data"). For class k with n
    points, i = 0..n-1:

        r_i = i / (n - 1)                                     radius grows from 0 to 1
        t_i = 4 k + 4 i / (n - 1) + noise * N(0, 1)           angle, in radians
        x_i = r_i (sin t_i, cos t_i)

    Each arm turns by 4 radians; the noise jitters the angle, not the position. No line
    separates two arms, so a linear model fails where a small MLP succeeds.
    """
    rng = _rng(seed)
    xs, ys = [], []
    for k, n in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n) + noise * rng.standard_normal(n)
        xs.append(r[:, None] * np.column_stack([np.sin(t), np.cos(t)]))
        ys.append(np.full(n, k))
    return _finish(np.concatenate(xs), np.concatenate(ys), rng, one_hot, n_classes)


# ---- a real dataset, bundled --------------------------------------------------------------

DIGITS_FILE = "data/digits.csv.gz"


def load_digits(one_hot=False, normalize=True):
    """The 8x8 handwritten digits: 1,797 images, 64 features, 10 classes (0-9, ~180 each).

    x[i] is an 8x8 image read row by row (reshape to (8, 8) to look at it); each pixel counts
    the "on" pixels of a 4x4 block of a 32x32 bitmap, an integer 0..16. With normalize=True
    (the default) x = pixel / 16, in [0, 1]; otherwise the raw counts (as float32).

    Source: the test partition of UCI's "Optical Recognition of Handwritten Digits"
    (E. Alpaydin and C. Kaynak, 1998, https://doi.org/10.24432/C50P49, CC BY 4.0), as
    shipped by scikit-learn. The file is inside the package: no download. See
    microdense/data/README.md for licence and citation.

    The rows are in the file's order (not shuffled); split them with `train_test_split`.
    """
    table = _read_digits()                              # (1797, 65): 64 pixels, then label
    x = table[:, :64].astype(np.float32)
    if normalize:
        x /= 16.0
    y = table[:, 64].astype(np.int64)
    return x, (to_categorical(y, 10) if one_hot else y)


def _read_digits():
    """The bundled CSV as an integer array, read with gzip and np.loadtxt (never pickle)."""
    resource = importlib.resources.files("microdense").joinpath(DIGITS_FILE)
    with resource.open("rb") as raw, gzip.open(raw, "rt") as text:
        return np.loadtxt(text, delimiter=",", dtype=np.int64)


def train_test_split(x, y, test_size=0.2, seed=0, stratify=False, random_state=None):
    """Shuffle the rows of x and y together and cut them: returns x_train, x_test, y_train,
    y_test (scikit-learn's order).

    test_size is a fraction in (0, 1) or a number of rows. With stratify=True each class
    (integer or one-hot y) contributes the same fraction of its rows to the test set, so
    small test sets keep the class balance; stratify may also be the labels themselves, as in
    scikit-learn. random_state is scikit-learn's name for `seed`.
    """
    if random_state is not None:
        if seed not in (0, random_state):
            raise ValueError(f"train_test_split got seed={seed} and random_state="
                             f"{random_state}: they are one setting; pass one of them.")
        seed = random_state
    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x and y need the same number of rows; got {n} and {len(y)}.")
    labels = None
    if stratify is not None and not isinstance(stratify, bool):
        labels = np.asarray(stratify)              # scikit-learn's form: the labels to keep
        if len(labels) != n:
            raise ValueError(f"stratify= holds {len(labels)} labels for {n} rows.")
    elif stratify:
        labels = y.argmax(axis=1) if y.ndim == 2 else y
    n_test = int(round(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size} leaves {n_test} of {n} rows for testing; "
                         f"use a fraction in (0, 1) or a count between 1 and {n - 1}.")
    rng = np.random.default_rng(seed)
    if labels is not None:
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)         # one-hot
        classes, counts = np.unique(labels, return_counts=True)
        # Each class's share n_test * count / n, rounded down; the rows still missing go to
        # the classes with the largest remainders, so exactly n_test rows are drawn.
        shares = n_test * counts / n
        quotas = np.floor(shares).astype(int)
        quotas[np.argsort(quotas - shares)[:n_test - quotas.sum()]] += 1
        test = np.concatenate([rng.permutation(np.flatnonzero(labels == label))[:quota]
                               for label, quota in zip(classes, quotas)])
    else:
        test = rng.permutation(n)[:n_test]
    is_test = np.zeros(n, bool)
    is_test[test] = True
    train = rng.permutation(np.flatnonzero(~is_test))
    test = rng.permutation(test)
    return x[train], x[test], y[train], y[test]
