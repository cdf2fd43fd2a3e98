"""torch.sort / argsort / topk (issue 12): values, indices, dtypes, grad_fn names and gradients against
real torch; NaN is the largest value, ties keep their original order; torch's refusals."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_edu as tg
from _issue12_helpers import compare, gradchecks, same_error

RNG = np.random.RandomState(12)
NAN = float("nan")


def _distinct(shape, dtype=np.float32):
    """Values without ties (a permutation scaled), so that every library's order is the same."""
    n = int(np.prod(shape))
    return (RNG.permutation(n).reshape(shape) * 0.5 - n / 4).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_values_indices_gradient(dtype, dim, descending):
    compare(lambda L, x: L.sort(x, dim, descending), _distinct((3, 4), dtype))
    compare(lambda L, x: x.sort(dim=dim, descending=descending), _distinct((3, 4), dtype))


@pytest.mark.parametrize("stable", [False, True])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_ties_and_nan_order(stable, descending):
    x = np.array([[1, 3, 3, 2, NAN, 3, NAN, -0.0, 0.0], [2, 2, 2, 1, 1, 1, 5, 5, NAN]], np.float32)
    compare(lambda L, x: L.sort(x, dim=-1, descending=descending, stable=stable), x)
    compare(lambda L, x: L.argsort(x, dim=1, descending=descending, stable=stable), x, grad=False)
    compare(lambda L, x: L.argsort(x, 1, descending), x, grad=False)


def test_sort_keyword_forms_and_repr():
    x = _distinct((2, 5))
    compare(lambda L, x: L.sort(x, stable=True, dim=0), x)  # SortBackward1
    compare(lambda L, x: L.sort(x, descending=True), x)
    ours = tg.sort(tg.tensor([2.0, 1.0]))
    assert ours.values is ours[0] and ours.indices is ours[1]
    assert repr(ours).startswith("tinygrad_edu.return_types.sort(\nvalues=tensor([1., 2.])")
    assert type(ours).__name__ == type(torch.sort(torch.tensor([2.0, 1.0]))).__name__ == "sort"


@pytest.mark.parametrize("array", [np.array(1.5, np.float32), np.zeros((0, 3), np.float32),
                                   np.ones((1, 1), np.float64)], ids=["0d", "empty", "size1"])
def test_sort_edge_shapes(array):
    compare(lambda L, x: L.sort(x), array)
    compare(lambda L, x: L.sort(x, 0, True), array)
    compare(lambda L, x: L.argsort(x), array, grad=False)
    compare(lambda L, x: L.topk(x, min(1, x.shape[-1] if x.dim() else 1)), array)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float16])
def test_sort_other_dtypes(dtype):
    x = RNG.randint(0, 3, (3, 5)).astype(dtype)
    compare(lambda L, x: L.sort(x, dim=1, stable=True), x, grad=False)
    compare(lambda L, x: L.sort(x, dim=0, descending=True, stable=True), x, grad=False)
    compare(lambda L, x: L.argsort(x, dim=0, stable=True), x, grad=False)


