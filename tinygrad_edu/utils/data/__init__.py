"""Datasets, samplers and the DataLoader: the equivalent of ``torch.utils.data``.

A *dataset* maps an index to a sample (``__getitem__``/``__len__``). A *sampler* yields the order in
which indices are visited in one epoch; a ``BatchSampler`` groups them into lists. The ``DataLoader``
fetches each group of samples and merges them with ``collate_fn`` into batch tensors.

As in torch, the pieces live in submodules that scripts may import directly:

* ``tinygrad_edu.utils.data.dataset``: Dataset, TensorDataset, Subset, ConcatDataset, random_split
* ``tinygrad_edu.utils.data.sampler``: Sampler, SequentialSampler, RandomSampler,
  SubsetRandomSampler, WeightedRandomSampler, BatchSampler
* ``tinygrad_edu.utils.data.dataloader``: DataLoader, default_collate, default_convert,
  get_worker_info
* ``tinygrad_edu.utils.data.distributed``: DistributedSampler

``train_test_split`` (scikit-learn's, re-implemented in ``tinygrad_edu.utils.split``) is re-exported
here as well.
"""
from ._collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from ..split import train_test_split

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler", "DistributedSampler", "default_collate", "default_convert", "DataLoader",
           "get_worker_info", "train_test_split"]
