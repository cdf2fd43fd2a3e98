"""Parity with real PyTorch: forward values, result dtypes and gradients of every op on the same float32
inputs, the same exception type for the same bad input, creation functions, max/min with dim, and repr."""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.testing import assert_close

import torch
F = torch.nn.functional


def _inputs(specs, seed):
    """float32 arrays from specs: a shape, or (shape, low, high) for a restricted domain."""
    rng = np.random.default_rng(seed)
    out = []
    for s in specs:
        shape, lo, hi = (s, -2.0, 2.0) if not (s and isinstance(s[0], tuple)) else s
        out.append(rng.uniform(lo, hi, shape).astype(np.float32))
    return out


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run_both(fn, arrays, grad=True):
    """fn(lib, *tensors) with lib = torch and lib = tinygrad_edu on copies of the same arrays: compare the
    outputs (values, dtypes) and, for float outputs, the gradients of sum(out * w) for a fixed random w."""
    xs_t = [torch.tensor(a, requires_grad=grad) for a in arrays]
    xs_o = [tg.tensor(a, requires_grad=grad) for a in arrays]
    outs_t, outs_o = _outputs(fn(torch, *xs_t)), _outputs(fn(tg, *xs_o))
    assert len(outs_t) == len(outs_o)
    rng = np.random.default_rng(99)
    loss_t = loss_o = 0
    for ot, oo in zip(outs_t, outs_o):
        assert_close(oo, ot, rtol=1e-5, atol=1e-6)
        if grad and ot.dtype.is_floating_point and ot.requires_grad:
            w = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
            loss_t = loss_t + (ot * torch.tensor(w)).sum()
            loss_o = loss_o + (oo * tg.tensor(w)).sum()
    if grad and not isinstance(loss_t, int):
        loss_t.backward()
        loss_o.backward()
        for i, (xt, xo) in enumerate(zip(xs_t, xs_o)):
            if xt.grad is None:
                assert xo.grad is None or not xo.grad._data.any(), f"input {i}: torch has no gradient"
            else:
                assert xo.grad is not None, f"input {i} got no gradient"
                assert_close(xo.grad, xt.grad, rtol=1e-5, atol=1e-5, msg=f"gradient of input {i}")


POS = ((3, 4), 0.2, 3.0)
AWAY = ((3, 4), 0.3, 2.0)  # used for kinks: the sign is flipped for half of them below


def leaky(L, x):
    return F.leaky_relu(x, 0.1) if L is torch else x.leaky_relu(0.1)


UNARY = {
    "neg": lambda L, x: -x, "abs": lambda L, x: L.abs(x * L.tensor([1., -1., 1., -1.])),
    "exp": lambda L, x: x.exp(), "log": lambda L, x: L.log(x), "log1p": lambda L, x: x.log1p(),
    "sqrt": lambda L, x: x.sqrt(), "rsqrt": lambda L, x: L.rsqrt(x), "sin": lambda L, x: x.sin(),
    "cos": lambda L, x: L.cos(x), "tanh": lambda L, x: x.tanh(), "sigmoid": lambda L, x: L.sigmoid(x),
    "relu": lambda L, x: (x - 1).relu(), "leaky_relu": lambda L, x: leaky(L, x - 1),
    "clamp": lambda L, x: x.clamp(0.5, 1.5), "clamp_min": lambda L, x: L.clamp(x, min=1.0),
    "clip_max": lambda L, x: x.clip(max=1.0), "sign": lambda L, x: (x - 1).sign(), "floor": lambda L, x: x.floor(),
    "ceil": lambda L, x: x.ceil(), "round": lambda L, x: L.round(x), "square": lambda L, x: x.square(),
    "reciprocal": lambda L, x: x.reciprocal(), "pos": lambda L, x: +x,
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name):
    run_both(UNARY[name], _inputs([POS], 1))


BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((3,), ()), ((), ())]
BINARY = {
    "add": lambda L, x, y: x + y, "sub": lambda L, x, y: L.sub(x, y), "mul": lambda L, x, y: x * y,
    "div": lambda L, x, y: x / y, "pow": lambda L, x, y: x ** (y - 1), "maximum": lambda L, x, y: L.maximum(x, y),
    "minimum": lambda L, x, y: x.minimum(y), "where": lambda L, x, y: L.where(x > y, x, y * 2),
    "add_alpha": lambda L, x, y: L.add(x, y, alpha=2), "sub_alpha": lambda L, x, y: x.sub(y, alpha=0.5),
    "max_binary": lambda L, x, y: L.max(x, y),
}


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, shapes):
    run_both(BINARY[name], _inputs([(shapes[0], 0.2, 3.0), (shapes[1], 0.2, 3.0)], 2))


SCALAR = [lambda L, x: x + 2.5, lambda L, x: 2.5 - x, lambda L, x: 3 * x, lambda L, x: x / 4, lambda L, x: 3 / x,
          lambda L, x: x ** 2, lambda L, x: x ** 0.5, lambda L, x: 2 ** x, lambda L, x: x * True,
          lambda L, x: L.where(x > 1, x, 0.0), lambda L, x: x.masked_fill(x > 1, 0.5), lambda L, x: x * 0 + x.sum()]


@pytest.mark.parametrize("i", range(len(SCALAR)))
def test_with_python_scalars(i):
    run_both(SCALAR[i], _inputs([POS], 3))


REDUCE = {
    "sum": lambda L, x: x.sum(), "sum_dim": lambda L, x: x.sum(1), "sum_tuple": lambda L, x: x.sum((0, -1), keepdim=True),
    "mean": lambda L, x: x.mean(), "mean_dim": lambda L, x: L.mean(x, -1, keepdim=True),
    "max": lambda L, x: x.max(), "min": lambda L, x: L.min(x), "max_dim": lambda L, x: x.max(1),
    "min_dim": lambda L, x: x.min(dim=0, keepdim=True), "amax": lambda L, x: x.amax((0, 2)),
    "amin": lambda L, x: L.amin(x, -1), "argmax": lambda L, x: x.argmax(), "argmax_dim": lambda L, x: x.argmax(1),
    "argmin_dim": lambda L, x: L.argmin(x, 0, keepdim=True), "prod": lambda L, x: x.prod(),
    "prod_dim": lambda L, x: x.prod(1, keepdim=True), "var": lambda L, x: x.var(), "var_dim": lambda L, x: x.var(1),
    "var_biased": lambda L, x: x.var(0, unbiased=False), "var_corr": lambda L, x: L.var(x, (0, 1), correction=0),
    "std": lambda L, x: x.std(), "std_dim": lambda L, x: x.std(-1, keepdim=True),
    "logsumexp": lambda L, x: x.logsumexp(1), "logsumexp_t": lambda L, x: L.logsumexp(x, (0, 2)),
    "softmax": lambda L, x: x.softmax(-1), "log_softmax": lambda L, x: L.log_softmax(x, 1),
    "norm": lambda L, x: x.norm(), "norm_dim": lambda L, x: x.norm(dim=1), "norm_p1": lambda L, x: x.norm(1),
    "norm_inf": lambda L, x: x.norm(float("inf"), dim=0), "norm_p3": lambda L, x: L.norm(x, 3, dim=-1, keepdim=True),
    "cumsum": lambda L, x: x.cumsum(1), "cumsum_neg": lambda L, x: L.cumsum(x, -1),
    "all": lambda L, x: (x > 0).all(), "any_dim": lambda L, x: (x > 1).any(1),
}


@pytest.mark.parametrize("name", list(REDUCE))
def test_reduction(name):
    run_both(REDUCE[name], _inputs([(2, 3, 4)], 4))


