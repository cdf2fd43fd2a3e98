"""Datasets (torch.utils.data.dataset): a *dataset* maps an index to a sample (``__getitem__`` and
``__len__``). ``TensorDataset`` (and a ``Subset`` of one, as ``random_split`` makes) can also hand
the DataLoader a whole batch with one numpy gather per tensor (``_fetch_batch``)."""
import bisect
import itertools
import math
import warnings

import tinygrad_edu as _tg
from .sampler import _numpy_rng

__all__ = ["ConcatDataset", "Dataset", "Subset", "TensorDataset", "random_split"]


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
        """The batch for an int64 index array: one gather per tensor, no per-sample loop. A list, as
        default_collate makes of tuple samples (torch's DataLoader yields a list here too)."""
        wrap = _tg.Tensor._wrap
        # a tensor that requires grad goes through differentiable indexing, as torch's stack would;
        # otherwise take(idx, 0) gathers the rows (a[idx] is the same copy, but for 2-D and more
        # numpy's general fancy-indexing machinery makes it several times slower)
        return [t[idx] if t.requires_grad else wrap(t._data.take(idx, 0)) for t in self.tensors]


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