def test_sort_non_contiguous():
    compare(lambda L, x: L.sort(x, 0), _distinct((4, 3)), noncontig=lambda t: t.transpose(0, 1))
    compare(lambda L, x: L.topk(x, 2, 0), _distinct((4, 6)), noncontig=lambda t: t[:, ::2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k,dim", [(2, -1), (3, 0), (0, 1), (4, 1)])
def test_topk_values_indices_gradient(dtype, largest, k, dim):
    compare(lambda L, x: L.topk(x, k, dim, largest), _distinct((3, 4), dtype))
    compare(lambda L, x: x.topk(k, dim=dim, largest=largest, sorted=True), _distinct((3, 4), dtype))


def test_topk_nan_is_largest():
    x = np.array([[1.0, NAN, 3.0, -2.0], [NAN, 0.5, 7.0, 2.0]], np.float32)
    compare(lambda L, x: L.topk(x, 2), x)
    compare(lambda L, x: L.topk(x, 2, largest=False), x)


def test_topk_ties_pick_equal_values():
    """torch's choice among equal values is its own (partial selection); the values agree, and each
    index points at an element with that value."""
    x = np.array([1, 3, 3, 2, 3, 0], np.float32)
    ours, theirs = tg.topk(tg.from_numpy(x), 3), torch.topk(torch.from_numpy(x), 3)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(x[ours.indices.numpy()], ours.values.numpy())
    assert len(set(ours.indices.numpy().tolist())) == 3


def test_topk_sorted_false_same_set():
    x = _distinct((2, 7))
    ours, theirs = tg.topk(tg.from_numpy(x), 3, sorted=False), torch.topk(torch.from_numpy(x), 3, sorted=False)
    assert sorted(ours.values.numpy().ravel()) == sorted(theirs.values.numpy().ravel())
    assert ours.indices.dtype == tg.int64 and tuple(ours.values.shape) == tuple(theirs.values.shape)


def test_gradients_of_every_order():
    gradchecks(lambda L, x: L.sort(x, 1, True).values, _distinct((3, 4), np.float64))
    gradchecks(lambda L, x: L.topk(x, 2, 0).values * 2, _distinct((3, 4), np.float64))
    gradchecks(lambda L, x: L.sort(x).values, np.array(2.0))


def test_backward_on_arrays_and_recorded_agree():
    x = tg.from_numpy(_distinct((3, 5), np.float64)).requires_grad_(True)
    (tg.topk(x, 3).values ** 2).sum().backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    (g,) = tg.autograd.grad((tg.topk(x, 3).values ** 2).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), plain)
    xt = torch.from_numpy(x.detach().numpy()).requires_grad_(True)
    (torch.topk(xt, 3).values ** 2).sum().backward()
    np.testing.assert_allclose(plain, xt.grad.numpy())


@pytest.mark.parametrize("call", [
    lambda L, x: L.topk(x, 5), lambda L, x: L.topk(x, -1), lambda L, x: L.topk(x, 1.0),
    lambda L, x: L.topk(x, 1, 2), lambda L, x: L.sort(x, 2), lambda L, x: L.sort(x, 0, True, True),
    lambda L, x: L.argsort(x, 0, True, True), lambda L, x: L.sort(x, dim=1.0), lambda L, x: L.sort([1.0, 2.0]),
    lambda L, x: L.topk(L.tensor(1.0), 2), lambda L, x: L.argsort(x, 3)],
    ids=["k-too-big", "k-negative", "k-float", "topk-dim", "sort-dim", "sort-stable-positional",
         "argsort-positional", "dim-float", "list-input", "0d-k2", "argsort-dim"])
def test_refusals(call):
    same_error(call, np.ones((2, 4), np.float32))


def test_sort_stable_makes_dim_keyword_only():
    same_error(lambda L, x: L.sort(x, 1, stable=True), np.ones((2, 3), np.float32))
    same_error(lambda L, x: L.sort(x, 1, dim=1), np.ones((2, 3), np.float32))


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
              elements=st.sampled_from([-1.0, 0.0, -0.0, 2.0, 2.0, np.nan, np.inf, -np.inf])),
       st.integers(0, 1), st.booleans())
def test_sort_matches_torch_on_ties_nan_inf(x, dim, descending):
    """Many ties, signed zeros, NaN and infinities: the same order (indices) as torch's stable sort."""
    ours = tg.sort(tg.from_numpy(x.copy()), dim=dim, descending=descending, stable=True)
    theirs = torch.sort(torch.from_numpy(x.copy()), dim=dim, descending=descending, stable=True)
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(tg.argsort(tg.from_numpy(x.copy()), dim, descending).numpy(),
                                  torch.argsort(torch.from_numpy(x.copy()), dim, descending).numpy())


@pytest.mark.parametrize("largest", [True, False])
def test_topk_small_k_of_many_with_nan(largest):
    """k much smaller than the dim (the argpartition path), NaN included: torch's values and indices."""
    x = _distinct((3, 50))
    x[0, 7] = x[2, 31] = x[2, 5] = NAN
    compare(lambda L, x: L.topk(x, 3, largest=largest), x)
    compare(lambda L, x: L.topk(x, 2, 0, largest), _distinct((40, 3), np.float64))
