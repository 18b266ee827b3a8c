"""keras.src.backend.common.keras_tensor: KerasTensor is microdense's symbolic tensor."""
from microdense.layers.symbolic import KerasTensor  # noqa: F401
