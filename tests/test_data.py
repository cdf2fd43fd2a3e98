"""tinygrad_edu.utils.data against torch.utils.data (where installed) and against independent counting.

Expected sizes come from the documented formulas (ceil/floor, floor + round-robin remainder),
coverage and alignment from the sample values themselves (sample i holds the number i).
"""
import collections
import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                                     SequentialSampler, Subset, SubsetRandomSampler, TensorDataset,
                                     default_collate, default_convert, random_split)


def numbered(n, features=3):
    """x[i] = [i, i, ...] (float32), y[i] = i (int64): a batch tells which samples it holds."""
    x = np.repeat(np.arange(n, dtype=np.float32)[:, None], features, axis=1)
    return TensorDataset(tg.from_numpy(x), tg.from_numpy(np.arange(n, dtype=np.int64)))


def epoch_labels(loader):
    return np.concatenate([y.numpy() for _, y in loader])


# ----------------------------------------------------------------------------------- datasets
def test_tensor_dataset_samples_and_length():
    ds = numbered(7)
    x, y = ds[4]
    assert len(ds) == 7
    np.testing.assert_array_equal(x.numpy(), [4, 4, 4])
    assert y.item() == 4


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(tg.zeros(3, 2), tg.zeros(4))


def test_subset_concat_and_add():
    ds = numbered(10)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[1][1].item() == 2
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 13
    assert both[9][1].item() == 9 and both[10][1].item() == 7 and both[-1][1].item() == 5
    with pytest.raises(ValueError):
        both[-14]
    with pytest.raises(AssertionError):
        ConcatDataset([])


# ----------------------------------------------------------------------------------- batching
@pytest.mark.parametrize("n,batch_size,drop_last", [(103, 16, False), (103, 16, True), (96, 16, True), (5, 8, False), (5, 8, True)])
def test_batch_count_and_shapes(n, batch_size, drop_last):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last)
    expected = n // batch_size if drop_last else math.ceil(n / batch_size)
    batches = list(loader)
    assert len(loader) == len(batches) == expected
    sizes = [x.shape[0] for x, _ in batches]
    assert all(s == batch_size for s in sizes[:-1]) and sum(sizes) == (expected * batch_size if drop_last else n)
    for x, y in batches:
        assert x.shape[1:] == (3,) and x.dtype == tg.float32 and y.dtype == tg.int64
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy())    # rows stay aligned


def test_unshuffled_order_is_sequential():
    np.testing.assert_array_equal(epoch_labels(DataLoader(numbered(23), batch_size=4)), np.arange(23))


def test_shuffle_is_a_fresh_permutation_each_epoch():
    tg.manual_seed(0)
    loader = DataLoader(numbered(200), batch_size=32, shuffle=True)
    first, second = epoch_labels(loader), epoch_labels(loader)
    np.testing.assert_array_equal(np.sort(first), np.arange(200))
    np.testing.assert_array_equal(np.sort(second), np.arange(200))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(200))
    for x, y in loader:
        np.testing.assert_array_equal(x.numpy()[:, 0], y.numpy())


