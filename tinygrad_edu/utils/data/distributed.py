"""DistributedSampler (torch.utils.data.distributed): each of ``num_replicas`` processes sees its own
share of the dataset. tinygrad_edu has no process group, so ``num_replicas`` and ``rank`` must be
given (without them torch's error for an uninitialised default group is raised)."""
import math

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]

_NO_GROUP = "Default process group has not been initialized, please make sure to call init_process_group."


class DistributedSampler(Sampler):
    """Replica ``rank`` gets every ``num_replicas``-th index of the epoch's order, starting at ``rank``.

    The order is ``range(len(dataset))``, or with ``shuffle`` a permutation seeded by
    ``seed + epoch`` (call ``set_epoch`` each epoch); it is padded by repeating its start until all
    replicas get the same count, or with ``drop_last`` cut to a multiple of ``num_replicas``.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            raise ValueError(_NO_GROUP)
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            from tinygrad_edu.random import Generator, numpy_rng
            order = numpy_rng(Generator().manual_seed(self.seed + self.epoch)).permutation(n)
        else:
            order = np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:
            order = np.resize(order, self.total_size)   # repeats the order from its start
        return iter(order[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch seeds the shuffle, so every epoch (and every replica alike) gets a new order."""
        self.epoch = epoch
