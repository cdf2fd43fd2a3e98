"""Products (outer, inner, cross, tensordot, trace, kron, addmm family, matrix_power) and
tinygrad_edu.linalg (norms, det, inv, solve, slogdet, cholesky, qr, svd, eigh, pinv, matrix_rank,
lstsq, the old torch.det/inverse/... spellings) against real torch 2.13: values, dtypes, shapes,
grad_fn names, gradients for the same upstream gradient, exception classes; and gradcheck /
gradgradcheck (float64 central differences) of our gradients."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from _issue12_helpers import compare, gradchecks, same_error

R = np.random.RandomState(1234)


def rnd(*shape, dtype=np.float64):
    return R.standard_normal(shape).astype(dtype)


def spd(n, batch=(), dtype=np.float64):
    a = R.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def well(n, batch=(), dtype=np.float64):
    """A well-conditioned square matrix."""
    return (R.standard_normal(batch + (n, n)) + 3 * np.eye(n)).astype(dtype)


# ---- products ----------------------------------------------------------------------------------------
PRODUCTS = {
    "outer": (lambda L, a, b: L.outer(a, b), (rnd(3), rnd(4))),
    "ger": (lambda L, a, b: L.ger(a, b), (rnd(3), rnd(2))),
    "outer-method": (lambda L, a, b: a.outer(b), (rnd(3), rnd(4))),
    "inner-1d": (lambda L, a, b: L.inner(a, b), (rnd(4), rnd(4))),
    "inner-nd": (lambda L, a, b: L.inner(a, b), (rnd(2, 3, 4), rnd(5, 4))),
    "inner-0d": (lambda L, a, b: L.inner(a, b), (rnd(), rnd(2, 3))),
    "cross-dim": (lambda L, a, b: L.cross(a, b, dim=0), (rnd(3, 4), rnd(3, 4))),
    "cross-bcast": (lambda L, a, b: L.linalg.cross(a, b), (rnd(2, 3), rnd(1, 3))),
    "cross-method": (lambda L, a, b: a.cross(b, dim=-1), (rnd(5, 3), rnd(5, 3))),
    "tensordot-int": (lambda L, a, b: L.tensordot(a, b, dims=2), (rnd(2, 3, 4), rnd(3, 4, 5))),
    "tensordot-0": (lambda L, a, b: L.tensordot(a, b, dims=0), (rnd(2, 3), rnd(4))),
    "tensordot-lists": (lambda L, a, b: L.tensordot(a, b, dims=([0, 2], [1, 0])), (rnd(4, 3, 2), rnd(2, 4, 5))),
    "tensordot-ints": (lambda L, a, b: L.tensordot(a, b, dims=([1], [0])), (rnd(2, 3), rnd(3, 2))),
    "trace": (lambda L, a: L.trace(a), (rnd(3, 4),)),
    "trace-method": (lambda L, a: a.trace(), (rnd(4, 4),)),
    "kron-2d": (lambda L, a, b: L.kron(a, b), (rnd(2, 3), rnd(3, 2))),
    "kron-mixed": (lambda L, a, b: L.kron(a, b), (rnd(2), rnd(2, 3))),
    "kron-3d": (lambda L, a, b: L.kron(a, b), (rnd(2, 1, 2), rnd(2, 2))),
    "addmm": (lambda L, c, a, b: L.addmm(c, a, b), (rnd(3, 4), rnd(3, 2), rnd(2, 4))),
    "addmm-beta-alpha": (lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=-2.0), (rnd(4), rnd(3, 2), rnd(2, 4))),
    "addmm-method": (lambda L, c, a, b: c.addmm(a, b, alpha=3), (rnd(1, 4), rnd(3, 2), rnd(2, 4))),
    "addmm-beta0": (lambda L, c, a, b: L.addmm(c, a, b, beta=0), (rnd(3, 4), rnd(3, 2), rnd(2, 4))),
    "addmv": (lambda L, c, a, b: L.addmv(c, a, b, beta=2, alpha=0.5), (rnd(3), rnd(3, 4), rnd(4))),
    "addr": (lambda L, c, a, b: L.addr(c, a, b, alpha=2), (rnd(3, 4), rnd(3), rnd(4))),
    "baddbmm": (lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.5), (rnd(2, 3, 4), rnd(2, 3, 5), rnd(2, 5, 4))),
    "addbmm": (lambda L, c, a, b: L.addbmm(c, a, b, alpha=1.5), (rnd(3, 4), rnd(2, 3, 5), rnd(2, 5, 4))),
    "matrix_power-3": (lambda L, a: L.matrix_power(a, 3), (rnd(3, 3),)),
    "matrix_power-5-batched": (lambda L, a: L.linalg.matrix_power(a, 5), (0.5 * rnd(2, 3, 3),)),
    "matrix_power-1": (lambda L, a: a.matrix_power(1), (rnd(3, 3),)),
    "matrix_power-neg": (lambda L, a: L.matrix_power(a, -2), (well(3),)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(PRODUCTS))
def test_products_match_torch(case, dtype):
    fn, arrays = PRODUCTS[case]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)
    compare(fn, *[a.astype(dtype) for a in arrays], **tol)


@pytest.mark.parametrize("case", [c for c in PRODUCTS if c != "addmm-beta0"])
def test_products_gradcheck(case):
    fn, arrays = PRODUCTS[case]
    gradchecks(fn, *arrays)


def test_products_noncontiguous_and_integers():
    compare(lambda L, a, b: L.addmm(a, a, b), rnd(3, 3), rnd(3, 3), noncontig=lambda x: x.mT, rtol=1e-9, atol=1e-12)
    ints = np.arange(12).reshape(3, 4)
    compare(lambda L, a: L.trace(a), ints, grad=False)
    compare(lambda L, a, b: L.outer(a, b), np.arange(3), np.ones(2, np.float32), grad=False)
    compare(lambda L, a, b: L.kron(a, b), np.arange(4).reshape(2, 2), np.arange(3), grad=False)
    compare(lambda L, c, a, b: L.addmm(c, a, b, beta=2, alpha=3), ints[:, :2], ints[:, :3], ints[:3, :2], grad=False)
    f32 = rnd(3, dtype=np.float32)
    compare(lambda L, c, a, b: L.addr(c, a, b), np.zeros((3, 2), np.float32), np.arange(3), rnd(2), grad=False)


def test_addmm_beta0_ignores_nan_in_input():
    c = np.full((2, 2), np.nan)
    compare(lambda L, c, a, b: L.addmm(c, a, b, beta=0), c, rnd(2, 3), rnd(3, 2), rtol=1e-12, atol=1e-12)


def test_inplace_addmm_family():
    for name, args in (("addmm_", (rnd(3, 2), rnd(2, 4))), ("addr_", (rnd(3), rnd(4)))):
        outs = []
        for lib in (tg, torch):
            x = lib.from_numpy(np.ones((3, 4)))
            r = getattr(x, name)(*[lib.from_numpy(a) for a in args], alpha=2)
            assert r is x
            outs.append(x.numpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


PRODUCT_ERRORS = {
    "outer-2d": (lambda L, a, b: L.outer(a, b), (rnd(2, 2), rnd(2)), ("1-D", "2-D")),
    "inner-mismatch": (lambda L, a, b: L.inner(a, b), (rnd(3, 3), rnd(3, 4)), ("[3, 3]", "[3, 4]")),
    "cross-not3": (lambda L, a, b: L.cross(a, b, dim=1), (rnd(3, 4), rnd(3, 4)), ("length 3", "4")),
    "tensordot-mismatch": (lambda L, a, b: L.tensordot(a, b, dims=([1], [1])), (rnd(3, 3), rnd(3, 4)),
                           ("size 3", "size 4")),
    "tensordot-lengths": (lambda L, a, b: L.tensordot(a, b, dims=([0, 1], [0])), (rnd(3, 3), rnd(3, 4)), ()),
    "trace-1d": (lambda L, a: L.trace(a), (rnd(3),), ("matrix", "dim 1")),
    "addmm-shapes": (lambda L, c, a, b: L.addmm(c, a, b), (rnd(3, 4), rnd(3, 2), rnd(3, 4)), ("3x2", "3x4")),
    "addmm-input": (lambda L, c, a, b: L.addmm(c, a, b), (rnd(3, 3), rnd(3, 2), rnd(2, 4)), ("[3, 4]", "[3, 3]")),
    "addmm-1d-mat": (lambda L, c, a, b: L.addmm(c, a, b), (rnd(3, 4), rnd(2), rnd(2, 4)), ()),
    "addmv-dims": (lambda L, c, a, b: L.addmv(c, a, b), (rnd(3), rnd(3, 4), rnd(4, 1)), ()),
    "baddbmm-batches": (lambda L, c, a, b: L.baddbmm(c, a, b), (rnd(2, 3, 4), rnd(2, 3, 5), rnd(3, 5, 4)), ()),
    "addmm-dtype": (lambda L, c, a, b: L.addmm(c, a, b), (rnd(3, 4), rnd(3, 2, dtype=np.float32), rnd(2, 4)), ()),
    "cross-dtypes": (lambda L, a, b: L.linalg.cross(a, b), (np.arange(6).reshape(2, 3), rnd(2, 3, dtype=np.float32)),
                     ("Long", "Float")),
    "tensordot-dtypes": (lambda L, a, b: L.tensordot(a, b, 1), (rnd(2, 3), rnd(3, dtype=np.float32)), ("same dtype",)),
    "inner-dtypes": (lambda L, a, b: L.inner(a, b), (rnd(3), np.arange(3)), ("same dtype",)),
    "addmv-dtypes": (lambda L, c, a, b: L.addmv(c, a, b), (rnd(2), rnd(2, 2, dtype=np.float32), rnd(2)), ()),
    "addr-float-alpha": (lambda L, c, a, b: L.addr(c, a, b, alpha=0.5), (np.zeros((2, 2), np.int64), np.arange(2),
                                                                          np.arange(2)), ("alpha",)),
    "matrix_power-rect": (lambda L, a: L.matrix_power(a, 2), (rnd(3, 4),), ("3 by 4",)),
    "matrix_power-1d": (lambda L, a: L.matrix_power(a, 2), (rnd(3),), ()),
}


@pytest.mark.parametrize("case", list(PRODUCT_ERRORS))
def test_product_errors(case):
    fn, arrays, mentions = PRODUCT_ERRORS[case]
    same_error(fn, *arrays, mentions=mentions)


# ---- linalg --------------------------------------------------------------------------------------------
LINALG = {
    "det": (lambda L, a: L.linalg.det(a), (well(3),)),
    "det-batched": (lambda L, a: L.linalg.det(a), (well(3, (2,)),)),
    "det-old": (lambda L, a: L.det(a), (well(2),)),
    "det-method": (lambda L, a: a.det(), (well(4),)),
    "inv": (lambda L, a: L.linalg.inv(a), (well(3),)),
    "inv-batched": (lambda L, a: L.linalg.inv(a), (well(3, (2, 2)),)),
    "inverse-old": (lambda L, a: L.inverse(a), (well(3),)),
    "inverse-method": (lambda L, a: a.inverse(), (well(3),)),
    "solve-matrix": (lambda L, a, b: L.linalg.solve(a, b), (well(3), rnd(3, 2))),
    "solve-vector": (lambda L, a, b: L.linalg.solve(a, b), (well(3), rnd(3))),
    "solve-batched-vector": (lambda L, a, b: L.linalg.solve(a, b), (well(3, (2,)), rnd(2, 3))),
    "solve-broadcast": (lambda L, a, b: L.linalg.solve(a, b), (well(3), rnd(4, 3, 2))),
    "solve-right": (lambda L, a, b: L.linalg.solve(a, b, left=False), (well(3), rnd(2, 3))),
    "slogdet": (lambda L, a: L.linalg.slogdet(a), (well(3),)),
    "slogdet-negative": (lambda L, a: L.linalg.slogdet(a), (well(3) @ np.diag([1.0, 1, -1]),)),
    "slogdet-old": (lambda L, a: L.slogdet(a), (well(3, (2,)),)),
    "logdet": (lambda L, a: L.logdet(a), (spd(3),)),
    "logdet-method": (lambda L, a: a.logdet(), (spd(3),)),
    "cholesky": (lambda L, a: L.linalg.cholesky(a), (spd(3),)),
    "cholesky-batched": (lambda L, a: L.linalg.cholesky(a), (spd(3, (2,)),)),
    "cholesky-upper": (lambda L, a: L.linalg.cholesky(a, upper=True), (spd(4),)),
    "qr-tall": (lambda L, a: L.linalg.qr(a), (rnd(5, 3),)),
    "qr-square": (lambda L, a: L.linalg.qr(a), (rnd(3, 3),)),
    "qr-batched": (lambda L, a: L.linalg.qr(a), (rnd(2, 4, 3),)),
    "svdvals": (lambda L, a: L.linalg.svdvals(a), (rnd(4, 3),)),
    "svdvals-wide": (lambda L, a: L.linalg.svdvals(a), (rnd(2, 3, 5),)),
    "eigvalsh": (lambda L, a: L.linalg.eigvalsh(a), (spd(4),)),
    "eigvalsh-U": (lambda L, a: L.linalg.eigvalsh(a, UPLO="U"), (rnd(3, 3),)),
    "pinv-tall": (lambda L, a: L.linalg.pinv(a), (rnd(5, 3),)),
    "pinv-wide": (lambda L, a: L.linalg.pinv(a), (rnd(2, 4),)),
    "pinverse-old": (lambda L, a: L.pinverse(a), (rnd(4, 3),)),
    "lstsq": (lambda L, a, b: L.linalg.lstsq(a, b).solution, (rnd(5, 3), rnd(5, 2))),
    "vector_norm-2": (lambda L, a: L.linalg.vector_norm(a), (rnd(3, 4),)),
    "vector_norm-3-dim": (lambda L, a: L.linalg.vector_norm(a, ord=3, dim=1, keepdim=True), (rnd(3, 4),)),
    "vector_norm-1": (lambda L, a: L.linalg.vector_norm(a, 1, dim=(0, 1)), (rnd(2, 3, 2),)),
    "vector_norm-inf": (lambda L, a: L.linalg.vector_norm(a, float("inf"), dim=0), (rnd(3, 4),)),
    "vector_norm-neginf": (lambda L, a: L.linalg.vector_norm(a, float("-inf")), (rnd(3, 4),)),
    "vector_norm-0": (lambda L, a: L.linalg.vector_norm(a, 0, dim=-1), (rnd(3, 4),)),
    "vector_norm-half": (lambda L, a: L.linalg.vector_norm(a, 0.5), (rnd(5),)),
    "matrix_norm-fro": (lambda L, a: L.linalg.matrix_norm(a), (rnd(2, 3, 4),)),
    "matrix_norm-nuc": (lambda L, a: L.linalg.matrix_norm(a, "nuc"), (rnd(3, 4),)),
    "matrix_norm-2": (lambda L, a: L.linalg.matrix_norm(a, 2), (rnd(3, 4),)),
    "matrix_norm--2": (lambda L, a: L.linalg.matrix_norm(a, -2, keepdim=True), (rnd(2, 3, 4),)),
    "matrix_norm-1": (lambda L, a: L.linalg.matrix_norm(a, 1), (rnd(3, 4),)),
    "matrix_norm--1": (lambda L, a: L.linalg.matrix_norm(a, -1), (rnd(3, 4),)),
    "matrix_norm-inf": (lambda L, a: L.linalg.matrix_norm(a, float("inf"), dim=(0, 2)), (rnd(3, 2, 4),)),
    "matrix_norm-ninf-keep": (lambda L, a: L.linalg.matrix_norm(a, -float("inf"), keepdim=True), (rnd(3, 4),)),
    "norm-default": (lambda L, a: L.linalg.norm(a), (rnd(2, 3, 4),)),
    "norm-vector-ord": (lambda L, a: L.linalg.norm(a, 3), (rnd(4),)),
    "norm-matrix-ord": (lambda L, a: L.linalg.norm(a, "fro"), (rnd(3, 4),)),
    "norm-matrix-2": (lambda L, a: L.linalg.norm(a, 2), (rnd(3, 4),)),
    "norm-dim": (lambda L, a: L.linalg.norm(a, dim=1), (rnd(3, 4),)),
    "norm-dims": (lambda L, a: L.linalg.norm(a, dim=(0, 1), keepdim=True), (rnd(3, 4, 2),)),
    "norm-ord-dim": (lambda L, a: L.linalg.norm(a, 1, dim=-1), (rnd(3, 4),)),
}

# the gradients of a factorisation are checked through functions of it that do not depend on the
# factorisation's sign conventions (Q R, U diag(S) V^T, V diag(w) V^T: unique, while Q's or V's
# column signs are LAPACK's choice)
SIGN_FREE = {
    "qr-product": (lambda L, a: (lambda q, r: (q @ r, (q * q).sum(), r.abs().sum()))(*L.linalg.qr(a)), (rnd(4, 3),)),
    "svd-reduced": (lambda L, a: (lambda u, s, vh: (u * s.unsqueeze(-2) @ vh, s, (u[..., :, :1] @ vh[..., :1, :])))(
        *L.linalg.svd(a, full_matrices=False)), (rnd(4, 3),)),
    "svd-wide": (lambda L, a: (lambda u, s, vh: (u @ vh, s))(*L.linalg.svd(a, full_matrices=False)), (rnd(2, 3, 5),)),
    "svd-full": (lambda L, a: (lambda u, s, vh: (u[..., :3] * s.unsqueeze(-2) @ vh, s))(*L.linalg.svd(a)),
                 (rnd(5, 3),)),
    "svd-old": (lambda L, a: (lambda u, s, v: (u * s @ v.mT, s))(*L.svd(a)), (rnd(4, 3),)),
    "eigh": (lambda L, a: (lambda w, v: (w, (v * w) @ v.mT, v[..., :1] @ v[..., :1].mT))(*L.linalg.eigh(a)),
             (spd(4),)),
}


def _sym_grad_ok(case):
    """torch reads one triangle of the input of cholesky/eigh: checked on symmetric inputs there."""
    return not case.startswith(("cholesky", "eigh", "eigvalsh", "logdet"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(LINALG))
def test_linalg_matches_torch(case, dtype):
    fn, arrays = LINALG[case]
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-8, atol=1e-10)
    compare(fn, *[a.astype(dtype) for a in arrays], **tol)


@pytest.mark.parametrize("case", list(SIGN_FREE))
def test_factorisations_match_torch(case):
    fn, arrays = SIGN_FREE[case]
    compare(fn, *arrays, rtol=1e-7, atol=1e-9, names=False)


def _symmetrised(fn):
    """fn applied to (X + X^T) / 2: a symmetric input whatever X is, for the finite differences."""
    return lambda L, x, *rest: fn(L, (x + x.mT) / 2, *rest)


@pytest.mark.parametrize("case", [c for c in LINALG if not c.startswith(("lstsq", "vector_norm-0"))])
def test_linalg_gradcheck(case):
    fn, arrays = LINALG[case]
    gradchecks(fn if _sym_grad_ok(case) else _symmetrised(fn), *arrays)


@pytest.mark.parametrize("case", list(SIGN_FREE))
def test_factorisations_gradcheck(case):
    fn, arrays = SIGN_FREE[case]
    gradchecks(_symmetrised(fn) if case == "eigh" else fn, *arrays)


def test_linalg_result_types_and_extras():
    a = rnd(4, 3)
    v = rnd(4)
    ours, theirs = tg.linalg.lstsq(tg.from_numpy(a), tg.from_numpy(v)), torch.linalg.lstsq(torch.from_numpy(a),
                                                                                           torch.from_numpy(v))
    assert all(hasattr(theirs, f) for f in ours._fields) and len(ours) == len(theirs)
    np.testing.assert_allclose(ours.solution.numpy(), theirs.solution.numpy(), rtol=1e-9)
    assert tuple(ours.residuals.shape) == (0,) and ours.rank.dtype == tg.int64 and int(ours.rank) == 3
    b = rnd(4, 2)
    o = tg.linalg.lstsq(tg.from_numpy(a), tg.from_numpy(b), driver="gelsd")
    t = torch.linalg.lstsq(torch.from_numpy(a), torch.from_numpy(b), driver="gelsd")
    for name in ("solution", "residuals", "singular_values"):
        np.testing.assert_allclose(getattr(o, name).numpy(), getattr(t, name).numpy(), rtol=1e-9, atol=1e-12)
    assert int(o.rank) == int(t.rank)
    for fn in (lambda L: L.linalg.slogdet(L.eye(2, dtype=L.float64)), lambda L: L.linalg.qr(L.eye(2)),
               lambda L: L.linalg.svd(L.eye(2)), lambda L: L.linalg.eigh(L.eye(2))):
        ours, theirs = fn(tg), fn(torch)
        assert len(ours) == len(theirs) and all(hasattr(theirs, f) for f in ours._fields)
    low_rank = rnd(5, 2) @ rnd(2, 4)
    for kw in ({}, {"atol": 1e-3}, {"rtol": 0.5}, {"hermitian": False}):
        assert int(tg.linalg.matrix_rank(tg.from_numpy(low_rank), **kw)) == \
            int(torch.linalg.matrix_rank(torch.from_numpy(low_rank), **kw))
    np.testing.assert_allclose(tg.linalg.pinv(tg.from_numpy(low_rank)).numpy(),
                               torch.linalg.pinv(torch.from_numpy(low_rank)).numpy(), rtol=1e-8, atol=1e-10)
    compare(lambda L, x, y: L.linalg.multi_dot([x, y, x.mT]), rnd(2, 3), rnd(3, 3), rtol=1e-10, atol=1e-12,
            names=False)
    compare(lambda L, x, y: L.linalg.vecdot(x, y), rnd(2, 3), rnd(3), rtol=1e-10, atol=1e-12, names=False)
    m = well(3)
    ours, theirs = tg.linalg.inv_ex(tg.from_numpy(m)), torch.linalg.inv_ex(torch.from_numpy(m))
    np.testing.assert_allclose(ours.inverse.numpy(), theirs.inverse.numpy(), rtol=1e-10)
    assert ours.info.dtype == tg.int32 and theirs.info.dtype == torch.int32 and int(ours.info) == 0


@pytest.mark.parametrize("matrix", [np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),  # rank 2
                                    np.array([[0.0, 0.0], [0.0, 0.0]]), rnd(2, 3) .T @ rnd(2, 3)])
def test_det_gradient_of_singular_matrices(matrix):
    """det's gradient is the transposed adjugate, which a singular matrix has too (torch's SVD path)."""
    compare(lambda L, a: L.linalg.det(a), matrix, rtol=1e-9, atol=1e-12)
    assert tg.autograd.gradcheck(tg.linalg.det, (tg.from_numpy(matrix.copy()).requires_grad_(),))


def test_logdet_negative_and_singular():
    for m in (well(3) @ np.diag([1.0, 1, -1]), np.zeros((3, 3))):
        np.testing.assert_array_equal(tg.logdet(tg.from_numpy(m)).numpy(), torch.logdet(torch.from_numpy(m)).numpy())


def test_old_cholesky_warns_and_svd_old_returns_v():
    a = spd(3)
    with pytest.warns(UserWarning, match="deprecated"):
        c = tg.cholesky(tg.from_numpy(a).requires_grad_())
    assert c.grad_fn.name() == "CholeskyBackward0"
    np.testing.assert_allclose(c.detach().numpy(), np.linalg.cholesky(a), rtol=1e-12)
    u, s, v = tg.svd(tg.from_numpy(rnd(4, 3)))
    assert tuple(v.shape) == (3, 3) and tuple(u.shape) == (4, 3)


LINALG_ERRORS = {
    "det-rect": (lambda L, a: L.linalg.det(a), (rnd(3, 4),), ("3 by 4",)),
    "det-1d": (lambda L, a: L.linalg.det(a), (rnd(3),), ("at least 2 dimensions",)),
    "det-int": (lambda L, a: L.linalg.det(a), (np.eye(3, dtype=np.int64),), ("floating point", "Long")),
    "inv-rect": (lambda L, a: L.linalg.inv(a), (rnd(3, 4),), ("square",)),
    "solve-shapes": (lambda L, a, b: L.linalg.solve(a, b), (well(3), rnd(4)), ("3x3", "4x1")),
    "vector_norm-int": (lambda L, a: L.linalg.vector_norm(a), (np.arange(3),), ("Long",)),
    "matrix_norm-1d": (lambda L, a: L.linalg.matrix_norm(a), (rnd(3),), ()),
    "matrix_norm-order": (lambda L, a: L.linalg.matrix_norm(a, 3), (rnd(3, 3),), ("Order 3",)),
    "norm-3d-ord": (lambda L, a: L.linalg.norm(a, 2), (rnd(2, 2, 2),), ("1D or 2D",)),
    "qr-mode": (lambda L, a: L.linalg.qr(a, mode="bad"), (rnd(3, 3),), ("bad",)),
    "norm-nuc-1d": (lambda L, a: L.linalg.norm(a, "nuc"), (rnd(3),), ("at least 2 dimensions",)),
    "pinv-1d": (lambda L, a: L.linalg.pinv(a), (rnd(3),), ("[3]", "2 or more dimensions")),
    "det-half": (lambda L, a: L.linalg.det(a), (np.eye(2, dtype=np.float16),), ()),
    "trace-bool": (lambda L, a: L.trace(a), (np.eye(2, dtype=bool),), ("Bool",)),
    "eigh-uplo": (lambda L, a: L.linalg.eigh(a, UPLO="X"), (spd(3),), ()),
}


@pytest.mark.parametrize("case", list(LINALG_ERRORS))
def test_linalg_errors(case):
    fn, arrays, mentions = LINALG_ERRORS[case]
    same_error(fn, *arrays, mentions=mentions)


@pytest.mark.parametrize("name, call, matrix", [
    ("inv", lambda L, a: L.linalg.inv(a), np.zeros((3, 3))),
    ("inv-second-pivot", lambda L, a: L.linalg.inv(a), np.array([[1.0, 2.0], [2.0, 4.0]])),
    ("solve", lambda L, a: L.linalg.solve(a, L.ones(3, dtype=L.float64)), np.zeros((3, 3))),
    ("cholesky", lambda L, a: L.linalg.cholesky(a), -spd(3)),
    ("cholesky-minor-2", lambda L, a: L.linalg.cholesky(a), np.array([[1.0, 2.0], [2.0, 1.0]])),
])
def test_linalg_errors_are_linalgerror(name, call, matrix):
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        call(torch, torch.from_numpy(matrix))
    with pytest.raises(tg.linalg.LinAlgError) as ours:
        call(tg, tg.from_numpy(matrix))
    assert isinstance(ours.value, RuntimeError)
    assert str(ours.value) == str(theirs.value)


def test_qr_mode_r_has_no_gradient():
    a = tg.from_numpy(rnd(3, 3)).requires_grad_()
    q, r = tg.linalg.qr(a, mode="r")
    assert tuple(q.shape) == (0,)
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()


@pytest.mark.parametrize("call, out_shape", [
    (lambda L, a, o: L.outer(a[0], a[1], out=o), (3, 3)),
    (lambda L, a, o: L.addmm(a, a, a.mT @ a, out=o), (3, 3)),
    (lambda L, a, o: L.kron(a, a, out=o), (9, 9)),
    (lambda L, a, o: L.linalg.det(a, out=o), ()),
    (lambda L, a, o: L.linalg.inv(a, out=o), (3, 3)),
    (lambda L, a, o: L.linalg.norm(a, out=o), ()),
    (lambda L, a, o: L.hstack([a, a], out=o), (3, 6)),
    (lambda L, a, o: L.inverse(a, out=o), (3, 3)),
])
def test_out_keyword(call, out_shape):
    """out= writes the result into the given tensor and returns it, as torch's (_out.py's rules)."""
    a = well(3)
    results = []
    for lib in (tg, torch):
        o = lib.from_numpy(np.zeros(out_shape))
        r = call(lib, lib.from_numpy(a.copy()), o)
        assert r is o
        results.append(o.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-10, atol=1e-12)
    same_error(lambda L, x: call(L, x, L.zeros(out_shape, dtype=L.int64)), a)  # a float result into an int out


def test_out_keyword_pair():
    a = rnd(4, 3)
    outs = []
    for lib in (tg, torch):
        q, r = lib.zeros(4, 3, dtype=lib.float64), lib.zeros(3, 3, dtype=lib.float64)
        res = lib.linalg.qr(lib.from_numpy(a.copy()), out=(q, r))
        assert res[0] is q and res[1] is r
        outs.append((q @ r).numpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-10)
