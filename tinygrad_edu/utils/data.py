"""Datasets, samplers and the DataLoader: the equivalent of ``torch.utils.data``.

A *dataset* maps an index to a sample (``__getitem__``/``__len__``). A *sampler* yields the order in
which indices are visited in one epoch; a ``BatchSampler`` groups them into lists. The ``DataLoader``
fetches each group of samples and merges them with ``collate_fn`` into batch tensors.

Fast path (the lecture's training loop): for a ``TensorDataset`` (or a ``Subset`` of one, as made by
``random_split``) with the default sampler and collate function, a batch is built with ONE numpy
gather per tensor (``t._data.take(idx, 0)``) instead of indexing every sample and stacking them. The
epoch order is one numpy array (``arange`` or a permutation) drawn from
``tinygrad_edu.random.numpy_rng(generator)``, so ``tinygrad_edu.manual_seed`` makes shuffling
reproducible, and the slow path visits samples in exactly the same order.

The samplers live in ``_samplers.py`` and ``train_test_split`` (scikit-learn's, re-implemented) in
``split.py``; both are re-exported here.
"""
import bisect
import collections.abc
import itertools
import math
import numbers
import warnings

import numpy as np

import tinygrad_edu as _tg
from ._samplers import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler,
                        _numpy_rng)
from .split import train_test_split

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
           "default_collate", "default_convert", "DataLoader", "train_test_split"]


