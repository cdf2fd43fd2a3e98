"""torch.utils.data's submodules (dataloader, dataset, sampler, distributed), the lazy RandomSampler
with replacement, WeightedRandomSampler, DistributedSampler, and the DataLoader's worker options,
each side by side with real torch (exception classes and messages, lengths, batches)."""
import importlib
import time
import tracemalloc
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.utils.data as ours_data

import torch
import torch.utils.data as torch_data  # noqa: E402

SUBMODULE_NAMES = {
    "dataloader": ["DataLoader", "default_collate", "default_convert", "get_worker_info"],
    "dataset": ["Dataset", "TensorDataset", "Subset", "random_split", "ConcatDataset"],
    "sampler": ["Sampler", "RandomSampler", "SequentialSampler", "BatchSampler", "SubsetRandomSampler",
                "WeightedRandomSampler"],
    "distributed": ["DistributedSampler"],
}


def outcome(fn):
    """('ok', result) or (exception class name, message)."""
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001  (class and message are what we compare)
        return (type(e).__name__, str(e))


class Numbers(torch_data.Dataset):
    """Sample i is i (a plain Python dataset, usable by both loaders: torch's default_collate and
    ours turn a list of ints into an int64 tensor)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


# ---- the submodules ---------------------------------------------------------------------------------
@pytest.mark.parametrize("sub", sorted(SUBMODULE_NAMES))
def test_submodule_imports_as_in_torch(sub):
    mine = importlib.import_module(f"tinygrad_edu.utils.data.{sub}")
    theirs = importlib.import_module(f"torch.utils.data.{sub}")
    for name in SUBMODULE_NAMES[sub]:
        assert hasattr(theirs, name), name  # the names are torch's
        # the submodule's object is the package's, as in torch
        assert getattr(mine, name) is getattr(ours_data, name), name
        assert (getattr(theirs, name) is getattr(torch_data, name)) == (getattr(mine, name) is getattr(ours_data, name))
    assert set(mine.__all__) <= set(theirs.__all__)


def test_from_import_forms_and_package_attribute():
    from tinygrad_edu.utils.data.dataloader import DataLoader
    from tinygrad_edu.utils.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split  # noqa: F401
    from tinygrad_edu.utils.data.sampler import BatchSampler, RandomSampler, WeightedRandomSampler  # noqa: F401
    from tinygrad_edu.utils import data
    assert data is ours_data and data.DataLoader is DataLoader
    assert tg.utils.data is ours_data


def test_get_worker_info_is_none_in_the_main_process():
    assert ours_data.get_worker_info() is None and torch_data.get_worker_info() is None


# ---- RandomSampler ------------------------------------------------------------------------------------
RANDOM_SAMPLER_ARGS = [dict(replacement=1), dict(replacement="yes"), dict(replacement=None),
                       dict(num_samples=0), dict(num_samples=-3), dict(num_samples=2.5),
                       dict(num_samples=1e10), dict(num_samples="4"), dict(num_samples=True),
                       dict(replacement=True, num_samples=0), dict(replacement=False, num_samples=25)]


@pytest.mark.parametrize("kwargs", RANDOM_SAMPLER_ARGS)
def test_random_sampler_checks_match_torch(kwargs):
    def make(lib):
        return lambda: len(lib.utils.data.RandomSampler(range(10), **kwargs))
    assert outcome(make(tg)) == outcome(make(torch))


def test_random_sampler_huge_num_samples_is_lazy():
    n = int(1e10)
    start = time.perf_counter()
    tracemalloc.start()
    try:
        sampler = ours_data.RandomSampler(range(10), replacement=True, num_samples=n)
        it = iter(sampler)
        first = [next(it) for _ in range(1000)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 1 << 20  # far from the 80 GB of 1e10 int64 indices
    assert len(sampler) == len(torch_data.RandomSampler(range(10), replacement=True, num_samples=n)) == n
    assert all(0 <= i < 10 for i in first) and all(type(i) is int for i in first)


@pytest.mark.parametrize("count", [1, 31, 32, 33, 1023, 1024, 1025, 2100])
def test_random_sampler_with_replacement_draws_exactly_num_samples(count):
    mine = list(ours_data.RandomSampler(range(7), replacement=True, num_samples=count))
    theirs = list(torch_data.RandomSampler(range(7), replacement=True, num_samples=count))
    assert len(mine) == len(theirs) == count
    assert set(mine) <= set(range(7))


def test_random_sampler_without_replacement_chains_permutations():
    n, count = 6, 15
    for lib in (ours_data, torch_data):
        order = list(lib.RandomSampler(range(n), num_samples=count))
        assert len(order) == count
        assert sorted(order[:n]) == sorted(order[n:2 * n]) == list(range(n))
        assert len(set(order[2 * n:])) == count - 2 * n


def test_loader_over_huge_sampler_mingpt_idiom():
    """minGPT's trainer: RandomSampler(replacement=True, num_samples=int(1e10)) in a DataLoader."""
    n = int(1e10)

    def loader(lib, dataset):
        d = lib.utils.data
        return d.DataLoader(dataset, sampler=d.RandomSampler(dataset, replacement=True, num_samples=n),
                            shuffle=False, pin_memory=False, batch_size=4, num_workers=0)
    ds_ours = ours_data.TensorDataset(tg.arange(10))
    theirs = loader(torch, Numbers(10))
    for mine in (loader(tg, Numbers(10)), loader(tg, ds_ours)):  # generic and one-gather paths
        start = time.perf_counter()
        batches = iter(mine)
        first = [next(batches) for _ in range(3)]
        assert time.perf_counter() - start < 2.0
        assert len(mine) == len(theirs) == n // 4
        for batch in first:
            got = batch[0] if type(mine.dataset) is ours_data.TensorDataset else batch
            assert got.shape == (4,) and str(got.dtype) == "tinygrad_edu.int64"


