"""Reductions, softmax and matmul at their edges, against real torch (issue 11 items 6, 7, 11, 12):
empty inputs, contiguity where .view depends on it, std's gradient where std == 0, repeated dims,
non-Tensor arguments, the messages that name sizes, and 0-d float32 leaves in backward."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg


def both(array, requires_grad=False):
    """The same float array as a torch tensor and one of ours."""
    array = np.asarray(array)
    return (torch.tensor(array, requires_grad=requires_grad), tg.tensor(array, requires_grad=requires_grad))


def outcome(fn):
    try:
        return fn(), None
    except Exception as error:  # noqa: BLE001 - the class is what we compare
        return None, error


def same_error(torch_fn, our_fn, *mentions):
    """Both raise the same exception class; ours names what torch's names (`mentions`)."""
    _, t_err = outcome(torch_fn)
    _, o_err = outcome(our_fn)
    assert t_err is not None, "torch accepted it: the case is wrong"
    assert type(o_err) is type(t_err), f"ours {o_err!r}, torch {t_err!r}"
    for word in mentions:
        assert word in str(t_err) and word in str(o_err), (str(o_err), str(t_err))
    return o_err, t_err


def agree(t, o):
    o = np.asarray(o.detach()._data)
    t = t.detach().numpy()
    assert o.shape == t.shape and o.dtype == t.dtype, (o.shape, o.dtype, t.shape, t.dtype)
    np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6)


# ---- 1. empty inputs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((0, 3), 0), ((0, 3), -1), ((0,), 0), ((3, 0), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_of_empty(name, shape, dim):
    tx, ox = both(np.zeros(shape, np.float32), requires_grad=True)
    t_out, o_out = getattr(torch, name)(tx, dim), getattr(tg, name)(ox, dim)
    agree(t_out, o_out)
    t_out.sum().backward()
    o_out.sum().backward()
    agree(tx.grad, ox.grad)


@pytest.mark.parametrize("shape,dim", [((0, 3), 0), ((0, 3), 1), ((3, 0), 1)])
def test_logsumexp_of_empty(shape, dim):
    tx, ox = both(np.zeros(shape, np.float64), requires_grad=True)
    with np.errstate(divide="ignore"):
        t_out, o_out = torch.logsumexp(tx, dim), tg.logsumexp(ox, dim)
    agree(t_out, o_out)


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_over_a_full_dim_of_an_empty_tensor(name):
    tx, ox = both(np.zeros((0, 3), np.float32), requires_grad=True)
    t_out, o_out = getattr(torch, name)(tx, 1), getattr(tg, name)(ox, 1)
    agree(t_out.values, o_out.values)
    agree(t_out.indices, o_out.indices)
    arg = "argmax" if name == "max" else "argmin"
    agree(getattr(torch, arg)(tx, 1), getattr(tg, arg)(ox, 1))


@pytest.mark.parametrize("name,args", [("max", (0,)), ("min", (-2,)), ("argmax", (0,)), ("argmin", (0,)),
                                       ("argmax", ()), ("argmin", ()), ("amax", (0,)), ("amin", ()),
                                       ("max", ())])
def test_nothing_to_choose_from(name, args):
    tx, ox = both(np.zeros((0, 3), np.float32))
    same_error(lambda: getattr(torch, name)(tx, *args), lambda: getattr(tg, name)(ox, *args))
    if args and args[0] in (0, -2):
        same_error(lambda: getattr(torch, name)(tx, *args), lambda: getattr(tg, name)(ox, *args), "dim 0")


# ---- 2. contiguity -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda x: x.permute(1, 0), lambda x: x[:, ::2], lambda x: x.t()[::2]])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "cumsum"])
def test_results_contiguous_as_torch(name, make):
    array = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    tx, ox = both(array)
    t_out, o_out = getattr(torch, name)(make(tx), 0), getattr(tg, name)(make(ox), 0)
    assert o_out.is_contiguous() == t_out.is_contiguous()
    agree(t_out.view(-1), o_out.view(-1))


def test_softmax_of_permuted_then_view_backward():
    array = np.random.default_rng(1).standard_normal((5, 5))
    tx, ox = both(array, requires_grad=True)
    weights = np.random.default_rng(2).standard_normal(25)
    (torch.softmax(tx.permute(1, 0), dim=-2).view(25) * torch.tensor(weights)).sum().backward()
    (tg.softmax(ox.permute(1, 0), dim=-2).view(25) * tg.tensor(weights)).sum().backward()
    agree(tx.grad, ox.grad)


# ---- 3. std where std == 0, repeated dims, norm and logsumexp dtypes ------------------------------------
@pytest.mark.parametrize("array,kwargs", [(np.float64(2.0), {"correction": 0}),
                                          (np.array([3.0]), {"dim": 0, "correction": 0}),
                                          (np.array([[3.0]]), {"correction": 0}),
                                          (np.array([[1.0, 1.0, 1.0], [2.0, 3.0, 5.0]]), {"dim": 1}),
                                          (np.array([[1.0, 1.0], [1.0, 1.0]]), {})])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_gradient_where_std_is_zero(array, kwargs, dtype):
    tx, ox = both(np.asarray(array, dtype), requires_grad=True)
    t_out, o_out = tx.std(**kwargs), ox.std(**kwargs)
    agree(t_out, o_out)
    assert o_out.grad_fn.name() == t_out.grad_fn.name()
    t_out.sum().backward()
    o_out.sum().backward()
    agree(tx.grad, ox.grad)
    assert not np.isnan(np.asarray(ox.grad._data)).any()


