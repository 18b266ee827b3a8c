"""Random draws as ops: data with no gradient, drawn from a numpy Generator.

A draw is an op (not an array made on the side) so that a recorded training step draws anew
at every replay, from the same generator and in the same order as eager training would.
"""
import numpy as np

from microdense.ops.op import data_op


def _uniform(shape, dtype, generator):
    return generator.random(shape, dtype=dtype)


def _normal(shape, dtype, generator, mean=0.0, stddev=1.0):
    return generator.normal(mean, stddev, shape).astype(dtype)


RANDOM_UNIFORM = data_op("random_uniform", _uniform)
RANDOM_NORMAL = data_op("random_normal", _normal)


def random_uniform(shape, generator, dtype="float32"):
    """Uniform values in [0, 1) of `shape`, drawn from `generator` (a numpy Generator)."""
    return RANDOM_UNIFORM(shape=tuple(shape), dtype=np.dtype(dtype), generator=generator)


def random_normal(shape, generator, mean=0.0, stddev=1.0, dtype="float32"):
    """Normal values of `shape`, drawn from `generator` (a numpy Generator)."""
    return RANDOM_NORMAL(shape=tuple(shape), dtype=np.dtype(dtype), generator=generator,
                         mean=mean, stddev=stddev)
