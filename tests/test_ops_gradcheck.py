"""Every differentiable op's backward against central finite differences (float64 gradcheck), and the
smooth ones' second derivatives (gradgradcheck), on hypothesis-drawn shapes, dims and values."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import tinygrad_edu as tg
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.testing import arrays, broadcastable_pairs, broadcastable_shapes, shapes, tensors

SMALL = shapes(min_dims=0, max_dims=3, max_side=4)
NONSCALAR = shapes(min_dims=1, max_dims=3, max_side=4)


def check(fn, *inputs, second=False):
    assert gradcheck(fn, inputs)
    if second:
        assert gradgradcheck(fn, inputs)


def dims(ndim):
    """A reduction's dim argument: None, an int (maybe negative) or a tuple of distinct ints."""
    if ndim == 0:
        return st.sampled_from([None, 0, -1, (0,)])
    as_tuple = st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim).map(
        lambda ds: tuple({d % ndim: d for d in ds}.values()))
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), as_tuple)


def one_dim(ndim):
    return st.integers(-max(ndim, 1), max(ndim, 1) - 1)


# ---- unary ---------------------------------------------------------------------------------------------
# name -> (function, tensors() keyword arguments keeping values off kinks, poles and domain edges, smooth?)
UNARY = {
    "neg": (tg.neg, {}, True),
    "abs": (tg.abs, {"avoid": (-0.1, 0.1)}, True),
    "exp": (tg.exp, {}, True),
    "log": (tg.log, {"min_value": 0.1}, True),
    "log1p": (tg.log1p, {"min_value": -0.9}, True),
    "sqrt": (tg.sqrt, {"min_value": 0.1}, True),
    "rsqrt": (tg.rsqrt, {"min_value": 0.1}, True),
    "sin": (tg.sin, {}, True),
    "cos": (tg.cos, {}, True),
    "tanh": (tg.tanh, {}, True),
    "sigmoid": (tg.sigmoid, {}, True),
    "relu": (tg.relu, {"avoid": (-0.1, 0.1)}, True),
    "leaky_relu": (lambda x: x.leaky_relu(0.2), {"avoid": (-0.1, 0.1)}, True),
    "clamp": (lambda x: x.clamp(-1.0, 1.5), {"avoid": [(-1.1, -0.9), (1.4, 1.6)]}, True),
    "clamp_min": (lambda x: tg.clamp(x, min=0.5), {"avoid": (0.4, 0.6)}, True),
    "clamp_max": (lambda x: x.clamp(max=-0.5), {"avoid": (-0.6, -0.4)}, True),
    "square": (lambda x: x.square(), {}, True),
    "reciprocal": (lambda x: x.reciprocal(), {"avoid": (-0.2, 0.2)}, True),
}


@pytest.mark.parametrize("name", list(UNARY))
@given(data=st.data())
def test_unary(name, data):
    fn, kw, smooth = UNARY[name]
    check(fn, data.draw(tensors(SMALL, **kw)), second=smooth)


# ---- binary with broadcasting ----------------------------------------------------------------------------
BINARY = {
    "add": (tg.add, {}, {}),
    "sub": (tg.sub, {}, {}),
    "mul": (tg.mul, {}, {}),
    "div": (tg.div, {}, {"avoid": (-0.2, 0.2)}),
    "pow": (tg.pow, {"min_value": 0.2, "max_value": 2.0}, {"min_value": -2.0, "max_value": 2.0}),
    "add_alpha": (lambda x, y: tg.add(x, y, alpha=-1.5), {}, {}),
}


@pytest.mark.parametrize("name", list(BINARY))
@given(pair=broadcastable_pairs(), data=st.data())
def test_binary_broadcasting(name, pair, data):
    fn, kx, ky = BINARY[name]
    check(fn, data.draw(tensors(pair[0], **kx)), data.draw(tensors(pair[1], **ky)), second=True)


@pytest.mark.parametrize("fn", [lambda x: x + 2.5, lambda x: 2.5 - x, lambda x: x * -3, lambda x: x / 4,
                                lambda x: 3 / x, lambda x: x ** 2.5, lambda x: x ** 3, lambda x: 2 ** x,
                                lambda x: x ** 0])
@given(x=tensors(SMALL, min_value=0.3))
def test_binary_with_python_scalar(fn, x):
    check(fn, x, second=True)


