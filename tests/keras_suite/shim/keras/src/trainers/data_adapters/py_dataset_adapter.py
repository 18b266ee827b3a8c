"""keras.src.trainers.data_adapters.py_dataset_adapter: PyDataset is microdense's."""
from microdense.py_dataset import PyDataset  # noqa: F401