SHAPE = {
    "reshape": lambda L, x: x.reshape(4, -1), "reshape_tuple": lambda L, x: L.reshape(x, (2, 12)),
    "view": lambda L, x: x.view(-1), "flatten": lambda L, x: x.flatten(1), "flatten_all": lambda L, x: L.flatten(x),
    "squeeze": lambda L, x: x[:, :1].squeeze(1), "squeeze_all": lambda L, x: x[:1, :, :1].squeeze(),
    "unsqueeze": lambda L, x: x.unsqueeze(-1), "transpose": lambda L, x: x.transpose(0, 2),
    "permute": lambda L, x: x.permute(2, 0, 1), "T2d": lambda L, x: x[0].T, "t": lambda L, x: x[1].t(),
    "mT": lambda L, x: x.mT, "expand": lambda L, x: x[:, :1].expand(2, 5, 4),
    "expand_lead": lambda L, x: x[0].expand(2, -1, -1), "repeat": lambda L, x: x.repeat(1, 2, 1, 2),
    "cat": lambda L, x: L.cat([x, x[:, :1] * 2], 1), "cat_neg": lambda L, x: L.cat((x, x), -1),
    "stack": lambda L, x: L.stack([x, x * 3], 1), "split": lambda L, x: x.split(2, 2),
    "split_sizes": lambda L, x: L.split(x, [1, 2], 1), "chunk": lambda L, x: x.chunk(3, -1),
    "flip": lambda L, x: x.flip(0, 2) if L is torch else x.flip((0, 2)), "flip_list": lambda L, x: L.flip(x, [1]),
    "narrow": lambda L, x: x.narrow(2, 1, 2), "unbind": lambda L, x: x.unbind(1),
    "movedim": lambda L, x: x.movedim(0, -1), "contiguous": lambda L, x: x.transpose(0, 1).contiguous(),
    "clone": lambda L, x: x.clone(), "view_as": lambda L, x: x.view_as(L.zeros(4, 6)),
}


@pytest.mark.parametrize("name", list(SHAPE))
def test_shape(name):
    run_both(SHAPE[name], _inputs([(2, 3, 4)], 5))


INDEX = {
    "int": lambda L, x: x[1], "neg_int": lambda L, x: x[-1, 2], "slice_step": lambda L, x: x[::2, 1:],
    "neg_slice": lambda L, x: x[:, -2:], "none": lambda L, x: x[None, 1, None],
    "ellipsis": lambda L, x: x[..., 1], "int_list_repeats": lambda L, x: x[[0, 0, 1]],
    "int_tensor": lambda L, x: x[:, L.tensor([2, 0, 2])], "two_arrays": lambda L, x: x[L.tensor([0, 1]), L.tensor([2, 2])],
    "bool_mask": lambda L, x: x[x > 0], "bool_rows": lambda L, x: x[L.tensor([True, False])],
    "mixed": lambda L, x: x[1:, L.tensor([0, 2, 2]), ::3], "gather": lambda L, x: x.gather(2, L.tensor([[[0, 3], [1, 1], [2, 0]]] * 2)),
    "index_select": lambda L, x: x.index_select(1, L.tensor([2, 0, 2])), "masked_fill": lambda L, x: x.masked_fill(x < 0, 1.0),
    "masked_select": lambda L, x: x.masked_select(x > 0),
}


@pytest.mark.parametrize("name", list(INDEX))
def test_indexing(name):
    run_both(INDEX[name], _inputs([(2, 3, 4)], 6))


def _setitem(L, x, v):
    y = x * 2
    y[0, 1:] = v
    y[:, 0] = 7.0
    return y * y


MATMUL = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 2))]


@pytest.mark.parametrize("sa,sb", MATMUL, ids=str)
def test_matmul(sa, sb):
    run_both(lambda L, a, b: a @ b, _inputs([sa, sb], 7))


@pytest.mark.parametrize("name,fn,shapes", [
    ("mm", lambda L, a, b: L.mm(a, b), [(2, 3), (3, 4)]), ("bmm", lambda L, a, b: a.bmm(b), [(2, 2, 3), (2, 3, 4)]),
    ("dot", lambda L, a, b: L.dot(a, b), [(3,), (3,)]), ("mv", lambda L, a, b: a.mv(b), [(2, 3), (3,)]),
    ("setitem", _setitem, [(2, 3), (2,)]), ("rmatmul_chain", lambda L, a, b: (a @ b).tanh() @ b.T, [(2, 3), (3, 3)]),
])
def test_other_ops(name, fn, shapes):
    run_both(fn, _inputs(shapes, 8))


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(name):
    a, b = _inputs([(3, 4), (4,)], 9)
    a[0, :] = b  # some equal elements
    run_both(lambda L, x, y: getattr(x, name)(y), [a, b], grad=False)
    run_both(lambda L, x, y: getattr(L, name)(x, 0.5), [a, b], grad=False)