@pytest.mark.parametrize("op", [tg.maximum, tg.minimum])
@given(pair=broadcastable_pairs(), data=st.data())
def test_maximum_minimum(op, pair, data):
    # x on the 1/64 grid, y shifted half a grid step: no ties, where the gradient is a convention
    x = data.draw(tensors(pair[0], distinct=True))
    y = tg.tensor(data.draw(arrays(pair[1], distinct=True)) + 1 / 128, requires_grad=True)
    check(op, x, y, second=True)


@given(pair=broadcastable_pairs(), data=st.data())
def test_where(pair, data):
    cond = tg.tensor(data.draw(arrays(broadcastable_shapes(np.broadcast_shapes(*pair)), np.bool_)))
    x, y = data.draw(tensors(pair[0])), data.draw(tensors(pair[1]))
    check(lambda a, b: tg.where(cond, a, b), x, y, second=True)


# ---- reductions ----------------------------------------------------------------------------------------
REDUCE = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), {}),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), {}),
    "amax": (lambda x, d, k: x.amax(() if d is None else d, keepdim=k), {"distinct": True}),
    "amin": (lambda x, d, k: tg.amin(x, () if d is None else d, keepdim=k), {"distinct": True}),
    "logsumexp": (lambda x, d, k: x.logsumexp(tuple(range(x.dim())) if d is None else d, keepdim=k), {}),
    "var0": (lambda x, d, k: x.var(d, keepdim=k, correction=0), {"distinct": True}),
    "std0": (lambda x, d, k: x.std(d, keepdim=k, unbiased=False), {"distinct": True}),
    "norm": (lambda x, d, k: x.norm(dim=d, keepdim=k), {"avoid": (-0.1, 0.1)}),
    "norm_p3": (lambda x, d, k: x.norm(3, dim=d, keepdim=k), {"avoid": (-0.1, 0.1)}),
    "norm_p1": (lambda x, d, k: x.norm(1, dim=d, keepdim=k), {"avoid": (-0.1, 0.1)}),
}


@pytest.mark.parametrize("name", list(REDUCE))
@given(shape=SMALL, keepdim=st.booleans(), data=st.data())
def test_reduction(name, shape, keepdim, data):
    fn, kw = REDUCE[name]
    d = data.draw(dims(len(shape)))
    x = data.draw(tensors(shape, **kw))
    check(lambda t: fn(t, d, keepdim), x, second=name not in ("amax", "amin", "norm_p1"))


@pytest.mark.parametrize("correction", [1, 2])
@given(shape=shapes(1, 3, 2, 4), keepdim=st.booleans(), data=st.data())
def test_var_std_with_correction(correction, shape, keepdim, data):
    x = data.draw(tensors(shape, distinct=True))
    d = data.draw(dims(len(shape)).filter(
        lambda d: (x.numel() if d is None else int(np.prod([shape[i] for i in np.atleast_1d(d)]))) > correction))
    check(lambda t: t.var(d, keepdim=keepdim, correction=correction), x, second=True)
    check(lambda t: tg.std(t, d, keepdim=keepdim, correction=correction), x, second=True)


@pytest.mark.parametrize("name", ["max", "min"])
@given(shape=SMALL, keepdim=st.booleans(), data=st.data())
def test_max_min(name, shape, keepdim, data):
    x = data.draw(tensors(shape, distinct=True))
    d = data.draw(one_dim(len(shape)))
    check(lambda t: getattr(t, name)(), x)
    check(lambda t: getattr(t, name)(d, keepdim=keepdim).values, x, second=True)


@given(shape=shapes(0, 3, 1, 3), keepdim=st.booleans(), data=st.data())
def test_prod(shape, keepdim, data):
    # |x| in [0.3, 1.5]: second derivatives prod/(x_i x_j) stay of order 1 (zeros: the test below)
    x = data.draw(tensors(shape, min_value=-1.5, max_value=1.5, avoid=(-0.3, 0.3)))
    d = data.draw(st.one_of(st.none(), one_dim(len(shape))))
    check(lambda t: t.prod(d, keepdim=keepdim) if d is not None else t.prod(), x, second=True)


@pytest.mark.parametrize("zeros", [[1], [0, 2]])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_prod_with_zeros(zeros, dim):
    a = np.random.default_rng(1).uniform(0.5, 2, (3, 3))
    a[zeros, 1] = 0.0
    x = tg.tensor(a, requires_grad=True)
    check(lambda t: t.prod(dim) if dim is not None else t.prod(), x, second=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "cumsum"])