def test_tensor_dataset_batches_are_lists_as_torch():
    for shuffle in (False, True):  # our one-gather path and torch's collated tuples
        mine = next(iter(ours_data.DataLoader(ours_data.TensorDataset(tg.arange(5)), 2, shuffle)))
        theirs = next(iter(torch_data.DataLoader(torch_data.TensorDataset(torch.arange(5)), 2, shuffle)))
        assert type(mine) is type(theirs) is list and len(mine) == len(theirs) == 1


@pytest.mark.parametrize("batch_size,drop_last", [(50, False), (50, True), (32, False), (7, True)])
def test_fast_and_generic_paths_visit_the_same_indices(batch_size, drop_last):
    ds = ours_data.TensorDataset(tg.arange(13))
    sampler = ours_data.RandomSampler(ds, replacement=True, num_samples=2111)  # crosses chunks
    runs = []
    for collate in (None, ours_data.default_collate):  # a given collate_fn takes the generic path
        tg.manual_seed(5)
        loader = ours_data.DataLoader(ds, batch_size=batch_size, sampler=sampler, drop_last=drop_last,
                                      collate_fn=collate)
        runs.append([b[0].tolist() for b in loader])
        assert len(runs[-1]) == len(loader)
    assert runs[0] == runs[1]
    sizes = [len(b) for b in runs[0]]
    assert sum(sizes) == (2111 // batch_size * batch_size if drop_last else 2111)


# ---- WeightedRandomSampler ------------------------------------------------------------------------------
WEIGHTED_ARGS = [([1.0, 2.0], 0, True), ([1.0, 2.0], True, True), ([1.0, 2.0], 2.0, True),
                 ([1.0, 2.0], 3, 1), ([[1.0, 2.0]], 3, True), ([1.0, 0.0, 3.0], 5, True)]


@pytest.mark.parametrize("weights,count,replacement", WEIGHTED_ARGS)
def test_weighted_sampler_checks_match_torch(weights, count, replacement):
    def make(lib):
        return lambda: len(lib.utils.data.WeightedRandomSampler(weights, count, replacement))
    assert outcome(make(tg)) == outcome(make(torch))


def test_weighted_sampler_draws():
    weights = [0.0, 1.0, 3.0, 0.0, 2.0]
    for lib in (ours_data, torch_data):
        drawn = list(lib.WeightedRandomSampler(weights, 200))
        assert len(drawn) == 200 and set(drawn) <= {1, 2, 4}
        distinct = list(lib.WeightedRandomSampler(weights, 3, replacement=False))
        assert sorted(distinct) == [1, 2, 4]
    tg.manual_seed(0)
    counts = np.bincount(list(ours_data.WeightedRandomSampler(weights, 6000)), minlength=5) / 6000
    np.testing.assert_allclose(counts, np.array(weights) / 6, atol=0.03)


# ---- DistributedSampler --------------------------------------------------------------------------------
@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, False)])
def test_distributed_sampler_unshuffled_equals_torch(n, replicas, drop_last):
    for rank in range(replicas):
        mine = ours_data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = torch_data.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(mine) == list(theirs) and len(mine) == len(theirs)
        assert (mine.num_samples, mine.total_size) == (theirs.num_samples, theirs.total_size)