# ---- result dtypes (type promotion) ----------------------------------------------------------------------
PROMOTION = [
    lambda L: L.tensor([1., 2.]) * 2.5, lambda L: L.tensor([1, 2]) / 2, lambda L: L.tensor([1, 2]) / L.tensor([2, 4]),
    lambda L: L.tensor([1, 2]) + L.tensor([1., 2.]), lambda L: L.tensor([1, 2]) * 1.5,
    lambda L: L.tensor([True, False]) + 1, lambda L: L.tensor([True, False]) + L.tensor([1, 2]),
    lambda L: L.tensor([True, False]) * 1.5, lambda L: L.tensor([1, 2]) * True,
    lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(5), lambda L: L.tensor([1, 2], dtype=L.int32) + 5,
    lambda L: L.tensor([1., 2.]) + L.tensor(5., dtype=L.float64), lambda L: L.tensor(5., dtype=L.float64) * L.tensor([1.]),
    lambda L: L.tensor([1., 2.], dtype=L.float64) + L.tensor([1., 2.]), lambda L: L.tensor(1, dtype=L.int32) + L.tensor(2.0),
    lambda L: L.tensor([1, 2], dtype=L.uint8) + L.tensor([1, 2], dtype=L.int8), lambda L: L.tensor([1, 2]) * L.tensor(2.5),
    lambda L: L.tensor([1, 2]) // 2, lambda L: L.tensor([5, 7]) % 3, lambda L: L.tensor([1., 2.]) // 2,
    lambda L: L.tensor([1, 2]) ** 2, lambda L: 2 ** L.tensor([1, 2]), lambda L: L.tensor([1, 2]) ** 0.5,
    lambda L: 2.5 ** L.tensor([1, 2]), lambda L: L.tensor([1., 2.]) ** L.tensor(2),
    lambda L: L.tensor([1, 2]).sum(), lambda L: L.tensor([True, False]).sum(), lambda L: L.tensor([1, 2], dtype=L.int32).sum(),
    lambda L: L.tensor([1, 2], dtype=L.int32).prod(), lambda L: L.tensor([1, 2]).exp(), lambda L: L.tensor([4, 9]).sqrt(),
    lambda L: L.tensor([1., 2.]) > 1, lambda L: L.tensor([1, 2]) == 1.0, lambda L: L.where(L.tensor([True, False]), 1.0, 0.0),
    lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 0.5), lambda L: L.tensor([1, 2]).max(),
    lambda L: L.tensor([1, 2]).abs(), lambda L: -L.tensor([1, 2]), lambda L: L.tensor([1, 2]).clamp(0.5, 1.5),
    lambda L: L.tensor([1, 2]).clamp(min=1), lambda L: L.maximum(L.tensor([1, 2]), L.tensor([1.5, 0.])),
    lambda L: L.tensor([1, 2], dtype=L.int16) * 1000, lambda L: L.tensor([1., 2.], dtype=L.float16) + 1.0,
    lambda L: L.tensor([1., 2.]) + L.tensor([1., 2.], dtype=L.float16), lambda L: L.tensor([1, 2]).cumsum(0),
    lambda L: L.tensor([1, 2]).float() * L.tensor([1, 2]).double(), lambda L: L.tensor([1., 2.]) @ L.tensor([1., 2.]),
    lambda L: L.tensor([1, 2]).mean(dtype=L.float64), lambda L: L.cat([L.tensor([1]), L.tensor([1.5])]),
    lambda L: L.tensor([3., 4.], dtype=L.float64).norm(), lambda L: L.tensor([1, 2]).sign(),
]


@pytest.mark.parametrize("i", range(len(PROMOTION)))
def test_result_dtype(i):
    expected, actual = PROMOTION[i](torch), PROMOTION[i](tg)
    assert_close(actual, expected)  # same values, same shape, same dtype


def test_float32_stays_float32_with_numpy_and_python_floats():
    x = tg.ones(3)
    for y in (x * 0.1, x + 1e-7, x / 3.0, x ** 1.5, x.exp() * 2, tg.sigmoid(x) - 0.5, x.mean() * 1.1, x.var(), x.std()):
        assert y.dtype == tg.float32


