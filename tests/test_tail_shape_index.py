"""More shape and indexing ops (take, take_along_dim, index_add/copy/fill, masked_scatter, put_, tile,
broadcast_*, *stack, *split, flips, rot90, unflatten, sum_to_size), binning (bincount, histc,
searchsorted, bucketize, isin), Tensor.stride()/storage_offset()/is_contiguous(), and the in-place
random fills, against real torch 2.13: values, dtypes, shapes, grad_fn names, gradients for the
same upstream gradient, exception classes; gradcheck/gradgradcheck of ours; the random fills by
their distributions (seeded, with bounds torch's own draws meet)."""
import math

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from _issue12_helpers import compare, gradchecks, same_error

R = np.random.RandomState(4321)


def rnd(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def idx(*values):
    return np.array(values, dtype=np.int64)


CASES = {
    "take": (lambda L, x, i: L.take(x, i), (rnd(3, 4), idx(0, 5, 11, 5, -1).reshape(5, 1))),
    "take-method": (lambda L, x, i: x.take(i), (rnd(3, 4), idx(2, 2, 7))),
    "take_along_dim": (lambda L, x, i: L.take_along_dim(x, i, dim=1), (rnd(3, 4), idx(0, 3, 1, 1, 2, 0).reshape(3, 2))),
    "take_along_dim-bcast": (lambda L, x, i: L.take_along_dim(x, i, 0), (rnd(3, 4), idx(2, 0).reshape(2, 1))),
    "take_along_dim-flat": (lambda L, x, i: x.take_along_dim(i), (rnd(3, 4), idx(11, 0, 4))),
    "index_add": (lambda L, x, i, s: L.index_add(x, 0, i, s), (rnd(3, 4), idx(0, 2, 0), rnd(3, 4))),
    "index_add-alpha-dim1": (lambda L, x, i, s: x.index_add(1, i, s, alpha=-0.5), (rnd(3, 4), idx(3, 1), rnd(3, 2))),
    "index_copy": (lambda L, x, i, s: L.index_copy(x, 1, i, s), (rnd(3, 4), idx(3, 0), rnd(3, 2))),
    "index_fill": (lambda L, x, i: L.index_fill(x, 1, i, -1.5), (rnd(3, 4), idx(0, 2))),
    "index_fill-tensor": (lambda L, x, i, v: x.index_fill(0, i, v), (rnd(3, 4), idx(1), rnd())),
    "masked_scatter": (lambda L, x, m, s: L.masked_scatter(x, m > 0, s), (rnd(3, 4), rnd(3, 4), rnd(3, 5))),
    "masked_scatter-bcast": (lambda L, x, m, s: x.masked_scatter(m > 0, s), (rnd(3, 4), rnd(4), rnd(12))),
    "tile": (lambda L, x: L.tile(x, (2,)), (rnd(3, 2),)),
    "tile-more-dims": (lambda L, x: x.tile(2, 1, 3), (rnd(3, 2),)),
    # big enough (over 4096 elements) for expand to make a stride-0 view (it copies smaller ones)
    "broadcast_to": (lambda L, x: L.broadcast_to(x, (2, 64, 40)), (rnd(64, 1),)),
    "broadcast_tensors": (lambda L, x, y: L.broadcast_tensors(x, y), (rnd(64, 1), rnd(2, 1, 40))),
    "hstack": (lambda L, x, y: L.hstack([x, y]), (rnd(3, 2), rnd(3, 1))),
    "hstack-1d": (lambda L, x, y: L.hstack((x, y)), (rnd(3), rnd(2))),
    "vstack": (lambda L, x, y: L.vstack([x, y]), (rnd(3), rnd(2, 3))),
    "row_stack": (lambda L, x, y: L.row_stack([x, y]), (rnd(2, 3), rnd(1, 3))),
    "dstack": (lambda L, x, y: L.dstack([x, y]), (rnd(3), rnd(1, 3))),
    "column_stack": (lambda L, x, y: L.column_stack([x, y]), (rnd(3), rnd(3, 2))),
    "atleast_2d": (lambda L, x, y: L.atleast_2d(x, y), (rnd(), rnd(3))),
    "atleast_3d": (lambda L, x, y, z: L.atleast_3d((x, y, z)), (rnd(), rnd(3), rnd(2, 3))),
    "tensor_split-n": (lambda L, x: L.tensor_split(x, 3, dim=1), (rnd(2, 7),)),
    "tensor_split-idx": (lambda L, x: x.tensor_split([1, 5, -1], dim=0), (rnd(6, 2),)),
    "hsplit": (lambda L, x: L.hsplit(x, 2), (rnd(3, 4),)),
    "hsplit-1d": (lambda L, x: x.hsplit([2]), (rnd(5),)),
    "vsplit": (lambda L, x: L.vsplit(x, [1, 2]), (rnd(3, 4),)),
    "dsplit": (lambda L, x: L.dsplit(x, 2), (rnd(2, 2, 4),)),
    "fliplr": (lambda L, x: L.fliplr(x), (rnd(3, 4),)),
    "flipud": (lambda L, x: x.flipud(), (rnd(3, 4, 2),)),
    "rot90": (lambda L, x: L.rot90(x), (rnd(3, 4),)),
    "rot90-2": (lambda L, x: L.rot90(x, 2, [1, 2]), (rnd(2, 3, 4),)),
    "rot90-neg": (lambda L, x: x.rot90(-1, [0, 1]), (rnd(3, 4),)),
    "rot90-3": (lambda L, x: L.rot90(x, 3, (2, 0)), (rnd(2, 3, 4),)),
    "unflatten": (lambda L, x: x.unflatten(1, (2, 2)), (rnd(3, 4),)),
    "unflatten-infer": (lambda L, x: L.unflatten(x, -1, (-1, 3)), (rnd(2, 6),)),
    "sum_to_size": (lambda L, x: x.sum_to_size(1, 4), (rnd(3, 4),)),
    "sum_to_size-lead": (lambda L, x: x.sum_to_size((3, 1)), (rnd(2, 3, 4),)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_matches_torch(case, dtype):
    fn, arrays = CASES[case]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    compare(fn, *[a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays], **tol)


@pytest.mark.parametrize("case", list(CASES))
def test_gradcheck(case):
    fn, arrays = CASES[case]
    gradchecks(fn, *arrays)


def test_noncontiguous_inputs():
    compare(lambda L, x, i, s: L.index_add(x, 1, i, s), rnd(4, 3), idx(0, 2), rnd(2, 3), noncontig=lambda x: x.mT
            if x.ndim == 2 else x)
    compare(lambda L, x: L.rot90(x, 2), rnd(4, 3), noncontig=lambda x: x[::2])
    compare(lambda L, x, i: L.take(x, i), rnd(4, 3), idx(0, 1, 5), noncontig=lambda x: x.mT if x.ndim == 2 else x)


def test_integer_and_bool_inputs():
    ints = np.arange(12).reshape(3, 4)
    compare(lambda L, x, i: L.index_fill(x, 0, i, 7), ints, idx(2), grad=False)
    compare(lambda L, x, i, s: L.index_add(x, 1, i, s, alpha=2), ints, idx(1, 1), np.ones((3, 2), np.int64),
            grad=False)
    compare(lambda L, x: L.rot90(x), ints > 5, grad=False)
    compare(lambda L, x: L.tile(x, (2, 2)), ints, grad=False)


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_(accumulate):
    outs = []
    for lib in (tg, torch):
        x = lib.from_numpy(np.zeros((2, 3)))
        r = x.put_(lib.tensor([0, 4, -1, 4]), lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64),
                   accumulate=accumulate)
        assert r is x
        outs.append(x.numpy())
    if accumulate:
        np.testing.assert_array_equal(outs[0], outs[1])
    else:  # the duplicate index 4 takes one of its values; every other place is torch's
        keep = np.ones((2, 3), bool)
        keep[1, 1] = False
        np.testing.assert_array_equal(outs[0][keep], outs[1][keep])
        assert outs[0][1, 1] in (2.0, 4.0)
    gradchecks(lambda L, x, s: x.put(L.tensor([0, 4, -1]), s, accumulate=accumulate), rnd(2, 3), rnd(3))


def test_inplace_index_methods():
    for name, args in (("index_add_", (0, idx(0, 0), rnd(2, 3))), ("index_copy_", (1, idx(2, 0), rnd(2, 2))),
                       ("index_fill_", (1, idx(1), 2.5)), ("masked_scatter_", (None, None, rnd(6)))):
        outs = []
        for lib in (tg, torch):
            x = lib.from_numpy(np.arange(6.0).reshape(2, 3))
            a = [lib.from_numpy(v.copy()) if isinstance(v, np.ndarray) else v for v in args]
            if name == "masked_scatter_":
                a = [lib.from_numpy(np.array([[True, False, True], [False, False, True]])), a[2]]
            assert getattr(x, name)(*a) is x
            outs.append(x.numpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-15, atol=1e-15)  # repeats: summed in another order
    # recorded in-place on a non-leaf: the gradient still reaches the source, as in torch
    grads = []
    for lib in (tg, torch):
        w = lib.from_numpy(np.ones((2, 3))).requires_grad_()
        s = lib.from_numpy(np.full((1, 3), 2.0)).requires_grad_()
        y = w * 3
        y.index_add_(0, lib.tensor([1]), s, alpha=2)
        assert y.grad_fn.name() == "IndexAddBackward0"
        (y * lib.from_numpy(np.arange(6.0).reshape(2, 3))).sum().backward()
        grads.append((w.grad.numpy(), s.grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_broadcast_shapes():
    for shapes in (((3, 1), (1, 4)), ((2,), (3, 1), ()), (5, (1,)), ((0, 1), (3,))):
        ours, theirs = tg.broadcast_shapes(*shapes), torch.broadcast_shapes(*shapes)
        assert tuple(ours) == tuple(theirs) and type(ours).__name__ == "Size"
    same_error(lambda L: L.broadcast_shapes((3,), (4,)), mentions=("4", "3"))


ERRORS = {
    "take-oob": (lambda L, x, i: L.take(x, i), (rnd(3, 4), idx(12)), ("12", "12 elements")),
    "take-float": (lambda L, x, i: L.take(x, i), (rnd(3, 4), np.array([1.0])), ("long",)),
    "take_along_dim-bcast": (lambda L, x, i: L.take_along_dim(x, i, dim=0), (rnd(3, 4), idx(0, 1).reshape(1, 2)),
                             ("4", "2")),
    "take_along_dim-ndim": (lambda L, x, i: L.take_along_dim(x, i, dim=0), (rnd(3, 4), idx(0, 1)), ()),
    "index_add-count": (lambda L, x, i, s: L.index_add(x, 0, i, s), (rnd(3, 4), idx(0, 1, 2), rnd(2, 4)),
                        ("(3)", "(2)")),
    "index_add-oob": (lambda L, x, i, s: L.index_add(x, 0, i, s), (rnd(3, 4), idx(5), rnd(1, 4)), ("5", "3")),
    "index_add-dtype": (lambda L, x, i, s: L.index_add(x, 0, i, s), (rnd(3, 4), idx(1), rnd(1, 4, dtype=np.float32)),
                        ()),
    "index_copy-slice": (lambda L, x, i, s: L.index_copy(x, 0, i, s), (rnd(3, 4), idx(1), rnd(1, 3)), ()),
    "index_fill-2d-value": (lambda L, x, i, v: L.index_fill(x, 0, i, v), (rnd(3, 4), idx(1), rnd(2)), ()),
    "masked_scatter-short": (lambda L, x, s: x.masked_scatter(x > -10, s), (rnd(3, 4), rnd(5)), ("source",)),
    "masked_scatter-not-bool": (lambda L, x, m, s: x.masked_scatter(m, s), (rnd(2), idx(1, 0), rnd(2)), ()),
    "tile-": (lambda L, x: L.tile(x, (-1,)), (rnd(3),), ()),
    "hsplit-indivisible": (lambda L, x: L.hsplit(x, 3), (rnd(3, 4),), ("4", "3")),
    "dsplit-2d": (lambda L, x: L.dsplit(x, 2), (rnd(3, 4),), ("3 dimension", "2 dimensions")),
    "vsplit-1d": (lambda L, x: L.vsplit(x, 2), (rnd(4),), ()),
    "tensor_split-zero": (lambda L, x: L.tensor_split(x, 0), (rnd(4),), ()),
    "tensor_split-0d": (lambda L, x: L.tensor_split(x, 2), (rnd(),), ()),
    "fliplr-1d": (lambda L, x: L.fliplr(x), (rnd(3),), (">= 2-d",)),
    "flipud-0d": (lambda L, x: L.flipud(x), (rnd(),), ()),
    "rot90-same": (lambda L, x: L.rot90(x, 1, [0, 0]), (rnd(3, 4),), ("dim0 = 0", "dim1 = 0")),
    "rot90-1d": (lambda L, x: L.rot90(x), (rnd(3),), ()),
    "unflatten-sizes": (lambda L, x: x.unflatten(1, (3, 2)), (rnd(3, 4),), ("[3, 2]", "(4)")),
    "sum_to_size": (lambda L, x: x.sum_to_size(2, 4), (rnd(3, 4),), ("[2, 4]", "[3, 4]")),
    "broadcast_to": (lambda L, x: L.broadcast_to(x, (2, 4)), (rnd(3),), ()),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case):
    fn, arrays, mentions = ERRORS[case]
    same_error(fn, *arrays, mentions=mentions)


# ---- bins ------------------------------------------------------------------------------------------------
SEQ = np.array([1, 3, 5, 7, 9])
BINS = {
    "bincount": lambda L: L.bincount(L.tensor([0, 1, 1, 3, 7])),
    "bincount-weights": lambda L: L.bincount(L.tensor([0, 1, 1, 3]), weights=L.tensor([0.5, 1.0, 1.0, 2.0]),
                                             minlength=6),
    "bincount-weights-f64": lambda L: L.tensor([2, 1]).bincount(L.tensor([1.0, 2.0], dtype=L.float64)),
    "bincount-weights-int": lambda L: L.bincount(L.tensor([1, 2]), weights=L.tensor([1, 2])),
    "bincount-uint8": lambda L: L.bincount(L.tensor([1, 2], dtype=L.uint8)),
    "bincount-empty": lambda L: L.bincount(L.tensor([], dtype=L.int64), minlength=3),
    "bincount-empty-weights": lambda L: L.bincount(L.tensor([], dtype=L.int64), L.tensor([]), 2),
    "histc": lambda L: L.histc(L.tensor([1.0, 2, 1, 4, -1]), bins=4, min=0, max=3),
    "histc-auto": lambda L: L.tensor([1.0, 2, 1, 4, 2.5]).histc(bins=3),
    "histc-one-value": lambda L: L.histc(L.tensor([1.0, 1.0]), bins=3),
    "histc-f64-edges": lambda L: L.histc(L.arange(11, dtype=L.float64) / 10, bins=10, min=0, max=1),
    "searchsorted": lambda L: L.searchsorted(L.from_numpy(SEQ), L.tensor([3, 6, 9, 0, 10])),
    "searchsorted-right": lambda L: L.searchsorted(L.from_numpy(SEQ), L.tensor([[3, 6], [9, 1]]), right=True),
    "searchsorted-side": lambda L: L.searchsorted(L.from_numpy(SEQ), L.tensor([3, 7]), side="right"),
    "searchsorted-int32": lambda L: L.searchsorted(L.from_numpy(SEQ), L.tensor([3]), out_int32=True),
    "searchsorted-scalar": lambda L: L.searchsorted(L.from_numpy(SEQ), 4),
    "searchsorted-2d": lambda L: L.searchsorted(L.tensor([[1.0, 3, 5], [2, 4, 6]]), L.tensor([[2.0, 5], [7, 0]])),
    "searchsorted-sorter": lambda L: L.searchsorted(L.tensor([5, 1, 3]), L.tensor([2, 4]), sorter=L.tensor([1, 2, 0])),
    "bucketize": lambda L: L.bucketize(L.tensor([3, 6, 9]), L.from_numpy(SEQ)),
    "bucketize-right-float": lambda L: L.bucketize(L.tensor([[3.0, 6], [9, 0]]), L.tensor([1.0, 3, 9]), right=True),
    "isin": lambda L: L.isin(L.tensor([1, 2, 3, 2]), L.tensor([2, 5])),
    "isin-invert": lambda L: L.isin(L.tensor([[1, 2], [3, 4]]), L.tensor([2, 3]), invert=True),
    "isin-scalar": lambda L: L.isin(L.tensor([1, 2, 3]), 2),
    "isin-scalar-elements": lambda L: L.isin(2, L.tensor([1, 2])),
}


@pytest.mark.parametrize("case", list(BINS))
def test_bins_match_torch(case):
    compare(lambda L: BINS[case](L), grad=False, rtol=0, atol=0)


BIN_ERRORS = {
    "bincount-negative": lambda L: L.bincount(L.tensor([0, -1])),
    "bincount-2d": lambda L: L.bincount(L.tensor([[0]])),
    "bincount-float": lambda L: L.bincount(L.tensor([0.0])),
    "bincount-minlength": lambda L: L.bincount(L.tensor([1]), minlength=-1),
    "bincount-weights-length": lambda L: L.bincount(L.tensor([1, 2]), weights=L.tensor([1.0])),
    "histc-int": lambda L: L.histc(L.tensor([1, 2]), bins=3),
    "histc-range": lambda L: L.histc(L.tensor([1.0, 2]), bins=3, min=3, max=1),
    "histc-bins": lambda L: L.histc(L.tensor([1.0, 2]), bins=0),
    "searchsorted-opposite": lambda L: L.searchsorted(L.tensor([1, 2]), L.tensor([1]), right=True, side="left"),
    "searchsorted-shape": lambda L: L.searchsorted(L.tensor([[1, 3]]), L.tensor([2])),
    "bucketize-2d": lambda L: L.bucketize(L.tensor([3.0]), L.tensor([[1.0, 2]])),
}


@pytest.mark.parametrize("case", list(BIN_ERRORS))
def test_bin_errors(case):
    same_error(BIN_ERRORS[case])


# ---- strides ---------------------------------------------------------------------------------------------
VIEWS = {
    "contiguous": lambda x: x, "t": lambda x: x.t(), "row": lambda x: x[1], "cols": lambda x: x[:, 1:],
    "step": lambda x: x[1:, ::2], "expand": lambda x: x.unsqueeze(0).expand(400, 3, 4), "permute": lambda x:
    x.reshape(2, 3, 2).permute(2, 0, 1), "narrow": lambda x: x.narrow(1, 1, 2), "0d": lambda x: x[1, 2],
    "size1": lambda x: x[:1, :1], "empty": lambda x: x[:0], "view": lambda x: x[1:].reshape(8),
    "diagonal-ish": lambda x: x.reshape(12)[::5], "unsqueeze": lambda x: x.unsqueeze(0),
    "select-col": lambda x: x[:, 3], "transpose-slice": lambda x: x.t()[1:3],
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_stride_storage_offset_is_contiguous(view):
    ours = VIEWS[view](tg.from_numpy(np.arange(12.0, dtype=np.float32).reshape(3, 4)))
    theirs = VIEWS[view](torch.from_numpy(np.arange(12.0, dtype=np.float32).reshape(3, 4)))
    assert ours.stride() == theirs.stride()
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.is_contiguous() == theirs.is_contiguous()
    for d in range(-ours.ndim, ours.ndim):
        assert ours.stride(d) == theirs.stride(d)


def test_stride_of_dtypes_and_bad_dim():
    for dt in ("float64", "int64", "int32", "bool", "uint8"):
        assert tg.zeros(2, 3, 5, dtype=getattr(tg, dt)).stride() == \
            torch.zeros(2, 3, 5, dtype=getattr(torch, dt)).stride()
    same_error(lambda L: L.zeros(2, 3).stride(3), mentions=("[-2, 1]", "3"))


# ---- random fills ----------------------------------------------------------------------------------------
N = 40000


def _mean_ok(values, mean, std, z=5.0):
    """|sample mean - mean| < z standard errors (a correct sampler fails ~1 in 3.5 million times)."""
    return abs(values.mean() - mean) < z * std / math.sqrt(values.size)


@pytest.mark.parametrize("lib", [tg, torch], ids=["ours", "torch"])
def test_random_fill_distributions(lib):
    lib.manual_seed(7)
    x = lib.empty(N, dtype=lib.float64)
    p = 0.3
    b = x.bernoulli_(p).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and _mean_ok(b, p, math.sqrt(p * (1 - p)))
    e = x.exponential_(2.0).numpy().copy()
    assert e.min() >= 0 and _mean_ok(e, 0.5, 0.5) and _mean_ok(e ** 2, 0.5, math.sqrt(24 / 16 - 0.25))
    g = x.geometric_(0.25).numpy().copy()
    assert g.min() >= 1 and np.all(g == np.round(g)) and _mean_ok(g, 4.0, math.sqrt(0.75) / 0.25)
    ln = x.log_normal_(0.5, 0.25).numpy().copy()
    assert ln.min() > 0 and _mean_ok(np.log(ln), 0.5, 0.25)
    c = x.cauchy_(1.0, 2.0).numpy().copy()
    q1, med, q3 = np.quantile(c, [0.25, 0.5, 0.75])
    assert abs(med - 1.0) < 0.1 and abs(q1 - (-1.0)) < 0.15 and abs(q3 - 3.0) < 0.15  # quartiles at median -/+ sigma
    r = lib.empty(N, dtype=lib.int64).random_(3, 10).numpy()
    assert r.min() == 3 and r.max() == 9 and _mean_ok(r.astype(float), 6.0, 2.0)
    counts = np.bincount(r - 3, minlength=7)
    assert (((counts - N / 7) ** 2) / (N / 7)).sum() < 35  # chi-square, 6 dof
    assert set(np.unique(lib.empty(2000, dtype=lib.int32).random_(to=3).numpy())) == {0, 1, 2}
    r2 = lib.empty(N).random_(5).numpy()
    assert set(np.unique(r2)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    top = lib.empty(N).random_().numpy()
    assert top.min() >= 0 and top.max() <= 2 ** 24 and np.all(top == np.round(top)) and top.max() > 2 ** 23
    u8 = lib.empty(N, dtype=lib.uint8).random_().numpy()
    assert u8.min() == 0 and u8.max() == 255
    probs = lib.from_numpy(np.tile(np.array([0.0, 0.5, 1.0]), N // 3))
    d = lib.bernoulli(probs).numpy().reshape(-1, 3)
    assert d[:, 0].max() == 0 and d[:, 2].min() == 1 and _mean_ok(d[:, 1], 0.5, 0.5)
    assert lib.bernoulli(probs, 0.9).dtype == probs.dtype
    t = lib.empty(3, N).bernoulli_(lib.tensor([[0.1], [0.5], [0.9]])).numpy()
    assert all(_mean_ok(row, q, math.sqrt(q * (1 - q))) for row, q in zip(t, (0.1, 0.5, 0.9)))


def test_random_fills_are_seeded_and_keep_dtype():
    for name, args in (("bernoulli_", (0.5,)), ("random_", (0, 100)), ("exponential_", ()), ("geometric_", (0.5,)),
                       ("cauchy_", ()), ("log_normal_", ())):
        tg.manual_seed(3)
        a = getattr(tg.empty(50, dtype=tg.float32), name)(*args)
        tg.manual_seed(3)
        b = getattr(tg.empty(50, dtype=tg.float32), name)(*args)
        assert a.dtype == tg.float32 and np.array_equal(a.numpy(), b.numpy())
        g1, g2 = tg.Generator().manual_seed(5), tg.Generator().manual_seed(5)
        c = getattr(tg.empty(20), name)(*args, generator=g1)
        d = getattr(tg.empty(20), name)(*args, generator=g2)
        assert np.array_equal(c.numpy(), d.numpy())


RANDOM_ERRORS = {
    "exponential-lambda": lambda L: L.empty(3).exponential_(-1),
    "exponential-int": lambda L: L.empty(3, dtype=L.int64).exponential_(),
    "geometric-p": lambda L: L.empty(3).geometric_(1.5),
    "log_normal-std": lambda L: L.empty(3).log_normal_(1, -1),
    "log_normal-int": lambda L: L.empty(3, dtype=L.int64).log_normal_(),
    "cauchy-sigma": lambda L: L.empty(3).cauchy_(0, -1),
    "cauchy-int": lambda L: L.empty(3, dtype=L.int64).cauchy_(),
    "bernoulli-p": lambda L: L.empty(3).bernoulli_(1.5),
    "bernoulli-probs": lambda L: L.bernoulli(L.tensor([1.5])),
    "bernoulli-int": lambda L: L.bernoulli(L.tensor([1, 0])),
    "random-range": lambda L: L.empty(3).random_(5, 2),
    "random-to-0": lambda L: L.empty(3).random_(0),
    "random-keywords": lambda L: L.empty(3).random_(to=-1),
    "leaf": lambda L: L.zeros(3, requires_grad=True).exponential_(),
}


@pytest.mark.parametrize("case", list(RANDOM_ERRORS))
def test_random_errors(case):
    same_error(RANDOM_ERRORS[case])


def test_inplace_index_ops_on_views_of_graph_tensors():
    """index_add_ / put_ on views of a non-leaf: values and gradients as torch's (the view rewrites its base's history)."""
    res = []
    for lib in (tg, torch):
        w = lib.from_numpy(np.arange(6.0).reshape(2, 3)).requires_grad_()
        s = lib.from_numpy(np.ones((2,))).requires_grad_()
        y = w * 2
        y[0].index_add_(0, lib.tensor([0, 2]), s, alpha=3)
        y[1].put_(lib.tensor([1]), s[:1] * 5)
        (y * lib.from_numpy(np.arange(6.0).reshape(2, 3) + 1)).sum().backward()
        res.append((y.detach().numpy(), w.grad.numpy(), s.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)