# ----------------------------------------------------------------------------------- datasets
class Dataset:
    """Map-style dataset (torch.utils.data.Dataset): subclasses define __getitem__ and __len__."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)`` (torch.utils.data.TensorDataset)."""

    def __init__(self, *tensors):
        sizes = [tuple(t.shape) for t in tensors]
        for shape in sizes:
            if len(shape) == 0:
                raise IndexError("dimension specified as 0 but tensor has no dimensions")
        if any(shape[0] != sizes[0][0] for shape in sizes):
            # torch raises AssertionError here; we keep the kind and add the shapes
            raise AssertionError(f"Size mismatch between tensors: first dimensions of shapes {sizes} differ")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _fetch_batch(self, idx):
        """The batch for an int64 index array: one gather per tensor, no per-sample loop."""
        wrap = _tg.Tensor._wrap
        # a tensor that requires grad goes through differentiable indexing, as torch's stack would;
        # otherwise take(idx, 0) gathers the rows (a[idx] is the same copy, but for 2-D and more
        # numpy's general fancy-indexing machinery makes it several times slower)
        return tuple([t[idx] if t.requires_grad else wrap(t._data.take(idx, 0)) for t in self.tensors])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (torch.utils.data.Subset)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        # used by the DataLoader to fetch a whole batch, as in torch
        inner = getattr(self.dataset, "__getitems__", None)
        if callable(inner):
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other (torch.utils.data.ConcatDataset)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        # cumulative_sizes[k] = number of samples in datasets[0..k]
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s (torch.utils.data.random_split).

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions summing to 1: each split
    gets ``floor(len * frac)`` samples and the remainder is handed out one by one, round-robin from
    the first split.
    """
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths {list(lengths)} sum to {sum(lengths)}, dataset has {n} samples)")
    order = _numpy_rng(generator).permutation(n).tolist()
    ends = list(itertools.accumulate(lengths))
    return [Subset(dataset, order[end - length:end]) for end, length in zip(ends, lengths)]


# ----------------------------------------------------------------------------------- collation
_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _is_text_array(x):
    return x.dtype.kind in "OUSV"   # object, unicode, bytes, void: nothing a tensor can hold


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _like(example, value):
    """``value`` rebuilt as ``type(example)`` when that type accepts it (as torch tries), else as is."""
    try:
        return type(example)(value)
    except TypeError:
        return value


def _stacked(arrays):
    """One batch tensor from equally shaped arrays (torch.stack's error when they are not)."""
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, but got shapes {sorted(shapes)}")
    return _tg.Tensor._wrap(np.stack(arrays))


def default_collate(batch):
    """Merge a list of samples into a batch (torch.utils.data.default_collate).

    Tensors and numpy arrays are stacked along a new first dimension (numpy dtypes are kept);
    Python ints -> int64, bools -> bool and floats -> float64 tensors (exactly torch's rule);
    strings stay a list; dicts, namedtuples, tuples and lists are collated field by field
    (tuples come back as lists, as in torch).
    """
    elem = batch[0]
    if isinstance(elem, _tg.Tensor):
        if any(t.requires_grad for t in batch):
            return _tg.stack(list(batch), 0)     # keep the graph, like torch.stack
        return _stacked([t._data for t in batch])
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        if _is_text_array(np.asarray(elem)):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stacked([np.asarray(b) for b in batch])
    if isinstance(elem, float):
        return _tg.tensor(batch, dtype=_tg.float64)
    if isinstance(elem, numbers.Integral):       # includes bool: torch.tensor infers bool/int64
        return _tg.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _like(elem, {key: default_collate([sample[key] for sample in batch]) for key in elem})
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _like(elem, fields)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Convert one un-batched sample (batch_size=None): numpy arrays/scalars -> tensors, recursively.

    Like torch.utils.data.default_convert: arrays share memory with the result, Python numbers and
    strings are left alone, tuples become lists.
    """
    if isinstance(data, _tg.Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        return data if _is_text_array(np.asarray(data)) else _tg.Tensor._wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _like(data, {key: default_convert(value) for key, value in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _like(data, [default_convert(d) for d in data])
    return data


# ----------------------------------------------------------------------------------- DataLoader
def _fast_fetcher(dataset):
    """A function index-array -> batch for datasets that support one-shot batches, else None."""
    getitem = getattr(type(dataset), "__getitem__", None)
    if getitem is TensorDataset.__getitem__ and all(
            isinstance(t, _tg.Tensor) for t in dataset.tensors):
        return dataset._fetch_batch
    if getitem is Subset.__getitem__ and type(dataset).__getitems__ is Subset.__getitems__:
        inner = _fast_fetcher(dataset.dataset)
        if inner is not None:
            indices = dataset.indices
            positions = np.asarray(indices._data if isinstance(indices, _tg.Tensor) else indices, dtype=np.int64)
            return lambda idx: inner(positions[idx])
    return None


class DataLoader:
    """Iterate over a dataset in (shuffled) mini-batches (torch.utils.data.DataLoader).

    ``len(loader)`` is the number of batches: ``ceil(N / batch_size)``, or ``floor`` with
    ``drop_last``. Every ``iter(loader)`` starts a new epoch (a new permutation when shuffling).
    ``num_workers > 0`` is accepted and runs in-process; ``pin_memory`` and the other
    multiprocessing options are accepted and ignored (CPU only).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        own_sampler = sampler is None
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        own_batches = batch_sampler is None and batch_size is not None
        if own_batches:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._auto_collation = batch_sampler is not None
        default_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = default_fn if collate_fn is None else collate_fn
        # the one-gather path is only valid when nothing user-defined sits between indices and batch
        known_sampler = own_sampler or type(sampler) in (SequentialSampler, RandomSampler, SubsetRandomSampler)
        self._fast = (_fast_fetcher(dataset) if own_batches and collate_fn is None and known_sampler
                      else None)

    def __len__(self):
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self):
        if self._fast is not None:
            # the epoch's order is drawn now, when the iterator is created, as torch does
            return self._iter_fast(self.sampler._index_array())
        return self._iter_generic()

    def _iter_fast(self, order):
        size, fetch = self.batch_size, self._fast
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield fetch(order[start:start + size])

    def _iter_generic(self):
        dataset, collate = self.dataset, self.collate_fn
        if not self._auto_collation:
            for index in self.sampler:
                yield collate(dataset[index])
            return
        many = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = many(indices) if callable(many) else [dataset[i] for i in indices]
            yield collate(samples)