# ---- the same exception type for the same bad input -------------------------------------------------------
def _x(L):
    return L.ones(2, 3)


ERRORS = {
    "matmul_shapes": lambda L: L.ones(10, 3) @ L.ones(4, 3),
    "matmul_vec": lambda L: L.ones(3) @ L.ones(4), "matmul_0d": lambda L: L.tensor(1.) @ L.ones(3),
    "cat_size": lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)]), "cat_ndim": lambda L: L.cat([L.ones(2, 3), L.ones(3)]),
    "stack_size": lambda L: L.stack([L.ones(2), L.ones(3)]), "reshape_size": lambda L: _x(L).reshape(4, 2),
    "reshape_two_inferred": lambda L: _x(L).view(-1, -1), "view_non_contiguous": lambda L: _x(L).t().view(6),
    "expand_invalid": lambda L: _x(L).expand(2, 4), "expand_fewer": lambda L: _x(L).expand(3),
    "broadcast_add": lambda L: L.ones(3) + L.ones(4), "broadcast_mul": lambda L: L.ones(2, 3) * L.ones(2, 1, 2),
    "index_out_of_range": lambda L: _x(L)[5], "index_out_of_range_dim1": lambda L: _x(L)[:, 7],
    "index_too_many": lambda L: _x(L)[0, 0, 0], "index_list_out_of_range": lambda L: _x(L)[[0, 2]],
    "index_float": lambda L: _x(L)[L.tensor([0.5])], "dim_sum": lambda L: _x(L).sum(3),
    "dim_softmax": lambda L: _x(L).softmax(2), "dim_unsqueeze": lambda L: _x(L).unsqueeze(5),
    "dim_transpose": lambda L: _x(L).transpose(0, 4), "dim_max": lambda L: _x(L).max(dim=-3),
    "dim_cat": lambda L: L.cat([_x(L), _x(L)], 2), "permute_count": lambda L: _x(L).permute(0),
    "numpy_requires_grad": lambda L: L.ones(2, requires_grad=True).numpy(),
    "item_multi": lambda L: _x(L).item(), "bool_ambiguous": lambda L: bool(_x(L)),
    "if_ambiguous": lambda L: 1 if _x(L) > 0 else 0,
    "backward_non_scalar": lambda L: (L.ones(2, requires_grad=True) * 2).backward(),
    "backward_no_grad": lambda L: L.ones(2).sum().backward(), "mean_int": lambda L: L.tensor([1, 2]).mean(),
    "requires_grad_int": lambda L: L.tensor([1, 2], requires_grad=True),
    "requires_grad_int_setter": lambda L: L.tensor([1, 2]).requires_grad_(),
    "non_leaf_requires_grad_false": lambda L: setattr(L.ones(2, requires_grad=True) * 2, "requires_grad", False),
    "ragged": lambda L: L.tensor([[1, 2], [3]]), "len_0d": lambda L: len(L.tensor(1.)),
    "iter_0d": lambda L: iter(L.tensor(1.)), "add_string": lambda L: _x(L) + "a",
    "negative_size": lambda L: L.zeros(-1), "gather_dtype": lambda L: _x(L).gather(1, L.tensor([[0.5]])),
    "masked_fill_int_mask": lambda L: _x(L).masked_fill(L.ones(2, 3, dtype=L.int64), 0.),
    "where_int_cond": lambda L: L.where(L.ones(3, dtype=L.int64), L.ones(3), L.zeros(3)),
    "sub_bool": lambda L: L.tensor([True]) - L.tensor([False]), "neg_bool": lambda L: -L.tensor([True]),
    "randint_empty": lambda L: L.randint(5, 5, (2,)), "arange_bad_step": lambda L: L.arange(0, 5, -1),
    "split_sizes": lambda L: _x(L).split([1, 1], 1), "chunk_zero": lambda L: _x(L).chunk(0),
    "flatten_bad": lambda L: _x(L).flatten(1, 0), "clamp_none": lambda L: _x(L).clamp(),
    "inplace_leaf": lambda L: L.ones(2, requires_grad=True).add_(1),
    "inplace_int_float": lambda L: L.tensor([1, 2]).add_(1.5),
    "inplace_expanded": lambda L: L.ones(3, 1).expand(3, 4).add_(1),
    "mm_1d": lambda L: L.mm(L.ones(3), L.ones(3)), "bmm_batch": lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 3, 2)),
    "tensor_string": lambda L: L.tensor(["a"]), "zeros_float_size": lambda L: L.zeros(2.5),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_same_exception_type(name):
    with pytest.raises(Exception) as expected:
        ERRORS[name](torch)
    with pytest.raises(Exception) as actual:
        ERRORS[name](tg)
    assert isinstance(actual.value, type(expected.value)), (
        f"torch raised {type(expected.value).__name__}: {expected.value}\n"
        f"we raised {type(actual.value).__name__}: {actual.value}")


