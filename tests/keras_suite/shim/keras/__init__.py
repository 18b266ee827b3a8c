"""`keras` as the vendored Keras tests import it: microdense under Keras's names.

Every module of this fake package forwards the names it does not define to one microdense
module (PEP 562 module __getattr__), so `keras.Sequential` is `microdense.Sequential`.
"""
import microdense as _target


def __getattr__(name):
    return getattr(_target, name)