def test_std_second_derivative_matches_torch_away_from_zero():
    array = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    tx, ox = both(array, requires_grad=True)
    (tg_, ) = tg.autograd.grad(ox.std(1).sum(), ox, create_graph=True)
    (tt_, ) = torch.autograd.grad(tx.std(1).sum(), tx, create_graph=True)
    agree(tt_, tg_)
    agree(torch.autograd.grad((tt_ * tt_).sum(), tx)[0], tg.autograd.grad((tg_ * tg_).sum(), ox)[0])


@pytest.mark.parametrize("call", [lambda L, x: L.sum(x, (0, 0)), lambda L, x: x.sum((0, 1, 0)),
                                  lambda L, x: x.mean(dim=(1, -1)), lambda L, x: L.var(x, (0, -2)),
                                  lambda L, x: x.std(dim=[1, 1]), lambda L, x: L.amax(x, (1, -1)),
                                  lambda L, x: L.amin(x, (0, 0)), lambda L, x: L.logsumexp(x, (0, 0)),
                                  lambda L, x: L.norm(x, dim=(1, 1)), lambda L, x: L.norm(x, p=1, dim=(0, -2))])
def test_repeated_dims_refused(call):
    tx, ox = both(np.ones((2, 3), np.float32))
    same_error(lambda: call(torch, tx), lambda: call(tg, ox), "appears multiple times")
    o_err, t_err = same_error(lambda: call(torch, tx), lambda: call(tg, ox))
    assert str(o_err) == str(t_err)


def test_norm_refusals_and_logsumexp_dtype():
    tx, ox = both(np.ones((2, 3), np.float32))
    same_error(lambda: torch.norm(tx, p="abc"), lambda: tg.norm(ox, p="abc"), "abc")
    for array in (np.arange(3), np.array([True, False])):
        t_i, o_i = torch.tensor(array), tg.tensor(array)
        same_error(lambda: torch.norm(t_i), lambda: tg.norm(o_i), "floating point")
        agree(torch.logsumexp(t_i, 0), tg.logsumexp(o_i, 0))


# ---- 4. non-Tensor arguments, messages naming sizes -------------------------------------------------------
BAD = [[1.0, 2.0], "abc", np.ones(2, np.float32), None]
REDUCTIONS = [("sum", ()), ("sum", (0,)), ("mean", ()), ("max", ()), ("max", (0,)), ("min", (0,)),
              ("argmax", ()), ("argmin", (0,)), ("amax", ()), ("amin", (0,)), ("prod", ()), ("var", ()),
              ("std", ()), ("logsumexp", (0,)), ("softmax", (0,)), ("log_softmax", (0,)), ("cumsum", (0,)),
              ("all", ()), ("any", ())]


@pytest.mark.parametrize("bad", BAD, ids=["list", "str", "ndarray", "None"])
@pytest.mark.parametrize("name,args", REDUCTIONS)
def test_reduction_of_a_non_tensor(name, args, bad):
    same_error(lambda: getattr(torch, name)(bad, *args), lambda: getattr(tg, name)(bad, *args))


@pytest.mark.parametrize("bad", BAD, ids=["list", "str", "ndarray", "None"])
@pytest.mark.parametrize("name,shape", [("matmul", (2, 2)), ("mm", (2, 2)), ("bmm", (1, 2, 2)), ("dot", (2,)),
                                        ("mv", (2, 2))])
def test_product_with_a_non_tensor(name, shape, bad):
    tx, ox = both(np.ones(shape, np.float32))
    o_err, t_err = same_error(lambda: getattr(torch, name)(tx, bad), lambda: getattr(tg, name)(ox, bad))
    assert str(o_err) == str(t_err)
    same_error(lambda: getattr(torch, name)(bad, tx), lambda: getattr(tg, name)(bad, ox), "input")


@pytest.mark.parametrize("name,sa,sb", [("mm", (2, 3), (2, 3)), ("matmul", (2, 3), (2, 3)),
                                        ("bmm", (2, 2, 3), (2, 2, 3)), ("bmm", (2, 2, 3), (3, 3, 3)),
                                        ("matmul", (5, 2, 3), (4, 3, 3)), ("matmul", (5, 2, 2, 3), (4, 3, 3, 3)),
                                        ("mv", (2, 3), (2,)), ("dot", (2,), (3,)), ("matmul", (3,), (2, 4))])
def test_size_messages_as_torch(name, sa, sb):
    ta, oa = both(np.ones(sa, np.float32))
    tb, ob = both(np.ones(sb, np.float32))
    o_err, t_err = same_error(lambda: getattr(torch, name)(ta, tb), lambda: getattr(tg, name)(oa, ob))
    assert str(o_err) == str(t_err)


# ---- 5. 0-d float32 leaves in backward --------------------------------------------------------------------
@pytest.mark.parametrize("fn", [lambda L, w: L.norm(w), lambda L, w: w.abs(), lambda L, w: L.norm(w, p=1),
                                lambda L, w: L.norm(w, p=3.0), lambda L, w: w.std(correction=0)])
def test_0d_float32_leaf(fn):
    tw, ow = both(np.float32(-0.75), requires_grad=True)
    t_out, o_out = fn(torch, tw), fn(tg, ow)
    agree(t_out, o_out)
    t_out.backward()
    o_out.backward()
    agree(tw.grad, ow.grad)


def test_float64_meets_0d_float32_leaf():
    tx, ox = both(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    tw, ow = both(np.float32(0.5), requires_grad=True)
    (tx * tw).sum().backward()
    (ox * ow).sum().backward()
    agree(tx.grad, ox.grad)
    agree(tw.grad, ow.grad)
    assert ow.grad.dtype == tg.float32 and ox.grad.dtype == tg.float64
