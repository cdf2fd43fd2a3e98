"""F.scaled_dot_product_attention (ops/attention.py) against real torch 2.13: values and gradients of
query, key, value and a float mask for every kind of mask (none, bool with a fully masked row,
float, causal with L < S and L > S), broadcast batch dims, 2-D to 5-D inputs, scale, value size
!= key size, grouped-query attention; float32 and float64; torch's node names; dropout by its
invariants; gradcheck and gradgradcheck in float64; torch's errors."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as TF
from tinygrad_edu.autograd import gradcheck, gradgradcheck

TF32, TF64 = (np.float32, 3e-6), (np.float64, 1e-13)


def _both(arrays, requires_grad=True):
    return ([torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays],
            [tg.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays])


def _check(shapes, dt, mask=None, mask_grad=False, **kw):
    """Forward and backward in both libraries; compares the output, every gradient and the node name."""
    rng = np.random.default_rng(sum(map(sum, shapes)))
    dtype, tol = dt
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    T, G = _both(arrays)
    if mask is not None:
        m = mask.astype(dtype) if mask.dtype.kind == "f" else mask
        (mt,), (mg,) = _both([m], requires_grad=mask_grad)
        T.append(mt)
        G.append(mg)
    ot = torch.nn.functional.scaled_dot_product_attention(*T, **kw)
    og = TF.scaled_dot_product_attention(*G, **kw)
    assert og.shape == tuple(ot.shape) and og.dtype == getattr(tg, str(ot.dtype)[6:])
    np.testing.assert_allclose(og.detach().numpy(), ot.detach().numpy(), rtol=tol, atol=tol)
    assert og.grad_fn.name() == ot.grad_fn.name()
    seed = rng.standard_normal(tuple(ot.shape)).astype(dtype)
    ot.backward(torch.tensor(seed))
    og.backward(tg.tensor(seed))
    for a, b in zip(T, G):
        if a.requires_grad:
            np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=10 * tol, atol=10 * tol)
    return og


def _row_dead_bool(L, S, seed=0):
    m = np.random.default_rng(seed).random((L, S)) > 0.5
    m[:, 0] = True
    m[1] = False  # query 1 may see no key: torch gives 0 there, not NaN
    return m


@pytest.mark.parametrize("dt", [TF32, TF64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", ["plain3d", "plain4d", "ev_differs", "broadcast", "2d", "5d", "scale", "gqa"])
def test_shapes_against_torch(dt, case):
    shapes, kw = {
        "plain3d": ([(2, 3, 4), (2, 5, 4), (2, 5, 4)], {}),
        "plain4d": ([(2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 8)], {}),
        "ev_differs": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 7)], {}),
        "broadcast": ([(2, 1, 3, 4), (3, 5, 4), (1, 5, 4)], {}),
        "2d": ([(3, 4), (5, 4), (5, 2)], {}),
        "5d": ([(2, 1, 2, 3, 4), (2, 1, 2, 5, 4), (2, 1, 2, 5, 4)], {}),
        "scale": ([(2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {"scale": 0.37}),
        "gqa": ([(2, 6, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4)], {"enable_gqa": True}),
    }[case]
    _check(shapes, dt, **kw)


@pytest.mark.parametrize("dt", [TF32, TF64], ids=["float32", "float64"])
@pytest.mark.parametrize("kind", ["bool", "bool_broadcast", "float", "float_grad", "float_dead_row",
                                  "causal_short", "causal_long", "causal_4d"])
def test_masks_against_torch(dt, kind):
    shapes3, shapes4 = [(2, 3, 4), (2, 5, 4), (2, 5, 6)], [(2, 2, 4, 4), (2, 2, 4, 4), (2, 2, 4, 4)]
    dead = np.zeros((3, 5))
    dead[2] = -np.inf
    args = {
        "bool": (shapes3, {"mask": _row_dead_bool(3, 5)}),
        "bool_broadcast": (shapes4, {"mask": np.random.default_rng(1).random((2, 1, 4, 4)) > 0.3}),
        "float": (shapes3, {"mask": np.random.default_rng(2).standard_normal((2, 3, 5))}),
        "float_grad": (shapes4, {"mask": np.random.default_rng(3).standard_normal((4, 4)), "mask_grad": True}),
        "float_dead_row": (shapes3, {"mask": dead, "mask_grad": True}),
        "causal_short": (shapes3, {"is_causal": True}),
        "causal_long": ([(2, 6, 4), (2, 3, 4), (2, 3, 4)], {"is_causal": True}),
        "causal_4d": (shapes4, {"is_causal": True}),
    }[kind]
    out = _check(args[0], dt, **args[1])
    if kind == "bool":
        assert not out.detach().numpy()[:, 1].any()


def test_dropout_zero_is_exact_and_dropout_invariants():
    rng = np.random.default_rng(4)
    q, k = rng.standard_normal((64, 2, 8, 4)), rng.standard_normal((64, 2, 16, 4))
    eye = np.broadcast_to(np.eye(16), (64, 2, 16, 16))  # V = I: the output is the (dropped-out) weights
    exact = TF.scaled_dot_product_attention(tg.tensor(q), tg.tensor(k), tg.tensor(eye)).numpy()
    zero = TF.scaled_dot_product_attention(tg.tensor(q), tg.tensor(k), tg.tensor(eye), dropout_p=0.0).numpy()
    np.testing.assert_array_equal(zero, exact)
    p = 0.3
    tq, tk, tv = (tg.tensor(a, requires_grad=True) for a in (q, k, eye))
    out = TF.scaled_dot_product_attention(tq, tk, tv, dropout_p=p)
    o = out.detach().numpy()
    dropped = o == 0
    assert abs(dropped.mean() - p) < 0.02  # 65,536 weights, each dropped with probability p
    np.testing.assert_allclose(o[~dropped], exact[~dropped] / (1 - p), rtol=1e-12)  # the rest scaled by 1/(1-p)
    # backward uses the same mask: rebuild it from the output and differentiate the composition in torch
    D = torch.tensor(np.where(dropped, 0.0, 1 / (1 - p)))
    rq, rk, rv = (torch.tensor(a, requires_grad=True) for a in (q, k, eye))
    ref = (torch.softmax(rq @ rk.mT / 2.0, -1) * D) @ rv
    seed = rng.standard_normal(o.shape)
    ref.backward(torch.tensor(seed))
    out.backward(tg.tensor(seed))
    for a, b in ((rq, tq), (rk, tk), (rv, tv)):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert not np.array_equal(TF.scaled_dot_product_attention(tq, tk, tv, dropout_p=p).detach().numpy(), o)
    one = TF.scaled_dot_product_attention(tg.tensor(q), tg.tensor(k), tg.tensor(eye), dropout_p=1.0).numpy()
    assert not one.any()


def _f64(*shapes, seed=5):
    rng = np.random.default_rng(seed)
    return tuple(tg.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)


@pytest.mark.parametrize("case", ["float_mask", "bool_dead_row", "causal", "gqa_broadcast"])
def test_gradcheck_and_gradgradcheck(case):
    F = TF.scaled_dot_product_attention
    if case == "float_mask":
        inputs, fn = _f64((2, 3, 4), (2, 4, 4), (2, 4, 3), (3, 4)), lambda q, k, v, m: F(q, k, v, attn_mask=m)
    elif case == "bool_dead_row":
        mask = tg.tensor(_row_dead_bool(3, 4))
        inputs, fn = _f64((2, 3, 4), (2, 4, 4), (2, 4, 3)), lambda q, k, v: F(q, k, v, attn_mask=mask)
    elif case == "causal":
        inputs, fn = _f64((1, 2, 4, 3), (1, 2, 4, 3), (1, 2, 4, 3)), lambda q, k, v: F(q, k, v, is_causal=True, scale=0.7)
    else:
        inputs, fn = _f64((2, 4, 2, 3), (1, 2, 3, 3), (2, 2, 3, 3)), lambda q, k, v: F(q, k, v, enable_gqa=True)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_create_graph_second_derivative_against_torch_with_dead_row():
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 4))]
    mask = _row_dead_bool(3, 5)
    T, G = _both(arrays)
    results = []
    for lib, F, (q, k, v), m in ((torch, torch.nn.functional, T, torch.tensor(mask)), (tg, TF, G, tg.tensor(mask))):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
        (gq,) = lib.autograd.grad((out * out).sum(), (q,), create_graph=True)
        (gk,) = lib.autograd.grad((gq * gq).sum(), (k,))
        results.append((gq.detach().numpy(), gk.numpy()))
    for a, b in zip(*results):
        assert np.isfinite(b).all()
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_errors_as_torch():
    z = np.zeros
    cases = [
        ((z((1, 3, 4)), z((1, 5, 4)), z((1, 4, 4))), {}),
        ((z((1, 3, 4)), z((1, 5, 3)), z((1, 5, 4))), {}),
        ((z((1, 3, 4)), z((1, 5, 4)), z((1, 5, 4))), {"attn_mask": z((3, 5), bool), "is_causal": True}),
        ((z((1, 3, 4)), z((1, 5, 4)), z((1, 5, 4))), {"dropout_p": 1.5}),
        ((z((1, 3, 4), np.float32), z((1, 5, 4)), z((1, 5, 4), np.float32)), {}),
        ((z((1, 3, 4)), z((1, 5, 4)), z((1, 5, 4))), {"attn_mask": z((4, 5))}),
        ((z((1, 3, 4)), z((1, 5, 4)), z((1, 5, 4))), {"attn_mask": z((3, 5), np.int64)}),
        ((z((2, 3, 4)), z((3, 5, 4)), z((3, 5, 4))), {}),
        ((z((1, 3, 3, 4)), z((1, 2, 5, 4)), z((1, 2, 5, 4))), {"enable_gqa": True}),
    ]
    for arrays, kw in cases:
        tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        gkw = {k: tg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        with pytest.raises(Exception) as theirs:
            torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, arrays), **tkw)
        with pytest.raises(type(theirs.value)) as ours:
            TF.scaled_dot_product_attention(*map(tg.tensor, arrays), **gkw)
        if "size" not in str(theirs.value) or "tensor a" in str(theirs.value):  # bmm's own wording differs
            assert str(ours.value) == str(theirs.value), kw