def test_shuffle_reproducible_under_manual_seed_and_generator():
    ds = numbered(50)
    tg.manual_seed(123)
    a = epoch_labels(DataLoader(ds, batch_size=8, shuffle=True))
    tg.manual_seed(123)
    b = epoch_labels(DataLoader(ds, batch_size=8, shuffle=True))
    np.testing.assert_array_equal(a, b)
    runs = [epoch_labels(DataLoader(ds, batch_size=8, shuffle=True, generator=tg.Generator().manual_seed(s)))
            for s in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_fast_path_matches_per_sample_collation():
    ds = numbered(37)
    fast = DataLoader(ds, batch_size=5, shuffle=True, generator=tg.Generator().manual_seed(3))
    slow = DataLoader(ds, batch_size=5, shuffle=True, generator=tg.Generator().manual_seed(3),
                      collate_fn=default_collate)
    assert fast._fast is not None and slow._fast is None
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype


def test_fast_batches_are_copies_not_views():
    ds = numbered(8)
    x, _ = next(iter(DataLoader(ds, batch_size=4)))
    x._data[...] = -1
    assert ds.tensors[0].numpy().min() == 0


def test_random_split_subsets_use_the_fast_path_and_cover_everything():
    train, test = random_split(numbered(40), [30, 10], generator=tg.Generator().manual_seed(0))
    loader = DataLoader(train, batch_size=7, shuffle=True)
    assert loader._fast is not None
    labels = epoch_labels(loader)
    np.testing.assert_array_equal(np.sort(labels), np.sort(train.indices))
    slow = [y.item() for _, y in DataLoader(test, batch_size=None)]
    assert slow == list(test.indices)


def test_batch_size_none_yields_single_samples():
    items = list(DataLoader(numbered(4), batch_size=None))
    assert len(items) == 4 and all(isinstance(s, list) and s[0].shape == (3,) for s in items)


def test_num_workers_runs_in_process():
    a = epoch_labels(DataLoader(numbered(20), batch_size=6, num_workers=2, pin_memory=True))
    np.testing.assert_array_equal(a, np.arange(20))


class DictDataset(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "label": i, "weight": i / 2, "name": f"s{i}"}


def test_custom_dataset_of_dicts():
    batches = list(DataLoader(DictDataset(), batch_size=4))
    assert len(batches) == 2
    first = batches[0]
    assert first["x"].shape == (4, 2) and first["x"].dtype == tg.float32
    assert first["label"].dtype == tg.int64 and first["label"].tolist() == [0, 1, 2, 3]
    assert first["weight"].dtype == tg.float64 and first["name"] == ["s0", "s1", "s2", "s3"]


# ----------------------------------------------------------------------------------- collate
def collate_cases():
    return {
        "floats": [1.5, 2.0, -3.25],
        "ints": [1, 2, 3],
        "bools": [True, False, True],
        "np_float32": [np.float32(1), np.float32(2)],
        "np_int32_arrays": [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
        "np_float64_arrays": [np.ones((2, 2)), np.zeros((2, 2))],
        "nested": [(1, (2.0, np.ones(2, np.float16))), (3, (4.0, np.zeros(2, np.float16)))],
        "dicts": [{"a": 1, "b": [0.5, np.int8(2)]}, {"a": 2, "b": [1.5, np.int8(3)]}],
    }


def leaves(batch):
    """(path, numpy array) for every tensor leaf, and the container types, in order."""
    if hasattr(batch, "numpy"):
        return [("", batch.numpy())]
    if isinstance(batch, dict):
        return [(f"{k}/{p}", a) for k in batch for p, a in leaves(batch[k])]
    return [(f"{i}/{p}", a) for i, b in enumerate(batch) for p, a in leaves(b)]


def skeleton(batch):
    """The container structure with every tensor replaced by the word 'tensor'."""
    if hasattr(batch, "numpy"):
        return "tensor"
    if isinstance(batch, dict):
        return type(batch).__name__, {k: skeleton(v) for k, v in batch.items()}
    return type(batch).__name__, [skeleton(b) for b in batch]


@pytest.mark.parametrize("case", sorted(collate_cases()))
def test_default_collate_matches_torch(case):
    import torch.utils.data as torch_data
    torch_collate = torch_data.default_collate
    batch = collate_cases()[case]
    ours, theirs = default_collate(batch), torch_collate(batch)
    assert skeleton(ours) == skeleton(theirs)
    ours_leaves, their_leaves = leaves(ours), leaves(theirs)
    assert [p for p, _ in ours_leaves] == [p for p, _ in their_leaves]
    for (_, a), (_, b) in zip(ours_leaves, their_leaves):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_default_collate_rules_without_torch():
    out = default_collate([(1, 2.5, "a"), (2, 3.5, "b")])
    assert isinstance(out, list)       # tuples come back as lists, as in torch
    assert out[0].dtype == tg.int64 and out[1].dtype == tg.float64 and out[2] == ["a", "b"]
    stacked = default_collate([tg.ones(2, 3), tg.zeros(2, 3)])
    assert stacked.shape == (2, 2, 3) and stacked.dtype == tg.float32
    Point = collections.namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]


def test_default_collate_errors():
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    with pytest.raises(TypeError):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([tg.ones(2), tg.ones(3)])


def test_default_convert():
    out = default_convert((np.float32(1), 2, "x", np.zeros(2)))
    assert isinstance(out, list) and out[1] == 2 and out[2] == "x"
    assert out[0].dtype == tg.float32 and out[3].dtype == tg.float64 and out[3].shape == (2,)


# ----------------------------------------------------------------------------------- random_split
def split_lengths(n, fractions):
    """torch's documented rule: floor(n * f) each, then +1 round-robin until the total is n."""
    counts = [math.floor(n * f) for f in fractions]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]),
                                       (7, [0.1, 0.2, 0.7]), (30, [1 / 3, 1 / 3, 1 / 3])])