@pytest.mark.parametrize("sa,sb", [((10, 3), (4, 3)), ((2, 5, 3), (4, 2)), ((3,), (4, 2))])
def test_matmul_error_message_matches_torch(sa, sb):
    with pytest.raises(RuntimeError) as expected:
        torch.ones(sa) @ torch.ones(sb)
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied") as actual:
        tg.ones(sa) @ tg.ones(sb)
    assert str(actual.value) == str(expected.value)


# ---- creation functions: dtypes, shapes and (where deterministic) values ---------------------------------
CREATION = [
    lambda L: L.tensor([1., 2.]), lambda L: L.tensor([1, 2]), lambda L: L.tensor([True, False]),
    lambda L: L.tensor([[1, 2], [3, 4]]), lambda L: L.tensor([[1., 2], [3, 4]]), lambda L: L.tensor([1, 2.5, True]),
    lambda L: L.tensor(3), lambda L: L.tensor(3.5), lambda L: L.tensor(True), lambda L: L.tensor([]),
    lambda L: L.tensor(np.zeros(3)), lambda L: L.tensor(np.zeros(3, np.float32)), lambda L: L.tensor(np.arange(3)),
    lambda L: L.tensor(np.array([1, 2], np.int32)), lambda L: L.tensor([1, 2], dtype=L.float32),
    lambda L: L.tensor([1.7, -2.7], dtype=L.int64), lambda L: L.tensor([[1.5], [2.]], dtype=L.float64),
    lambda L: L.as_tensor([1, 2]), lambda L: L.from_numpy(np.ones((2, 2), np.float32)),
    lambda L: L.arange(5), lambda L: L.arange(0, 1, 0.1), lambda L: L.arange(1., 4.), lambda L: L.arange(0, 10, 3),
    lambda L: L.arange(5, dtype=L.float64), lambda L: L.arange(10, 0, -3), lambda L: L.linspace(0, 1, 5),
    lambda L: L.linspace(-1, 1, 1), lambda L: L.linspace(0, 10, 4, dtype=L.float64), lambda L: L.eye(3),
    lambda L: L.eye(2, 3), lambda L: L.eye(2, dtype=L.int64), lambda L: L.full((2, 3), 7),
    lambda L: L.full((2,), 1.5), lambda L: L.full((2,), True), lambda L: L.full((1, 2), 3, dtype=L.float64),
    lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3)), lambda L: L.ones(3, dtype=L.int64), lambda L: L.ones([]),
    lambda L: L.zeros_like(L.tensor([1, 2])), lambda L: L.ones_like(L.tensor([1.], dtype=L.float64)),
    lambda L: L.full_like(L.tensor([1, 2]), 4), lambda L: L.zeros_like(L.ones(2), dtype=L.bool),
    lambda L: L.empty(2, 3).shape, lambda L: L.empty_like(L.ones(2, dtype=L.int64)).dtype,
    lambda L: L.rand(2, 3).dtype, lambda L: L.randn(4).shape, lambda L: L.rand(2, dtype=L.float64).dtype,
    lambda L: L.randint(0, 10, (3,)).dtype, lambda L: L.randint(10, (2, 3)).shape, lambda L: L.randperm(5).dtype,
    lambda L: L.normal(0., 1., (2, 3)).shape, lambda L: L.normal(0., 1., (2, 3)).dtype,
    lambda L: L.normal(L.zeros(3), 1.).shape, lambda L: L.normal(L.zeros(3, dtype=L.float64), L.ones(3)).dtype,
    lambda L: L.rand_like(L.ones(2, dtype=L.float64)).dtype, lambda L: L.randn_like(L.ones(3)).shape,
]


