# Source: https://keras.io/guides/customizing_saving_and_serialization/ ("save_assets() and
# load_assets()": LayerWithCustomAssets, a Dense keeping a vocabulary file). Paths: a
# temporary folder.
# Translated: `import keras` -> `import microdense as keras` (only).
import os
import tempfile

import numpy as np
import microdense as keras


@keras.saving.register_keras_serializable(package="my_custom_package")
class LayerWithCustomAssets(keras.layers.Dense):
    def __init__(self, vocab=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vocab = vocab

    def save_assets(self, inner_path):
        # Writes the vocab (sentence) to text file at save time.
        with open(os.path.join(inner_path, "vocabulary.txt"), "w") as f:
            f.write(self.vocab)

    def load_assets(self, inner_path):
        # Reads the vocab (sentence) from text file at load time.
        with open(os.path.join(inner_path, "vocabulary.txt"), "r") as f:
            text = f.read()
        self.vocab = text.replace("<unk>", "little")


model = keras.Sequential([
    LayerWithCustomAssets(vocab='Mary had a <unk> lamb.', units=5)
])

x = np.random.random((10, 10))
y = model(x)

path = os.path.join(tempfile.mkdtemp(), "custom_assets_model.keras")
model.save(path)
restored_model = keras.models.load_model(path)

np.testing.assert_string_equal(
    restored_model.layers[0].vocab, "Mary had a little lamb."
)