@given(shape=SMALL, data=st.data())
def test_along_dim(name, shape, data):
    d = data.draw(one_dim(len(shape)))
    check(lambda t: getattr(t, name)(d), data.draw(tensors(shape)), second=True)


# ---- shape ops -----------------------------------------------------------------------------------------
@given(shape=SMALL, data=st.data())
def test_reshape_view_flatten(shape, data):
    x = data.draw(tensors(shape))
    n = x.numel()
    check(lambda t: t.reshape(-1), x)
    check(lambda t: t.view(n, 1), x)
    check(lambda t: t.reshape(1, -1, 1), x)
    check(lambda t: t.flatten(), x)
    if len(shape) >= 2:
        check(lambda t: t.flatten(1), x)
        check(lambda t: t.flatten(0, -2), x)


@given(shape=shapes(0, 3, 1, 3), data=st.data())
def test_squeeze_unsqueeze(shape, data):
    x = data.draw(tensors(shape))
    d, u = data.draw(one_dim(len(shape))), data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(lambda t: t.squeeze(), x)
    check(lambda t: t.squeeze(d), x)
    check(lambda t: t.unsqueeze(u), x)


@given(shape=NONSCALAR, data=st.data())
def test_transpose_permute(shape, data):
    x = data.draw(tensors(shape))
    n = len(shape)
    perm = data.draw(st.permutations(range(n)))
    d0, d1 = data.draw(one_dim(n)), data.draw(one_dim(n))
    check(lambda t: t.transpose(d0, d1), x)
    check(lambda t: t.permute(*perm), x)
    check(lambda t: t.T, x)


@given(shape=SMALL, data=st.data())
def test_expand_repeat(shape, data):
    ones = tuple(data.draw(st.sampled_from((n, 1))) for n in shape)  # size-1 dims to expand
    x = data.draw(tensors(ones))
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    check(lambda t: t.expand(*lead, *shape), x)
    check(lambda t: t.expand(*lead, *([-1] * len(ones))), x)
    reps = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    check(lambda t: t.repeat(*reps), x)


@given(shape=NONSCALAR, n=st.integers(1, 3), data=st.data())
def test_cat_stack(shape, n, data):
    d = data.draw(one_dim(len(shape)))
    parts = [data.draw(tensors(shape[:d % len(shape)] + (data.draw(st.integers(1, 3)),)
                               + shape[d % len(shape) + 1:])) for _ in range(n)]
    check(lambda *ts: tg.cat(ts, d), *parts)
    same = [data.draw(tensors(shape)) for _ in range(n)]
    s = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(lambda *ts: tg.stack(ts, s), *same)


@given(shape=NONSCALAR, data=st.data())
def test_split_chunk_unbind(shape, data):
    x = data.draw(tensors(shape))
    d = data.draw(one_dim(len(shape)))
    size = shape[d]
    step, cut, chunks = data.draw(st.integers(1, size)), data.draw(st.integers(0, size)), data.draw(st.integers(1, 4))
    check(lambda t: t.split(step, d), x)
    check(lambda t: t.split([cut, size - cut], d), x)
    check(lambda t: t.chunk(chunks, d), x)
    check(lambda t: tg.unbind(t, d), x)


@given(shape=NONSCALAR, data=st.data())
def test_flip(shape, data):
    ds = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    check(lambda t: t.flip(ds), data.draw(tensors(shape)))


# ---- indexing ------------------------------------------------------------------------------------------
def _index_item(n):
    """One index entry for a dim of size n: int (maybe negative), slice with a step, or an int array."""
    ints = st.integers(-n, n - 1)
    steps = st.sampled_from([None, 1, 2, 3])  # torch refuses steps < 1 (test_index_torch_rule.py)
    bounds = st.one_of(st.none(), st.integers(-n - 1, n + 1))
    sl = st.builds(slice, bounds, bounds, steps)
    arr = st.lists(ints, min_size=1, max_size=5).map(np.array)  # repeats allowed: gradients accumulate
    return st.one_of(ints, sl, arr)


@st.composite
def basic_and_advanced_index(draw, shape):
    """Entries for dims [0, a), then maybe Ellipsis standing for dims [a, b), entries for dims [b, n); a None
    inserted somewhere; at most one integer array (several would have to broadcast together)."""
    n = len(shape)
    a = draw(st.integers(0, n))
    b = draw(st.integers(a, n)) if draw(st.booleans()) else n
    ellipsis = b > a or draw(st.booleans())
    lead = [draw(_index_item(k)) for k in shape[:a]]
    trail = [draw(_index_item(k)) for k in shape[b:]] if ellipsis else []
    items = lead + [Ellipsis] * ellipsis + trail
    arrays_at = [k for k, i in enumerate(items) if isinstance(i, np.ndarray)]
    for k in arrays_at[1:]:
        items[k] = slice(None)
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), None)
    return tuple(items)


