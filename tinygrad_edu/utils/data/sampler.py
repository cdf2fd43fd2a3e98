"""Samplers (torch.utils.data.sampler): the order in which a DataLoader visits a dataset's indices in
one epoch, drawn from tinygrad_edu.random (so manual_seed makes it reproducible), and BatchSampler,
which groups them into lists.

The built-in samplers produce their epoch as a stream of numpy index arrays (``_index_chunks``);
iterating a sampler yields the Python ints of those chunks, and the DataLoader's fast path slices
the same chunks into batches, so both paths visit the same indices in the same order. A sampler
with replacement draws its indices in chunks as the epoch is consumed (torch draws 32 at a time;
here 1024, so most of the DataLoader's batches are cut from one chunk): ``RandomSampler(ds,
replacement=True, num_samples=int(1e10))`` costs nothing until it is iterated, and never holds more
than one chunk (8 KB).
"""
import itertools

import numpy as np

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
           "WeightedRandomSampler"]

_CHUNK = 1024  # indices drawn per step with replacement (torch's RandomSampler draws 32 at a time)


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
    """A sampler whose epoch is a stream of numpy index arrays, which the DataLoader slices directly."""

    def _index_chunks(self):
        """A generator of int64 index arrays; concatenated, they are one epoch."""
        raise NotImplementedError

    def __iter__(self):
        for chunk in self._index_chunks():
            yield from chunk.tolist()


class SequentialSampler(_ArraySampler):
    """Indices 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _index_chunks(self):
        yield np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_ArraySampler):
    """A fresh random permutation every epoch; with ``replacement``, uniform draws with repeats.

    ``num_samples`` (default ``len(data_source)``) is the epoch's length. With replacement the
    indices are drawn 1024 at a time as the epoch is consumed, so a huge ``num_samples`` allocates
    nothing up front; without it, ``num_samples`` larger than the dataset chains whole permutations,
    one at a time (as torch).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        count = self.num_samples
        if not isinstance(count, int) or count <= 0:   # as torch, True passes as the int 1
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={count}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_chunks(self):
        n, count, rng = len(self.data_source), int(self.num_samples), _numpy_rng(self.generator)
        if self.replacement:
            whole, rest = divmod(count, _CHUNK)
            for _ in range(whole):
                yield rng.integers(0, n, size=_CHUNK)
            if rest:
                yield rng.integers(0, n, size=rest)
            return
        whole, rest = divmod(count, n)
        for _ in range(whole):
            yield rng.permutation(n)
        if rest:
            yield rng.permutation(n)[:rest]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_ArraySampler):
    """The given ``indices`` in a fresh random order every epoch."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _index_chunks(self):
        order = _numpy_rng(self.generator).permutation(len(self.indices))
        yield np.asarray(self.indices, dtype=np.int64)[order]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability ``weights[i] / sum(weights)`` (with
    ``replacement``, the default, an index can repeat), by ``tinygrad_edu.multinomial``."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        import tinygrad_edu as tg
        weights = tg.as_tensor(weights, dtype=tg.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights, self.num_samples = weights, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self):
        import tinygrad_edu as tg
        drawn = tg.multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from drawn.tolist()

    def __len__(self):
        return self.num_samples


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


def _batches_of(chunks, size, drop_last):
    """Index arrays of ``size`` cut from a stream of index arrays (the last shorter unless drop_last)."""
    pending, have = [], 0
    for chunk in chunks:
        while len(chunk):
            take = size - have
            pending.append(chunk[:take])
            have += len(pending[-1])
            chunk = chunk[take:]
            if have == size:
                yield pending[0] if len(pending) == 1 else np.concatenate(pending)
                pending, have = [], 0
    if have and not drop_last:
        yield pending[0] if len(pending) == 1 else np.concatenate(pending)
