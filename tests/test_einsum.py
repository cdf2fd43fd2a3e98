"""einsum (ops/einsum.py) against real torch 2.13: values, gradients and node names for the common
subscripts (matmul, batched matmul, attention scores, outer product, trace, diagonal, sums,
transposes, implicit output, '...' with broadcasting, size-1 broadcasting, three operands) in
float32 and float64; the list-of-operands form; integer operands; gradcheck and gradgradcheck in
float64 (repeated labels and labels only one operand has included); torch's errors and messages."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu.autograd import gradcheck, gradgradcheck

CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("i,j->ij", [(3,), (4,)]), ("ii->", [(3, 3)]),
    ("ii->i", [(3, 3)]), ("ij->", [(2, 3)]), ("ij->ji", [(2, 3)]), ("ij->j", [(2, 3)]), ("ij,jk", [(2, 3), (3, 4)]),
    ("ba,ac", [(2, 3), (3, 2)]), ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]), ("...ij", [(2, 3, 4)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("iij->j", [(3, 3, 2)]), ("iji->j", [(3, 2, 3)]), ("ii,i->i", [(3, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("i,i->", [(4,), (4,)]), ("Ab,bC->AC", [(2, 3), (3, 2)]),
    (" i j , j k -> i k ", [(2, 3), (3, 2)]), ("", [()]), ("i->", [(0,)]), ("b...d,b...d->b...", [(2, 1, 3, 4), (2, 5, 1, 4)]),
]


@pytest.mark.parametrize("dtype,tol", [(np.float32, 2e-6), (np.float64, 1e-13)], ids=["float32", "float64"])
@pytest.mark.parametrize("equation,shapes", CASES, ids=[c[0].strip() or "scalar" for c in CASES])
def test_values_gradients_names_against_torch(equation, shapes, dtype, tol):
    rng = np.random.default_rng(len(equation))
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    G = [tg.tensor(a, requires_grad=True) for a in arrays]
    ot, og = torch.einsum(equation, *T), tg.einsum(equation, *G)
    assert og.shape == tuple(ot.shape) and og.dtype == (tg.float32 if dtype == np.float32 else tg.float64)
    np.testing.assert_allclose(og.detach().numpy(), ot.detach().numpy(), rtol=tol, atol=tol)
    assert og.grad_fn.name() == ot.grad_fn.name()
    seed = rng.standard_normal(tuple(ot.shape)).astype(dtype)
    ot.backward(torch.tensor(seed))
    og.backward(tg.tensor(seed))
    for a, b in zip(T, G):
        assert b.grad.shape == tuple(a.grad.shape)
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=tol, atol=tol)


def test_operand_list_and_integers():
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    ours = tg.einsum("ij,jk->ik", [tg.tensor(a), tg.tensor(b)])
    theirs = torch.einsum("ij,jk->ik", [torch.tensor(a), torch.tensor(b)])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.dtype == tg.int64
    np.testing.assert_array_equal(tg.einsum("ij,jk", (tg.tensor(a), tg.tensor(b))).numpy(), theirs.numpy())


@pytest.mark.parametrize("equation,shapes", [("ij,jk->ik", [(2, 3), (3, 2)]), ("ii->", [(3, 3)]),
                                             ("ii,i->i", [(3, 3), (3,)]), ("ij,ij->i", [(1, 3), (2, 3)]),
                                             ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("ij->", [(2, 3)]),
                                             ("...i,...i", [(2, 3), (3,)])])
def test_gradcheck_and_gradgradcheck(equation, shapes):
    rng = np.random.default_rng(7)
    inputs = tuple(tg.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    fn = lambda *xs: tg.einsum(equation, *xs)  # noqa: E731
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_second_derivative_against_torch():
    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 4))
    results = []
    for lib in (torch, tg):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.einsum("ii,ij->j", x, y)
        (gx,) = lib.autograd.grad((out ** 2).sum(), (x,), create_graph=True)
        (gy,) = lib.autograd.grad((gx ** 2).sum(), (y,))
        results.append((gx.detach().numpy(), gy.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


ERRORS = [
    ("ij,jk->ik", [(2, 3)]), ("ij,jk->ik", [(2, 3), (3, 4), (3, 4)]), ("ijk,jk->ik", [(2, 3), (3, 4)]),
    ("ij,kk->ik", [(2, 3), (3, 4)]), ("ij,jk->iz", [(2, 3), (3, 4)]), ("ij,jk->ii", [(2, 3), (3, 4)]),
    ("i#,jk->ik", [(2, 3), (3, 4)]), ("ij,jk->->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (4, 4)]),
    ("i.j,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(2, 3)]), ("i", [(2, 3)]), ("...i...", [(2, 3)]),
    ("ijk...", [(2, 3)]),
]


@pytest.mark.parametrize("equation,shapes", ERRORS, ids=[f"{e}-{len(s)}" for e, s in ERRORS])
def test_errors_as_torch(equation, shapes):
    with pytest.raises(Exception) as theirs:
        torch.einsum(equation, *[torch.zeros(s) for s in shapes])
    with pytest.raises(type(theirs.value)) as ours:
        tg.einsum(equation, *[tg.zeros(s) for s in shapes])
    assert str(ours.value) == str(theirs.value)


def test_other_errors_as_torch():
    for lib in (torch, tg):
        with pytest.raises(ValueError, match="must specify the equation string"):
            lib.einsum("ij->")
    with pytest.raises(RuntimeError) as theirs:
        torch.einsum("ij,jk", torch.zeros(2, 3), torch.zeros(3, 4, dtype=torch.float64))
    with pytest.raises(RuntimeError) as ours:
        tg.einsum("ij,jk", tg.zeros(2, 3), tg.zeros(3, 4, dtype=tg.float64))
    assert str(ours.value) == str(theirs.value)
