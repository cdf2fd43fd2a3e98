"""default_collate and the DataLoader keep float64 precision, as torch's (issue 11 item 1).

torch's default_collate turns a batch of Python floats into a float64 tensor, converting each
number once; a batch starting with an int goes through torch.tensor's inference instead. Compared
side by side with torch.utils.data.default_collate.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils.data import DataLoader, Dataset, default_collate

BATCHES = {
    "floats": [0.72, 1e300, 1e-300, 16777217.0, -0.1],
    "float_then_int": [2.5, 1, 3],
    "int_then_float": [1, 2.5],
    "ints": [1, 2 ** 40, -3],
    "bools": [True, False],
    "np_float64": [np.float64(0.72), np.float64(1e-300)],
    "np_float32": [np.float32(0.72), np.float32(2.0)],
    "tuples": [(0.72, 1), (1e-300, 2)],
    "dicts": [{"w": 0.72, "n": 1}, {"w": 16777217.0, "n": 2}],
    "nested_lists": [[0.72, 0.1], [0.2, 1e300]],
}


def _as_numpy(batch):
    if isinstance(batch, dict):
        return {k: _as_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [_as_numpy(v) for v in batch]
    return (str(batch.dtype).split(".")[-1], batch.numpy())


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_collate_python_numbers_like_torch(torch_ref, name):
    from torch.utils.data import default_collate as torch_collate
    ours, theirs = _as_numpy(default_collate(BATCHES[name])), _as_numpy(torch_collate(BATCHES[name]))

    def same(a, b):
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a[0] == b[0] and a[1].shape == b[1].shape and np.array_equal(a[1], b[1])
    assert same(ours, theirs), f"ours {ours}\ntorch {theirs}"


def test_dataloader_batches_of_python_floats_are_exact():
    values = np.random.default_rng(0).standard_normal(10).tolist()

    class Floats(Dataset):
        def __len__(self):
            return len(values)

        def __getitem__(self, i):
            return values[i], i

    batches = list(DataLoader(Floats(), batch_size=4))
    got = np.concatenate([b[0].numpy() for b in batches])
    assert batches[0][0].dtype == tg.float64 and batches[0][1].dtype == tg.int64
    assert np.array_equal(got, np.array(values))