def test_random_split_lengths_and_disjointness(n, lengths):
    parts = random_split(range(n), lengths, generator=tg.Generator().manual_seed(0))
    expected = lengths if isinstance(lengths[0], int) else split_lengths(n, lengths)
    assert [len(p) for p in parts] == expected
    seen = [i for p in parts for i in p]
    assert sorted(seen) == list(range(n))
    import torch as torch
    theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in theirs]


def test_random_split_reproducible_and_invalid():
    a = random_split(range(20), [5, 15], generator=tg.Generator().manual_seed(4))
    b = random_split(range(20), [5, 15], generator=tg.Generator().manual_seed(4))
    assert a[0].indices == b[0].indices
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 0"):
        random_split(range(10), [-0.5, 1.5])


# ----------------------------------------------------------------------------------- samplers
def test_samplers():
    ds = list(range(10))
    assert list(SequentialSampler(ds)) == ds
    assert sorted(RandomSampler(ds)) == ds
    drawn = list(RandomSampler(ds, replacement=True, num_samples=25))
    assert len(drawn) == 25 and set(drawn) <= set(ds)
    chained = list(RandomSampler(ds, num_samples=25))      # two whole permutations and 5 more
    assert sorted(chained[:10]) == ds and sorted(chained[10:20]) == ds and len(set(chained[20:])) == 5
    assert sorted(SubsetRandomSampler([3, 5, 9])) == [3, 5, 9]
    with pytest.raises(TypeError):
        RandomSampler(ds, replacement=1)
    with pytest.raises(ValueError):
        RandomSampler(ds, num_samples=0)


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (5, True), (20, False)])
def test_batch_sampler_matches_torch(batch_size, drop_last):
    ours = BatchSampler(range(10), batch_size, drop_last)
    expected = [list(range(i, min(i + batch_size, 10))) for i in range(0, 10, batch_size)]
    if drop_last:
        expected = [b for b in expected if len(b) == batch_size]
    assert list(ours) == expected and len(ours) == len(expected)
    import torch as torch
    assert list(torch.utils.data.BatchSampler(range(10), batch_size, drop_last)) == list(ours)


def test_custom_batch_sampler_and_sampler():
    ds = numbered(10)
    loader = DataLoader(ds, batch_sampler=[[0, 1], [5, 9, 2]])
    assert [y.tolist() for _, y in loader] == [[0, 1], [5, 9, 2]] and len(loader) == 2
    loader = DataLoader(ds, batch_size=4, sampler=[9, 8, 7, 6, 5])
    assert [y.tolist() for _, y in loader] == [[9, 8, 7, 6], [5]]


BAD_LOADER_ARGS = [
    dict(batch_size=0),
    dict(batch_size=-2),
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(drop_last="yes"),
]


@pytest.mark.parametrize("kwargs", BAD_LOADER_ARGS)
def test_invalid_loader_arguments(kwargs):
    with pytest.raises(ValueError):
        DataLoader(numbered(4), **kwargs)


@pytest.mark.parametrize("kwargs", BAD_LOADER_ARGS)
def test_invalid_loader_arguments_match_torch(kwargs):
    import torch as torch
    data = torch.utils.data.TensorDataset(torch.zeros(4, 3))
    with pytest.raises(ValueError):
        torch.utils.data.DataLoader(data, **kwargs)


@pytest.mark.parametrize("n,batch_size,drop_last", [(103, 16, False), (103, 16, True), (7, 1, False), (0, 4, False)])
def test_loader_length_matches_torch(n, batch_size, drop_last):
    import torch as torch
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(n, 2)),
                                         batch_size=batch_size, drop_last=drop_last)
    ours = DataLoader(TensorDataset(tg.zeros(n, 2)), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))
