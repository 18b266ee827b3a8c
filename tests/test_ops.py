"""The op table: every public op's gradient against float64 central differences.

Adding an op means adding a row here; `test_every_public_op_has_a_row` fails otherwise.
Each row is checked through md.gradcheck, which reduces a non-scalar output as sum(out * R)
for a fixed random R, so a backward that ignores its upstream gradient fails.
Inputs stay away from kinks (relu/abs at 0, ties in max/min, clip bounds): there the
derivative is a convention, tested separately in test_engine.py.
"""
import numpy as np
import pytest

import microdense as md
from microdense import ops

rng = np.random.default_rng(0)


def uniform(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    """Values in ±[0.2, 2]: no element near the kink of relu or abs."""
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


MASK = rng.random((3, 4)) > 0.5
REPEATED_ROWS = np.array([0, 2, 0, 1])

# (op name, function of tensors, input arrays)
OP_TABLE = [
    ("add", lambda a, b: a + b, [uniform(3, 4), uniform(4)]),
    ("add", lambda a, b: a + b, [uniform(3, 1), uniform(1, 4)]),
    ("add", lambda a: 2.0 + a, [uniform(3)]),
    ("sub", lambda a, b: a - b, [uniform(2, 3, 4), uniform(3, 1)]),
    ("sub", lambda a: 1.0 - a, [uniform(3)]),
    ("mul", lambda a, b: a * b, [uniform(3, 1), uniform(1, 4)]),
    ("mul", lambda a, b: a * b, [uniform(2, 3, 4), uniform(4)]),
    ("div", lambda a, b: a / b, [uniform(2, 3, 4), positive(3, 1)]),
    ("div", lambda a: 1.0 / a, [positive(3)]),
    ("power", lambda a: a ** 3, [uniform(3, 4)]),
    ("power", lambda a, b: a ** b, [positive(3, 4), uniform(4)]),
    ("power", lambda b: 2.0 ** b, [uniform(3)]),
    ("neg", lambda a: -a, [uniform(3, 4)]),
    ("matmul", lambda a, b: a @ b, [uniform(3, 4), uniform(4, 5)]),
    ("matmul", lambda a, b: a @ b, [uniform(4), uniform(4, 5)]),
    ("matmul", lambda a, b: a @ b, [uniform(3, 4), uniform(4)]),
    ("matmul", lambda a, b: a @ b, [uniform(4), uniform(4)]),
    ("matmul", lambda a, b: a @ b, [uniform(2, 3, 4), uniform(4, 5)]),
    ("matmul", lambda a, b: a @ b, [uniform(2, 1, 3, 4), uniform(5, 4, 2)]),
    ("matmul", lambda a, b: a @ b, [uniform(4), uniform(2, 4, 3)]),
    ("abs", lambda a: abs(a), [away_from_zero(3, 4)]),
    ("exp", md.exp, [uniform(3, 4)]),
    ("log", md.log, [positive(3, 4)]),
    ("sqrt", md.sqrt, [positive(3, 4)]),
    ("tanh", md.tanh, [uniform(3, 4)]),
    ("sigmoid", md.sigmoid, [uniform(3, 4, low=-6, high=6)]),
    ("relu", md.relu, [away_from_zero(3, 4)]),
    ("maximum", md.maximum, [uniform(3, 4), uniform(4)]),
    ("maximum", md.maximum, [uniform(), uniform()]),                         # 0-d
    ("minimum", md.minimum, [uniform(), uniform(3)]),
    ("minimum", md.minimum, [uniform(3, 1), uniform(1, 4)]),
    ("where", lambda a, b: md.where(MASK, a, b), [uniform(3, 4), uniform(4)]),
    ("clip", lambda a: md.clip(a, -0.5, 0.5), [np.array([-1.2, -0.3, 0.1, 0.4, 0.9, 2.0])]),
    ("clip", lambda a: a.clip(None, 0.5), [np.array([-1.2, 0.1, 0.9])]),
    ("clip", lambda a: md.clip(a, np.array([-1.0, 0.0, 0.5]), md.Tensor([1.0, 0.3, 2.0])),
     [np.array([[-1.2, 0.1, 0.9], [0.4, -0.7, 1.5]])]),                      # array bounds
    ("astype", lambda a: md.astype(a, np.float64) * 2.0, [uniform(3, 4)]),
    ("sum", lambda a: a.sum(), [uniform(3, 4)]),
    ("sum", lambda a: a.sum(axis=1), [uniform(3, 4)]),
    ("sum", lambda a: a.sum(axis=(0, 2), keepdims=True), [uniform(2, 3, 4)]),
    ("sum", lambda a: a.sum(axis=[0, -1]), [uniform(2, 3, 4)]),             # a list, as torch
    ("sum", lambda a: a.sum(axis=-1), [uniform(3)]),
    ("mean", lambda a: a.mean(), [uniform(3, 4)]),
    ("mean", lambda a: a.mean(axis=-1, keepdims=True), [uniform(2, 3, 4)]),
    ("max", lambda a: a.max(), [uniform(3, 4)]),
    ("max", lambda a: a.max(axis=0), [uniform(3, 4)]),
    ("max", lambda a: a.max(axis=-1), [uniform(2, 3, 4)]),
    ("min", lambda a: a.min(axis=(1, 2), keepdims=True), [uniform(2, 3, 4)]),
    ("logsumexp", lambda a: md.logsumexp(a, axis=1), [uniform(3, 4)]),
    ("logsumexp", lambda a: md.logsumexp(a), [uniform(3, 4)]),
    ("softmax", md.softmax, [uniform(3, 4)]),
    ("softmax", lambda a: md.softmax(a, axis=0), [uniform(3, 4)]),
    ("log_softmax", md.log_softmax, [uniform(3, 4)]),
    ("softmax", lambda a: md.softmax(a, axis=(-2, -1)), [uniform(2, 3, 4)]),  # several axes
    ("softmax", lambda a: md.softmax(a, axis=[0, 2]), [uniform(2, 3, 4)]),
    ("log_softmax", lambda a: md.log_softmax(a, axis=(1, 2)), [uniform(2, 3, 4)]),
    ("reshape", lambda a: a.reshape(4, -1), [uniform(2, 3, 2)]),
    ("transpose", lambda a: a.transpose(2, 0, 1), [uniform(2, 3, 4)]),
    ("transpose", lambda a: a.T, [uniform(3, 4)]),
    ("transpose", lambda a: a.transpose(-1, 0, 1), [uniform(2, 3, 4)]),     # negative axes
    ("transpose", lambda a: a.transpose(-1, 0, 1), [uniform(3, 3, 3)]),     # ... on a cube
    ("transpose", lambda a: md.transpose(a, (1, -3, 2)), [uniform(2, 3, 4)]),
    ("expand_dims", lambda a: md.expand_dims(a, 1), [uniform(3, 4)]),
    ("expand_dims", lambda a: md.expand_dims(a, -1), [uniform(3, 4)]),
    ("squeeze", lambda a: md.squeeze(a, 1), [uniform(3, 1, 4)]),
    ("squeeze", lambda a: md.squeeze(a, -2), [uniform(3, 1, 4)]),
    ("concatenate", lambda a, b: md.concatenate([a, b], axis=1), [uniform(2, 3), uniform(2, 5)]),
    ("concatenate", lambda a, b: md.concatenate([a, b], axis=None), [uniform(2, 3), uniform(4)]),
    ("concatenate", lambda a, b: md.concatenate([a, b], axis=-2), [uniform(2, 3), uniform(1, 3)]),
    ("stack", lambda a, b: md.stack([a, b], axis=-1), [uniform(2, 3), uniform(2, 3)]),
    ("getitem", lambda a: a[1:, ::2], [uniform(3, 4)]),
    ("getitem", lambda a: a[REPEATED_ROWS], [uniform(3, 4)]),
    ("getitem", lambda a: a[MASK], [uniform(3, 4)]),
    ("getitem", lambda a: a[np.arange(3), np.array([0, 3, 3])], [uniform(3, 4)]),
    ("getitem", lambda a: a[..., None, 0], [uniform(3, 4)]),
    ("binary_crossentropy", lambda z, p: md.binary_crossentropy(z, p, 1e-7),
     [rng.uniform(0, 1, (3, 4)), rng.uniform(0.05, 0.95, (3, 4))]),
    ("categorical_crossentropy", lambda t, p: md.categorical_crossentropy(t, p, 1e-7),
     [rng.uniform(0, 1, (3, 4)), rng.uniform(0.1, 1.0, (3, 4))]),
    ("categorical_crossentropy", lambda t, p: md.categorical_crossentropy(t, p, 1e-7, axis=0),
     [rng.uniform(0, 1, (3, 4)), rng.uniform(0.1, 1.0, (3, 4))]),
]


@pytest.mark.parametrize("name, fn, inputs", OP_TABLE,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(OP_TABLE)])
def test_gradient_matches_finite_differences(name, fn, inputs):
    tensors = [md.Tensor(x, requires_grad=True, name=f"{name}_arg{i}")
               for i, x in enumerate(inputs)]
    assert md.gradcheck(fn, *tensors)


def test_every_public_op_has_a_row():
    covered = {row[0] for row in OP_TABLE}
    missing = sorted(set(ops.__all__) - covered)
    assert not missing, f"ops with no row in OP_TABLE: {missing}"


def test_every_public_op_is_reachable_from_the_package():
    for name in ops.__all__:
        assert getattr(md, name) is getattr(ops, name), name


@pytest.mark.parametrize("name, fn, inputs", OP_TABLE[:20],
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(OP_TABLE[:20])])
def test_float32_inputs_give_float32_outputs_and_grads(name, fn, inputs):
    tensors = [md.Tensor(x.astype(np.float32), requires_grad=True) for x in inputs]
    out = fn(*tensors)
    assert out.dtype == np.float32, f"{name} upcast float32 to {out.dtype}"
    out.sum().backward()
    for t in tensors:
        assert t.grad.dtype == np.float32 and t.grad.shape == t.shape