def test_distributed_sampler_shuffle_partitions_and_follows_the_epoch():
    def epoch(e):
        parts = []
        for rank in range(3):
            s = ours_data.DistributedSampler(range(12), 3, rank, seed=7)
            s.set_epoch(e)
            parts.append(list(s))
        return parts
    parts = epoch(0)
    assert sorted(sum(parts, [])) == list(range(12))
    assert epoch(0) == parts and epoch(1) != parts


@pytest.mark.parametrize("kwargs", [dict(), dict(num_replicas=2), dict(num_replicas=2, rank=2),
                                    dict(num_replicas=2, rank=-1)])
def test_distributed_sampler_errors_match_torch(kwargs):
    def make(lib):
        return lambda: len(lib.utils.data.distributed.DistributedSampler(range(8), **kwargs))
    assert outcome(make(tg)) == outcome(make(torch))


# ---- DataLoader worker options ---------------------------------------------------------------------------
LOADER_OPTIONS = [dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
                  dict(num_workers=2, prefetch_factor=-1), dict(persistent_workers=True),
                  dict(multiprocessing_context="fork"), dict(num_workers=1, multiprocessing_context="bogus"),
                  dict(num_workers=1, multiprocessing_context=5),
                  dict(num_workers=2, prefetch_factor=0), dict(num_workers=2, persistent_workers=True)]


@pytest.mark.parametrize("kwargs", LOADER_OPTIONS)
def test_loader_worker_option_checks_match_torch(kwargs):
    def make(lib):
        return lambda: lib.utils.data.DataLoader(Numbers(6), **kwargs).prefetch_factor
    assert outcome(make(tg)) == outcome(make(torch))


def test_loader_options_are_stored_as_torch_stores_them():
    init = []
    kwargs = dict(batch_size=2, num_workers=2, timeout=3.0, worker_init_fn=init.append,
                  multiprocessing_context="fork", persistent_workers=True, pin_memory=False)
    mine, theirs = ours_data.DataLoader(Numbers(6), **kwargs), torch_data.DataLoader(Numbers(6), **kwargs)
    for name in ("num_workers", "timeout", "prefetch_factor", "persistent_workers", "pin_memory", "in_order"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert type(mine.multiprocessing_context) is type(theirs.multiprocessing_context)
    assert mine.worker_init_fn == init.append
    # the workers' batches, in order, equal the single-process ones (torch forks real workers here)
    expected = [b.tolist() for b in torch_data.DataLoader(Numbers(6), batch_size=2)]
    assert [b.tolist() for b in mine] == [b.tolist() for b in theirs] == expected
    assert init == []  # torch runs worker_init_fn in the workers, never in this process


@pytest.mark.parametrize("name", ["batch_size", "sampler", "batch_sampler", "drop_last", "dataset",
                                  "persistent_workers"])
def test_loader_attributes_frozen_after_init(name):
    def make(lib):
        def set_it():
            loader = lib.utils.data.DataLoader(Numbers(6))
            setattr(loader, name, None)
        return set_it
    assert outcome(make(tg)) == outcome(make(torch))
    loader = ours_data.DataLoader(Numbers(6))
    loader.num_workers = 3  # not frozen, as in torch
    assert loader.num_workers == 3


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(w.category, str(w.message)) for w in caught]


def test_loader_warnings_match_torch():
    for kwargs in (dict(num_workers=64), dict(pin_memory=True), dict(pin_memory=True, pin_memory_device="cpu")):
        def run(lib):
            return lambda: list(lib.utils.data.DataLoader(Numbers(4), **kwargs)) if "pin_memory" in kwargs \
                else lib.utils.data.DataLoader(Numbers(4), **kwargs)
        mine, theirs = _warnings_of(run(tg)), _warnings_of(run(torch))
        assert mine == theirs and mine, kwargs


@pytest.mark.parametrize("shuffle", [False, True])
def test_num_workers_gives_the_same_batches_as_none(shuffle):
    ds = ours_data.TensorDataset(tg.arange(20), tg.arange(20) * 2)
    runs = []
    for workers in (0, 2):
        tg.manual_seed(11)
        loader = ours_data.DataLoader(ds, batch_size=6, shuffle=shuffle, num_workers=workers)  # 2 CPUs here
        runs.append([[t.tolist() for t in batch] for batch in loader])
    assert runs[0] == runs[1]
    assert "num_workers" in ours_data.DataLoader.__doc__


def test_default_shuffle_is_none_as_torch():
    import inspect
    ours = inspect.signature(ours_data.DataLoader).parameters
    theirs = inspect.signature(torch_data.DataLoader).parameters
    assert list(ours) == list(theirs)
    assert {k: p.default for k, p in ours.items()} == {k: p.default for k, p in theirs.items()}
