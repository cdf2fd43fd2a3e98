"""The DataLoader (torch.utils.data.dataloader): fetch each group of indices a sampler yields and
merge the samples with ``collate_fn`` into batch tensors.

Fast path (the lecture's training loop): for a ``TensorDataset`` (or a ``Subset`` of one, as made by
``random_split``) with a built-in sampler and the default collate function, a batch is built with
ONE numpy gather per tensor (``t._data.take(idx, 0)``) instead of indexing every sample and
stacking them. The batches are cut from the sampler's own stream of index arrays
(``sampler._index_chunks()``, drawn from ``tinygrad_edu.random.numpy_rng(generator)``), so
``tinygrad_edu.manual_seed`` makes shuffling reproducible and the slow path visits samples in
exactly the same order.

Workers: there is no multiprocessing here. ``num_workers=k`` and the worker options are checked as
torch checks them, then every batch is loaded in the main process, in order: the same batches in
the same order as ``num_workers=0``.
"""
import itertools
import multiprocessing
import os
import warnings

import numpy as np

import tinygrad_edu as _tg
from ._collate import default_collate, default_convert
from .dataset import Subset, TensorDataset
from .sampler import (BatchSampler, RandomSampler, SequentialSampler, SubsetRandomSampler,
                      _batches_of)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


def get_worker_info():
    """torch.utils.data.get_worker_info: None, as in torch's main process (no worker runs here)."""
    return None


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


def _checked_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    """torch's checks of the worker options; returns prefetch_factor (2 by default with workers)."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                         "to enable multiprocessing, otherwise set prefetch_factor to None.")
    if num_workers > 0 and prefetch_factor is None:
        prefetch_factor = 2
    elif prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    return prefetch_factor


def _checked_context(context, num_workers):
    """A multiprocessing start method (name or context) as torch accepts it, as a context object."""
    if context is None:
        return None
    if not num_workers > 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(context, str):
        methods = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(f"multiprocessing_context option should specify a valid start method in {methods!r}, "
                             f"but got multiprocessing_context={context!r}")
        context = multiprocessing.get_context(context)
    if not isinstance(context, multiprocessing.context.BaseContext):
        raise TypeError("multiprocessing_context option should be a valid context object or a string specifying "
                        f"the start method, but got multiprocessing_context={context}")
    return context


def _warn_if_many_workers(num_workers):
    """torch's warning when more workers are asked for than the CPUs this process may use."""
    if not num_workers:
        return
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cpus is None or num_workers > cpus:
        suggestion = ("DataLoader is not able to compute a suggested max number of worker in current system."
                      if cpus is None else
                      f"Our suggested max number of worker in current system is {cpus}"
                      f"{'' if hasattr(os, 'sched_getaffinity') else ' (`cpuset` is not taken into account)'}, "
                      "which is smaller than what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {num_workers} worker processes in total. {suggestion} Please "
                      "be aware that excessive worker creation might get DataLoader running slow or even freeze, "
                      "lower the worker number to avoid potential slowness/freeze if necessary.", stacklevel=3)


class DataLoader:
    """Iterate over a dataset in (shuffled) mini-batches (torch.utils.data.DataLoader).

    ``len(loader)`` is the number of batches: ``ceil(N / batch_size)``, or ``floor`` with
    ``drop_last``. Every ``iter(loader)`` starts a new epoch (a new permutation when shuffling).

    ``num_workers``: accepted and checked as in torch, but there are no worker processes: batches
    are loaded in the main process, so ``num_workers=k`` gives the same batches in the same order
    as ``num_workers=0``. ``prefetch_factor`` (2 by default with workers), ``persistent_workers``,
    ``timeout``, ``multiprocessing_context`` (a start-method name becomes its context object) and
    ``in_order`` are checked and stored the same way and have no further effect;
    ``worker_init_fn`` is stored and never called (no worker starts), and ``get_worker_info()`` is
    None, as in torch's main process. ``pin_memory=True`` warns, as torch does without an
    accelerator, and loads ordinary CPU tensors.
    """

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True):
        prefetch_factor = _checked_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
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
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._auto_collation = batch_sampler is not None
        default_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = default_fn if collate_fn is None else collate_fn
        # the one-gather path is only valid when nothing user-defined sits between indices and batch
        known_sampler = own_sampler or type(sampler) in (SequentialSampler, RandomSampler, SubsetRandomSampler)
        self._fast = (_fast_fetcher(dataset) if own_batches and collate_fn is None and known_sampler
                      else None)
        self._initialized = True
        _warn_if_many_workers(num_workers)

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        self._multiprocessing_context = _checked_context(context, self.num_workers)

    def __setattr__(self, name, value):
        if self._initialized and name in self._FROZEN:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def __len__(self):
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self):
        if self.pin_memory:
            if self.pin_memory_device:
                warnings.warn("pin_memory_device is deprecated, the current accelerator will be used as the "
                              f"device,ignore pin_memory_device='{self.pin_memory_device}'.", stacklevel=2)
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device "
                          "pinned memory won't be used.", stacklevel=2)
        if self._fast is not None:
            chunks = self.sampler._index_chunks()
            first = next(chunks, None)  # the epoch's first draw happens now, when the iterator is made
            return self._iter_fast(chunks if first is None else itertools.chain((first,), chunks))
        return self._iter_generic()

    def _iter_fast(self, chunks):
        fetch = self._fast
        for idx in _batches_of(chunks, self.batch_size, self.drop_last):
            yield fetch(idx)

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
