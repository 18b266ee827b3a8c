"""A layer's files besides its weights (a vocabulary, a lookup table): save_assets/load_assets.

    class Vocabulary(Layer):
        def save_assets(self, dir_path):                 # model.save calls this
            with open(os.path.join(dir_path, "words.txt"), "w") as f:
                f.write("\\n".join(self.words))

        def load_assets(self, dir_path):                 # load_model calls this
            with open(os.path.join(dir_path, "words.txt")) as f:
                self.words = f.read().split("\\n")

model.save puts each such layer's files in the model file under "assets/<layer name>/";
load_model gives each layer a fresh folder holding only its own files. The files are data:
they are never run, and a name that would leave its folder ("../x", "/etc/x") is refused.
"""
import os
import tempfile

from microdense.layers import Layer
from microdense.saving.file_format import _entry_infos, _read_entry, hostile

PREFIX = "assets/"


def _with_assets(model, method):
    """The layers of `model` (itself included) whose class defines `method`."""
    return [layer for layer in model._flatten_layers()
            if getattr(type(layer), method) is not getattr(Layer, method)]


def collect(model):
    """{"assets/<layer>/<file>": bytes} of every layer with save_assets."""
    entries = {}
    for layer in _with_assets(model, "save_assets"):
        with tempfile.TemporaryDirectory() as folder:
            layer.save_assets(folder)
            for root, _, files in os.walk(folder):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    relative = os.path.relpath(path, folder).replace(os.sep, "/")
                    with open(path, "rb") as file:
                        entries[f"{PREFIX}{layer.name}/{relative}"] = file.read()
    return entries


def restore(model, archive, budget, filepath):
    """Call load_assets(folder) on every layer with load_assets, its saved files in folder."""
    layers = _with_assets(model, "load_assets")
    if not layers:
        return
    infos = [info for info in _entry_infos(archive, filepath, "the zip")
             if info.filename.startswith(PREFIX)]
    for layer in layers:
        own = f"{PREFIX}{layer.name}/"
        with tempfile.TemporaryDirectory() as folder:
            for info in infos:
                if not info.filename.startswith(own) or info.filename.endswith("/"):
                    continue
                relative = info.filename[len(own):]
                parts = relative.split("/")
                if relative.startswith("/") or "\\" in relative or ".." in parts or "" in parts:
                    raise hostile(filepath, info.filename, "names a file outside its layer's "
                                                           "assets folder")
                target = os.path.join(folder, *parts)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as file:
                    file.write(_read_entry(archive, info, budget))
            layer.load_assets(folder)
