"""PyDataset: batches computed on demand, by index (keras.utils.PyDataset).

    class Batches(md.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):                       # batches per epoch
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, index):            # batch `index`: (x, y) or (x, y, weights)
            rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
            return self.x[rows], self.y[rows]

    model.fit(Batches(x, y, 32), epochs=3)       # also evaluate(...) and predict(...)

fit takes batches 0, 1, ..., len - 1 in order each epoch, then calls on_epoch_end() (to
reshuffle, say). workers and use_multiprocessing are accepted for Keras's signature; batches
are made one at a time, in this process.
"""


class PyDataset:
    """Base class: define __len__ (batches per epoch) and __getitem__(index) (one batch)."""

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number of "
                                  f"batches in an epoch).")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) "
                                  f"(batch number `index`, as (x, y) or (x, y, weights)).")

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_begin(self):
        """Called before each epoch. Default: nothing."""

    def on_epoch_end(self):
        """Called after each epoch (e.g. to shuffle). Default: nothing."""

    def __iter__(self):
        """One epoch: on_epoch_begin, the batches in order, then on_epoch_end."""
        self.on_epoch_begin()
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()