@pytest.mark.parametrize("i", range(len(CREATION)))
def test_creation(i):
    expected, actual = CREATION[i](torch), CREATION[i](tg)
    if isinstance(expected, torch.Tensor):
        assert_close(actual, expected, rtol=1e-6, atol=1e-6)
    elif isinstance(expected, torch.Size):
        assert tuple(actual) == tuple(expected)
    else:
        assert str(actual).replace("tinygrad_edu.", "") == str(expected).replace("torch.", "")


def test_random_draws_are_reproducible_and_in_range():
    tg.manual_seed(3)
    a = (tg.rand(100), tg.randint(2, 5, (100,)), tg.randn(100))
    tg.manual_seed(3)
    b = (tg.rand(100), tg.randint(2, 5, (100,)), tg.randn(100))
    for x, y in zip(a, b):
        assert_close(x, y)
    assert 0 <= a[0].min().item() and a[0].max().item() < 1
    assert set(a[1].tolist()) <= {2, 3, 4}
    assert sorted(tg.randperm(7).tolist()) == list(range(7))


# ---- max / min with dim return (values, indices) like torch -------------------------------------------------
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, True), (-1, False), (-2, True)])
def test_max_min_with_dim(name, dim, keepdim):
    a = np.random.default_rng(11).permutation(12).reshape(3, 4).astype(np.float32)
    rt, ro = getattr(torch.tensor(a), name)(dim, keepdim), getattr(tg.tensor(a), name)(dim, keepdim=keepdim)
    assert type(ro).__name__ == name and ro._fields == ("values", "indices")
    assert_close(ro.values, rt.values)
    assert_close(ro.indices, rt.indices)
    values, indices = ro  # unpacks as a pair
    assert_close(indices, rt[1])


# ---- repr ---------------------------------------------------------------------------------------------------
REPR = [
    lambda L: L.tensor([[0.2, 6.0, 0.2], [0.1, 0.8, 10.0]]), lambda L: L.tensor(2.5, requires_grad=True),
    lambda L: L.tensor([1, 2, 3]), lambda L: L.tensor([[1, -2], [30, 4]]), lambda L: L.tensor([True, False]),
    lambda L: L.tensor([[True], [False]]), lambda L: L.tensor([True, True]),
    lambda L: L.tensor([1., 2.], requires_grad=True) * 2, lambda L: (L.tensor([1., 2.], requires_grad=True) * 2).sum(),
    lambda L: L.tensor([1., 2.], requires_grad=True) + 1, lambda L: L.tensor([1., 2.], requires_grad=True).exp(),
    lambda L: L.tensor([[1., 2.]], requires_grad=True).mean(), lambda L: L.tensor([1., 2.], dtype=L.float64),
    lambda L: L.tensor(2.5, dtype=L.float64), lambda L: L.tensor([1e-5, 1.]), lambda L: L.tensor([1e10, 1.]),
    lambda L: L.tensor([1.5, float("nan"), float("inf")]), lambda L: L.tensor([-1., 0.5]), lambda L: L.zeros(0),
    lambda L: L.zeros(2, 0), lambda L: L.tensor([], dtype=L.int64), lambda L: L.tensor(3),
    lambda L: L.arange(12.).reshape(3, 4), lambda L: L.arange(2000.), lambda L: L.arange(3000).reshape(1000, 3),
    lambda L: L.arange(2000).reshape(2, 1000), lambda L: L.tensor([1, 2], dtype=L.int32),
    lambda L: L.tensor([0.1, 0.25]), lambda L: L.tensor([123.456, 0.001]), lambda L: L.tensor([100000., 1.]),
    lambda L: L.tensor([1., 2.], dtype=L.float16), lambda L: L.ones(2, 2, 2), lambda L: L.tensor(-0.5),
    lambda L: L.tensor([0., 0.]),
]


@pytest.mark.parametrize("i", range(len(REPR)))
def test_repr(i):
    assert repr(REPR[i](tg)) == repr(REPR[i](torch)).replace("torch.", "tinygrad_edu.")
