"""Integers mixed with advanced indices follow torch's rule, not numpy's (issue 11 item 2): torch
selects at the integers first, then applies the advanced index to what remains. Values, shapes,
gradients and assignment are compared with real torch."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg

CASES = {
    "issue: x[0, :, [4, 0]]": ((1, 2, 5), lambda x: x[0, :, [4, 0]]),
    "issue: x[0, :, [-1]]": ((1, 3, 1), lambda x: x[0, :, [-1]]),
    "int between arrays": ((3, 4, 5, 6), lambda x: x[:, [0, 1], 0, [0, 1]]),
    "array then int": ((3, 4, 5), lambda x: x[[0, 2], 1]),
    "int, array, slice": ((3, 4, 5), lambda x: x[1, [0, 2], 1:3]),
    "ellipsis, int, array": ((3, 4, 5), lambda x: x[..., 0, [1, 2]]),
    "array, slice, int": ((3, 4, 5), lambda x: x[[1], :, 2]),
    "int, None, array": ((3, 4, 5), lambda x: x[1, None, [0, 1]]),
    "bool mask then int": ((3, 4), lambda x: x[np.array([True, False, True]), 1]),
    "int, 2-d array, array": ((2, 3, 4), lambda x: x[1, [[0], [2]], [1, 3]]),
    "repeated rows": ((3, 4, 5), lambda x: x[[0, 0, 2], 1, [1, 1, 3]]),
    "tensor indices": ((3, 4, 5), lambda x: x[1, :, _index(x, [3, 0])]),
}


def _index(x, values):
    return (torch if isinstance(x, torch.Tensor) else tg).tensor(values)


@pytest.mark.parametrize("name", list(CASES))
def test_reading_matches_torch_values_shape_and_gradient(name):
    shape, read = CASES[name]
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    ours, theirs = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, ref = read(ours), read(theirs)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    g = np.random.default_rng(0).standard_normal(tuple(ref.shape))
    out.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("name", [n for n in CASES if "repeated" not in n and "tensor" not in n])
def test_assignment_matches_torch_with_and_without_a_graph(name):
    shape, read = CASES[name]
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    ref_shape = tuple(read(torch.tensor(a)).shape)
    v = np.random.default_rng(1).standard_normal(ref_shape)
    theirs = torch.tensor(a)
    _assign(theirs, read, torch.tensor(v))
    plain = tg.tensor(a)  # no graph: written straight into the array
    _assign(plain, read, tg.tensor(v))
    np.testing.assert_array_equal(plain.numpy(), theirs.numpy())
    base, vt = tg.tensor(a, requires_grad=True), tg.tensor(v, requires_grad=True)
    base_t, vt_t = torch.tensor(a, requires_grad=True), torch.tensor(v, requires_grad=True)
    y, y_t = base * 1.0, base_t * 1.0  # in-place on a non-leaf records IndexPut
    _assign(y, read, vt)
    _assign(y_t, read, vt_t)
    np.testing.assert_array_equal(y.detach().numpy(), y_t.detach().numpy())
    w = np.random.default_rng(2).standard_normal(shape)
    (y * tg.tensor(w)).sum().backward()
    (y_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(base.grad.numpy(), base_t.grad.numpy())
    np.testing.assert_allclose(vt.grad.numpy(), vt_t.grad.numpy())


def _assign(x, read, value):
    """x[the index that `read` uses] = value, by replaying read's index on a recorder."""
    class Recorder:
        def __getitem__(self, index):
            return index
    index = read(Recorder())
    if isinstance(index, tuple):
        index = tuple(_index(x, i.tolist()) if isinstance(i, np.ndarray) and i.dtype != bool else i for i in index)
    x[index] = value


@pytest.mark.parametrize("index", [(slice(None), slice(None, None, -1)), slice(None, None, 0), slice(2, 0, -2)])
def test_steps_below_one_are_refused_as_torch(index):
    with pytest.raises(ValueError) as theirs:
        torch.zeros(3, 3)[index]
    with pytest.raises(ValueError) as ours:
        tg.zeros(3, 3)[index]
    assert str(ours.value) == str(theirs.value)
