"""keras.src.dtype_policies.dtype_policy: the global policy Keras's tests save and restore
(see __init__.py). Only float policies: mixed ones are out of microdense's scope."""
from microdense.config import floatx

_FLOAT_POLICIES = ("float16", "float32", "float64")


class DTypePolicy:
    def __init__(self, name=None):
        name = name or floatx()
        if name not in _FLOAT_POLICIES:
            raise ValueError(f"microdense has no {name!r} dtype policy (mixed precision is "
                             f"out of scope); a policy is one of {_FLOAT_POLICIES}.")
        self.name = self.compute_dtype = self.variable_dtype = name


_global_policy = None


def dtype_policy():
    return _global_policy or DTypePolicy()


def set_dtype_policy(policy):
    global _global_policy
    _global_policy = policy if isinstance(policy, DTypePolicy) else DTypePolicy(policy)
