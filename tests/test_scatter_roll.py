"""scatter / scatter_ / scatter_add / scatter_add_, roll, repeat_interleave, cumprod, tril / triu (issue 12):
values, dtypes, grad_fn names and gradients against real torch, gradcheck and gradgradcheck in float64,
torch's refusals (exception classes)."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from _issue12_helpers import compare, gradchecks, same_error

RNG = np.random.RandomState(21)


def _x(shape, dtype=np.float32):
    return RNG.uniform(-2, 2, shape).astype(dtype)


def _perm_index(shape, size, dim):
    """Distinct positions along dim in each column (scatter with repeats is nondeterministic in torch)."""
    idx = np.argsort(RNG.rand(*shape[:dim], size, *shape[dim + 1:]), axis=dim)
    return np.take(idx, np.arange(shape[dim]), axis=dim).astype(np.int64)


# ---- scatter -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_src_values_and_gradients(dtype, dim):
    x = _x((3, 4), dtype)
    idx = _perm_index((2, 4) if dim == 0 else (3, 2), 3 if dim == 0 else 4, dim % 2)
    src, big = _x(idx.shape, dtype), _x((3, 5), dtype)
    compare(lambda L, x, i, s: L.scatter(x, dim, i, s), x, idx, src)
    compare(lambda L, x, i, s: x.scatter(dim, i, s), x, idx, src)
    # a src larger than index: only its first index.shape elements are read (torch's own backward
    # refuses this case, so our gradient is checked by finite differences only)
    compare(lambda L, x, i, s: L.scatter(x, dim, i, s), x, idx, big, grad=False)
    gradchecks(lambda L, x, i, s: L.scatter(x, dim, i, s), x, idx, big)
    compare(lambda L, x, i, s: L.scatter(x, dim, i, 2.5), x, idx, src)
    compare(lambda L, x, i, s: L.scatter(x, dim, i, value=-1.0), x, idx, src)
    gradchecks(lambda L, x, i, s: L.scatter(x, dim, i, s), x, idx, src)


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_add_accumulates_repeats(dim):
    x, big = _x((3, 4), np.float64), _x((4, 5), np.float64)
    idx = RNG.randint(0, 3 if dim == 0 else 4, (4, 4) if dim == 0 else (3, 5)).astype(np.int64)
    src = _x(idx.shape, np.float64)
    compare(lambda L, x, i, s: L.scatter_add(x, dim, i, s), x, idx, src)
    compare(lambda L, x, i, s: x.scatter_add(dim, i, s), x, idx, src)
    compare(lambda L, x, i, s: L.scatter_add(x, dim, i, s), x, idx, big, grad=False)
    gradchecks(lambda L, x, i, s: L.scatter_add(x, dim, i, s), x, idx, big)


def test_scatter_shapes_and_dtypes():
    compare(lambda L, x, i, s: L.scatter(x, 0, i, s), np.array(1.0, np.float32), np.array(0), np.array(3.0, np.float32))
    compare(lambda L, x, i, s: L.scatter_add(x, 0, i, s), np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int64),
            np.zeros((0, 3), np.float32))
    compare(lambda L, x, i: L.scatter(x, 0, i, 2.5), np.ones(3, np.int64), np.array([0, 2]), grad=False)
    compare(lambda L, x, i: L.scatter(x, 0, i, 7), np.ones((2, 2), np.float32), np.array([[1, 0]], np.int32))
    compare(lambda L, x, i, s: L.scatter(x, 0, i, s), _x((4, 3)), np.array([[1, 0, 2]]), _x((1, 3)),
            noncontig=lambda t: t.transpose(0, 1) if t.dim() == 2 and t.shape[0] == 4 else t)


def test_inplace_forms_rebase_history():
    seen = {}
    for lib in (tg, torch):
        base = lib.ones(2, 3, requires_grad=True)
        y = base * 2
        assert y.scatter_(0, lib.tensor([[1, 0, 1]]), 5.0) is y
        y.scatter_add_(1, lib.tensor([[0, 0], [2, 2]]), lib.full((2, 2), 0.5)).tril_(1).triu_(-1)
        values, name = y.detach().numpy().copy(), y.grad_fn.name()
        (y * y).sum().backward()
        seen[lib.__name__] = (values, name, base.grad.numpy().copy())
    ours, theirs = seen["tinygrad_edu"], seen["torch"]
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert ours[1] == theirs[1] == "TriuBackward0"
    np.testing.assert_array_equal(ours[2], theirs[2])


def test_inplace_on_leaf_refused():
    same_error(lambda L: L.zeros(2, requires_grad=True).scatter_(0, L.tensor([0]), 1.0))


@pytest.mark.parametrize("call", [
    lambda L, x: L.scatter(x, 0, L.tensor([[0.0]]), 1.0),                 # float index
    lambda L, x: L.scatter(x, 0, L.tensor([0]), 1.0),                     # index dims
    lambda L, x: L.scatter(x, 0, L.tensor([[5]]), 1.0),                   # out of range
    lambda L, x: L.scatter(x, 0, L.tensor([[-1]]), 1.0),                  # negative
    lambda L, x: L.scatter(x, 0, L.zeros(2, 5, dtype=L.long), 1.0),       # too large apart from dim
    lambda L, x: L.scatter(x, 0, L.zeros(2, 2, dtype=L.long), L.ones(1, 1)),   # larger than src
    lambda L, x: L.scatter(x, 0, L.zeros(1, 1, dtype=L.long), L.ones(1, 1, dtype=L.float64)),  # src dtype
    lambda L, x: L.scatter(x, 0, [[0]], 1.0), lambda L, x: L.scatter(x, 0, L.tensor([[0]]), "a"),
    lambda L, x: L.scatter(x, 5, L.tensor([[0]]), 1.0),
    lambda L, x: L.scatter_add(x, 0, L.tensor([[0]]), 1.0),               # value form does not exist
    lambda L, x: L.scatter_add(x, 0, L.tensor([[3]]), L.ones(1, 1)),
    lambda L, x: L.scatter_add(x, 0, L.tensor([[0]]), L.ones(4)),         # src dims
    lambda L, x: L.scatter_add(x, 0, L.tensor([[0]], dtype=L.int16), L.ones(1, 1))])
def test_scatter_refusals(call):
    same_error(call, np.zeros((3, 4), np.float32))


# ---- roll ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shifts,dims", [(1, None), (-7, None), (2, 0), ((1, -2), (0, 1)), ((3,), (-1,)),
                                         ((1, 1), (1, 1))])
def test_roll(shifts, dims):
    compare(lambda L, x: L.roll(x, shifts, dims), _x((3, 4)))
    compare(lambda L, x: x.roll(shifts, dims), _x((3, 4), np.float64), noncontig=lambda t: t.transpose(0, 1).t())
    compare(lambda L, x: L.roll(x, shifts, dims), _x((4, 3)), noncontig=lambda t: t.transpose(0, 1))
    gradchecks(lambda L, x: L.roll(x, shifts, dims), _x((3, 4), np.float64))


def test_roll_edges_and_refusals():
    compare(lambda L, x: L.roll(x, 1), np.array(2.0, np.float32))
    same_error(lambda L, x: L.roll(x, 1, 0), np.array(2.0, np.float32))
    compare(lambda L, x: L.roll(x, 1, 0), np.zeros((0, 3), np.float32))
    compare(lambda L, x: L.roll(x, 1, 0), np.arange(5))
    for call in (lambda L, x: L.roll(x, (1, 2), 0), lambda L, x: L.roll(x, (1,), (0, 1)),
                 lambda L, x: L.roll(x, 1, 5), lambda L, x: L.roll(x, (), ()), lambda L, x: L.roll(x, 1.5),
                 lambda L, x: L.roll(x, (1, 2))):
        same_error(call, np.ones((3, 4), np.float32))


# ---- repeat_interleave ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("repeats,dim", [(2, None), (3, 0), (2, 1), (0, 1), ("t", 0), ("t", None), ("t1", 1),
                                         ("t0d", -1)])
def test_repeat_interleave(repeats, dim):
    shape = (3, 4)
    def make(L):
        if repeats == "t":
            return L.tensor([1, 0, 2]) if dim == 0 else L.tensor(RNG.randint(0, 3, 12).tolist())
        return {"t1": L.tensor([2]), "t0d": L.tensor(3)}.get(repeats, repeats)
    state = RNG.get_state()
    compare(lambda L, x: (RNG.set_state(state), L.repeat_interleave(x, make(L), dim))[1], _x(shape))
    RNG.set_state(state)
    compare(lambda L, x: (RNG.set_state(state), x.repeat_interleave(make(L), dim=dim))[1], _x(shape, np.float64))


def test_repeat_interleave_repeats_only_and_output_size():
    compare(lambda L, r: L.repeat_interleave(r), np.array([1, 2, 0, 3]), grad=False)
    compare(lambda L, r: L.repeat_interleave(r, output_size=6), np.array([1, 2, 0, 3]), grad=False)
    compare(lambda L, x: L.repeat_interleave(x, 2, output_size=6), _x((3,)))
    compare(lambda L, x: L.repeat_interleave(x, 2), np.array(1.5, np.float32))
    gradchecks(lambda L, x: L.repeat_interleave(x, L.tensor([2, 0, 1]), 0), _x((3, 2), np.float64))
    for call in (lambda L, x: L.repeat_interleave(x, L.tensor([1, 2]), 0), lambda L, x: L.repeat_interleave(x, -1),
                 lambda L, x: L.repeat_interleave(x, L.tensor([1, -2, 1]), 0),
                 lambda L, x: L.repeat_interleave(x, L.tensor([[1, 2, 1]]), 0),
                 lambda L, x: L.repeat_interleave(x, L.tensor([1.0, 2, 1]), 0),
                 lambda L, x: L.repeat_interleave(x, 2.0), lambda L, x: L.repeat_interleave(x, 2, dim=2),
                 lambda L, x: L.repeat_interleave(x, 2, output_size=5), lambda L, x: L.repeat_interleave(x),
                 lambda L, x: L.repeat_interleave(L.tensor(2.0), 2, dim=0)):
        same_error(call, np.ones((3, 4), np.float32))


# ---- cumprod -------------------------------------------------------------------------------------------------
def _with_zeros(shape, n_zeros):
    x = RNG.uniform(0.5, 1.5, shape) * RNG.choice([-1, 1], shape)
    flat = x.reshape(-1)
    flat[RNG.choice(flat.size, n_zeros, replace=False)] = 0
    return x


@pytest.mark.parametrize("zeros", [0, 1, 3])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_values_and_gradients_with_zeros(zeros, dim):
    x = _with_zeros((3, 4), zeros)
    compare(lambda L, x: L.cumprod(x, dim), x.astype(np.float32), rtol=1e-5, atol=1e-6)
    compare(lambda L, x: x.cumprod(dim), x, rtol=1e-10, atol=1e-12)
    gradchecks(lambda L, x: L.cumprod(x, dim), x)


def test_cumprod_dtypes_shapes_and_refusals():
    compare(lambda L, x: L.cumprod(x, 0), np.array([1, 2, 3]), grad=False)
    compare(lambda L, x: L.cumprod(x, 0), np.array([True, False, True]), grad=False)
    compare(lambda L, x: L.cumprod(x, 0, dtype=L.float64), np.array([1, 2, 3]), grad=False)
    compare(lambda L, x: L.cumprod(x, 1, dtype=L.float64), _x((2, 3)))
    compare(lambda L, x: L.cumprod(x, 0), np.array(2.0, np.float32))
    compare(lambda L, x: L.cumprod(x, 0), np.zeros((0, 2), np.float32))
    compare(lambda L, x: L.cumprod(x, 0), _x((4, 3)), noncontig=lambda t: t.transpose(0, 1))
    gradchecks(lambda L, x: L.cumprod(x, 0), np.array([0.0]))
    for call in (lambda L, x: L.cumprod(x), lambda L, x: L.cumprod(x, 2), lambda L, x: L.cumprod([1.0], 0),
                 lambda L, x: L.cumprod(x, 0.5)):
        same_error(call, np.ones((2, 3), np.float32))


# ---- tril / triu ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [0, 1, -1, 5, -5])
def test_triangles(name, diagonal):
    compare(lambda L, x: getattr(L, name)(x, diagonal), _x((3, 4)))
    compare(lambda L, x: getattr(x, name)(diagonal=diagonal), _x((2, 3, 4), np.float64))
    compare(lambda L, x: getattr(L, name)(x, diagonal), _x((4, 3)), noncontig=lambda t: t.transpose(0, 1))
    compare(lambda L, x: getattr(L, name)(x, diagonal), np.zeros((0, 3), np.float32))
    compare(lambda L, x: getattr(L, name)(x, diagonal), np.arange(12).reshape(3, 4), grad=False)
    gradchecks(lambda L, x: getattr(L, name)(x, diagonal), _x((3, 4), np.float64))
    for call in (lambda L, x: getattr(L, name)(x[0]), lambda L, x: getattr(L, name)(x, 1.5),
                 lambda L, x: getattr(L, name)([[1.0]])):
        same_error(call, np.ones((2, 3), np.float32))


# ---- scatter_reduce ------------------------------------------------------------------------------------------
_GROUPS = [  # (x, index, src): repeated positions, an unscattered position, ties, zeros
    (np.array([1.0, 2, 3, 4]), np.array([0, 0, 1, 1, 3]), np.array([5.0, 1, 2, 2, 0])),
    (np.array([2.0, 0, 1]), np.array([0, 0, 1, 1, 2, 2]), np.array([0.0, 3, 0, 5, 0, 2])),
    (np.array([0.0, 0, 1]), np.array([0, 0, 1, 1, 2, 2]), np.array([0.0, 3, 0, 0, 1, 2])),
]


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_values_and_gradients(reduce, include_self):
    for x, idx, src in _GROUPS:
        for dtype in (np.float32, np.float64):
            compare(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, reduce, include_self=include_self),
                    x.astype(dtype), idx, src.astype(dtype))
    x2, s2 = _x((3, 4), np.float64), _x((2, 5), np.float64)
    idx2 = RNG.randint(0, 3, (2, 4))
    compare(lambda L, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self), x2, idx2, s2, grad=False)
    if reduce not in ("amax", "amin"):  # smooth away from ties
        gradchecks(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, reduce, include_self=include_self), x2, idx2, s2)


def test_scatter_reduce_integers_inplace_and_refusals():
    compare(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "mean"), np.array([1, 2, 3]), np.array([0, 0]),
            np.array([2, 3]), grad=False)
    compare(lambda L, x, i, s: L.scatter_reduce(x, 0, i, s, "amax", include_self=False), np.array([1, 5, 3]),
            np.array([0, 0]), np.array([2, 3]), grad=False)
    compare(lambda L, x, i, s: x.clone().scatter_reduce_(0, i, s, "prod"), _x((4,)), np.array([0, 0, 2]), _x((3,)))
    src = np.ones(5, np.float32)
    for call in (lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([0]), s, "foo"),
                 lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([0]), s, "sum", include_self=1),
                 lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([0.0]), s, "sum"),
                 lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([0]), s.double(), "sum"),
                 lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([9]), s, "sum"),
                 lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([0]), 1.0, "sum"),
                 lambda L, x, s: L.scatter_reduce(x, 0, L.tensor([0]), s)):
        same_error(call, np.ones(4, np.float32), src)


def test_inplace_ops_keep_the_original_self_for_backward():
    """mul_ by a tensor that requires grad, scatter_reduce_ (prod) save self's value before the write."""
    def run(L, a, b):
        y = a * 3
        y.mul_(b)
        y.scatter_reduce_(0, L.tensor([0, 0, 2]), b, "prod")
        return y
    compare(run, _x((3,), np.float64), _x((3,), np.float64))
    same_error(lambda L, a: (lambda y: (y.mul_(2), y.sum().backward()))(a.requires_grad_(True).exp()),
               _x((3,), np.float64))
