"""Samplers (torch.utils.data): the order in which a DataLoader visits a dataset's indices in one
epoch, drawn from tinygrad_edu.random (so manual_seed makes it reproducible), and BatchSampler,
which groups them into lists. Re-exported by tinygrad_edu.utils.data."""
import itertools

import numpy as np


def _numpy_rng(generator):
    # imported on use so that importing this module never depends on the engine's import order
    from tinygrad_edu.random import numpy_rng
    return numpy_rng(generator)


class Sampler:
    """Base class: ``__iter__`` yields dataset indices (torch.utils.data.Sampler)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class _ArraySampler(Sampler):
    """A sampler whose epoch order is one numpy array, so the DataLoader can slice it directly."""

    def _index_array(self):
        raise NotImplementedError

    def __iter__(self):
        return iter(self._index_array().tolist())


class SequentialSampler(_ArraySampler):
    """Indices 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _index_array(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """A fresh random permutation every epoch (with ``replacement``: uniform draws with repeats).

    ``num_samples`` larger than the dataset (without replacement) chains whole permutations, as torch.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        count = self.num_samples
        if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={count}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self):
        n, count, rng = len(self.data_source), self.num_samples, _numpy_rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=count)
        whole, rest = divmod(count, n)
        parts = [rng.permutation(n) for _ in range(whole)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_ArraySampler):
    """The given ``indices`` in a fresh random order every epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _index_array(self):
        return np.asarray(self.indices, dtype=np.int64)[_numpy_rng(self.generator).permutation(len(self.indices))]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last may be shorter)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while True:
            batch = list(itertools.islice(indices, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
