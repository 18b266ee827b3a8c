"""keras.src.utils.io_utils -> microdense.config (the interactive-logging switch, print_msg)."""
from microdense import config as _target


def __getattr__(name):
    return getattr(_target, name)