@given(shape=NONSCALAR, data=st.data())
def test_getitem(shape, data):
    x = data.draw(tensors(shape))
    idx = data.draw(basic_and_advanced_index(shape))
    expected = torch.from_numpy(x._data)[_torch_index(idx)].numpy()
    check(lambda t: t[idx], x, second=True)
    np.testing.assert_array_equal(x[idx]._data, expected)  # the value (and shape) is torch's indexing


def _torch_index(idx):
    """The same index for real torch (integer arrays as tensors; torch, like us, selects at integers first)."""
    return tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in idx)


INDEX_CASES = [
    0, -1, (1, 2), (slice(None, None, 2), -1), (Ellipsis, 1), (None, 0, Ellipsis, None),
    ([0, 0, 2],), (slice(1, None), [2, 2, 0]), ([0, 2], [1, 1]), (np.array([[0, 1], [1, 1]]),),
    (tg.tensor([2, 0, 2]),), (tg.tensor([True, False, True]),), (slice(None), tg.tensor([0, 2, 2])),
    (np.array([True, False, True]), slice(None, None, 2)), (Ellipsis, [1, 0, 1]),
]


@pytest.mark.parametrize("idx", INDEX_CASES, ids=range(len(INDEX_CASES)))
def test_getitem_cases(idx):
    x = tg.tensor(np.arange(3 * 3 * 2, dtype=np.float64).reshape(3, 3, 2) / 7, requires_grad=True)
    check(lambda t: t[idx], x, second=True)


@given(shape=NONSCALAR, data=st.data())
def test_bool_mask_and_masked_fill(shape, data):
    x = data.draw(tensors(shape))
    mask = data.draw(arrays(shape, np.bool_))
    check(lambda t: t[tg.tensor(mask)], x)
    bmask = tg.tensor(data.draw(arrays(broadcastable_shapes(shape, max_extra_dims=0), np.bool_)))
    check(lambda t: t.masked_fill(bmask, -2.0), x, second=True)
    check(lambda t, v: t.masked_fill(bmask, v), x, data.draw(tensors(())), second=True)


@given(shape=NONSCALAR, data=st.data())
def test_gather_index_select(shape, data):
    x = data.draw(tensors(shape))
    d = data.draw(one_dim(len(shape)))
    idx_shape = tuple(data.draw(st.integers(1, n)) if k != d % len(shape) else data.draw(st.integers(1, 4))
                      for k, n in enumerate(shape))
    index = tg.tensor(data.draw(arrays(idx_shape, np.int64, 0, shape[d] - 1)))
    check(lambda t: t.gather(d, index), x, second=True)
    rows = tg.tensor(data.draw(arrays((data.draw(st.integers(1, 4)),), np.int64, 0, shape[d] - 1)))
    check(lambda t: t.index_select(d, rows), x, second=True)


# ---- matmul --------------------------------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
                 ((3,), (2, 3, 4)), ((2, 3), (2, 3, 1)), ((2, 1, 2, 3), (3, 3, 2)), ((1, 2, 3), (2, 3, 2))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@given(data=st.data())
def test_matmul(sa, sb, data):
    check(tg.matmul, data.draw(tensors(sa)), data.draw(tensors(sb)), second=True)


# ---- setitem on a non-leaf (differentiable) ----------------------------------------------------------
@given(shape=NONSCALAR, data=st.data())
def test_setitem_on_non_leaf(shape, data):
    x = data.draw(tensors(shape))
    positions = np.arange(x.numel()).reshape(shape)
    # writing twice to one element (repeated array indices) keeps an unspecified one of the values, as in torch
    idx = data.draw(basic_and_advanced_index(shape).filter(
        lambda i: np.unique(positions[i]).size == positions[i].size))
    v = data.draw(tensors(broadcastable_shapes(tuple(x[idx].shape), max_extra_dims=0)))

    def put(t, value):
        y = t * 1.0
        y[idx] = value
        return y * y  # y is used after the write: the gradient must see the written values
    check(put, x, v, second=True)
    check(lambda t: _set_scalar(t, idx), x)


def _set_scalar(t, idx):
    y = t * 2.0
    y[idx] = 5.0
    return y
