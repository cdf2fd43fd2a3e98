"""Forward-mode AD (jvp rules) of the reductions, products, einsum and linear algebra, beyond what
the op registry reaches: keywords, ties, zeros in prod, every matmul spelling, einsum equations, the
torch.linalg functions. Each case runs the same float64 numbers through tinygrad_edu's and torch's
forward_ad and compares the output tangents; where torch has no rule, or its rule is not the
derivative (det of a singular matrix), a float64 central difference is the oracle. The last tests
differentiate a tangent in reverse mode (reverse-over-forward) and compare with torch."""
import warnings

import numpy as np
import pytest

import torch
import torch.autograd.forward_ad as tfw  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.autograd.forward_ad as gfw  # noqa: E402
import tinygrad_edu.nn.functional as gF  # noqa: E402

FW = {tg: gfw, torch: tfw}
RTOL, ATOL = 1e-8, 1e-10
rng = np.random.RandomState(7)


def _r(*shape):
    return rng.standard_normal(shape)


def _spd(n, batch=()):
    m = rng.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _sym(n, batch=()):
    m = rng.standard_normal(batch + (n, n))
    return m + np.swapaxes(m, -1, -2)


def _tensor(lib, a):
    return tg.from_numpy(a.copy()) if lib is tg else torch.from_numpy(a.copy())


def _outputs(out):
    if isinstance(out, (tuple, list)):
        return [o for o in out if o.dtype.is_floating_point]
    return [out]


def jvps(lib, fn, primals, tangents):
    """fn's float outputs and their tangents (numpy; None where there is none) under lib's forward AD."""
    fw = FW[lib]
    with fw.dual_level():
        xs = [fw.make_dual(_tensor(lib, p), _tensor(lib, t)) if t is not None else _tensor(lib, p)
              for p, t in zip(primals, tangents)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs = _outputs(fn(lib, *xs))
        found = [fw.unpack_dual(o).tangent for o in outs]
        return [_array(o) for o in outs], [None if t is None else _array(t) for t in found]


def _array(t):
    if isinstance(t, torch.Tensor) and t._is_zerotensor():  # torch's tangent that is known to be 0
        return np.zeros(tuple(t.shape), str(t.dtype).split(".")[1])
    return np.array(t.detach().numpy())


def central(fn, primals, tangents, eps=1e-6):
    """(f(x + eps t) - f(x - eps t)) / 2 eps for each float output of fn, on our forward only."""
    def at(sign):
        xs = [_tensor(tg, np.asarray(p if t is None else p + sign * eps * t)) for p, t in zip(primals, tangents)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [o.detach().numpy() for o in _outputs(fn(tg, *xs))]
    return [(a - b) / (2 * eps) for a, b in zip(at(1), at(-1))]


def _F(lib):
    return gF if lib is tg else torch.nn.functional


# (id, fn(lib, *tensors), primals, tangents: None = random of the primal's shape, per argument)
CASES = [
    # ---- reductions, keywords, ties, zeros --------------------------------------------------------------
    ("sum-dims-keepdim", lambda L, a: a.sum((0, 2), keepdim=True), [_r(2, 3, 4)], None),
    ("sum-dtype", lambda L, a: L.sum(a, 1, dtype=L.float64), [_r(3, 4)], None),
    ("mean-neg-dim", lambda L, a: a.mean(-1), [_r(3, 4)], None),
    ("cumsum", lambda L, a: L.cumsum(a, dim=1), [_r(3, 4)], None),
    ("cumsum-0d", lambda L, a: L.cumsum(a, 0), [np.array(2.0)], None),
    ("amax-ties", lambda L, a: a.amax(1), [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])], None),
    ("amin-ties-dims", lambda L, a: a.amin((0, 1), keepdim=True), [np.array([[1.0, 0.0], [0.0, 4.0]])], None),
    ("max-all-ties", lambda L, a: a.max(), [np.array([[5.0, 1.0], [5.0, 5.0]])], None),
    ("min-all-ties", lambda L, a: L.min(a), [np.array([[-1.0, 1.0], [-1.0, 2.0]])], None),
    ("aminmax-ties", lambda L, a: L.aminmax(a, dim=0), [np.array([[1.0, 2.0], [1.0, 2.0]])], None),
    ("median-all-ties", lambda L, a: a.median(), [np.array([3.0, 1.0, 3.0, 3.0, 9.0])], None),
    ("nanmedian-all", lambda L, a: a.nanmedian(), [np.array([3.0, np.nan, 1.0, 2.0])], None),
    ("nansum", lambda L, a: L.nansum(a, 0), [np.array([[1.0, np.nan], [2.0, 3.0]])], None),
    ("nanmean", lambda L, a: L.nanmean(a), [np.array([[1.0, np.nan], [2.0, 3.0]])], None),
    ("prod-no-zero", lambda L, a: a.prod(), [_r(2, 3)], None),
    ("prod-one-zero", lambda L, a: a.prod(), [np.array([[1.5, 0.0], [2.0, -3.0]])], None),
    ("prod-two-zeros", lambda L, a: a.prod(), [np.array([0.0, 2.0, 0.0])], None),
    ("prod-dim-zeros", lambda L, a: a.prod(1, keepdim=True), [np.array([[0.0, 2.0, 3.0], [1.0, 0.0, 0.0]])], None),
    ("prod-0d-dim", lambda L, a: a.prod(0), [np.array(0.0)], None),
    ("var-correction0-keepdim", lambda L, a: a.var(1, correction=0, keepdim=True), [_r(3, 4)], None),
    ("var-unbiased-false", lambda L, a: L.var(a, 0, unbiased=False), [_r(3, 4)], None),
    ("var-correction2", lambda L, a: a.var(correction=2), [_r(3, 4)], None),
    ("std-dims", lambda L, a: a.std((0, 1), keepdim=True), [_r(2, 3, 2)], None),
    ("std-constant", lambda L, a: a.std(), [np.ones(4)], None),
    ("std_mean", lambda L, a: L.std_mean(a, 1, correction=0), [_r(3, 4)], None),
    ("var_mean", lambda L, a: L.var_mean(a, dim=0, keepdim=True), [_r(3, 4)], None),
    ("norm-2-dim", lambda L, a: L.norm(a, 2, dim=1), [_r(3, 4)], None),
    ("norm-zero", lambda L, a: L.norm(a), [np.zeros((2, 2))], None),
    ("vector_norm", lambda L, a: L.linalg.vector_norm(a, dim=(0, 1), keepdim=True), [_r(2, 3)], None),
    ("matrix_norm-fro", lambda L, a: L.linalg.matrix_norm(a), [_r(2, 3, 3)], None),
    ("linalg-norm", lambda L, a: L.linalg.norm(a), [_r(3, 3)], None),
    # ---- matmul family ------------------------------------------------------------------------------------
    ("mm", lambda L, a, b: L.mm(a, b), [_r(3, 4), _r(4, 2)], None),
    ("mm-one-tangent", lambda L, a, b: a @ b, [_r(3, 4), _r(4, 2)], [_r(3, 4), None]),
    ("bmm", lambda L, a, b: L.bmm(a, b), [_r(2, 3, 4), _r(2, 4, 2)], None),
    ("mv", lambda L, a, b: L.mv(a, b), [_r(3, 4), _r(4)], None),
    ("dot", lambda L, a, b: L.dot(a, b), [_r(4), _r(4)], None),
    ("matmul-vec-batch", lambda L, a, b: L.matmul(a, b), [_r(4), _r(2, 4, 3)], None),
    ("matmul-broadcast", lambda L, a, b: a @ b, [_r(2, 1, 3, 4), _r(5, 4, 2)], None),
    ("linear-bias", lambda L, x, w, b: _F(L).linear(x, w, b), [_r(2, 3, 4), _r(5, 4), _r(5)], None),
    ("linear-no-bias", lambda L, x, w: _F(L).linear(x, w), [_r(3, 4), _r(5, 4)], None),
    ("linear-1d", lambda L, x, w, b: _F(L).linear(x, w, b), [_r(4), _r(5, 4), _r(5)], None),
    ("addmm-beta-alpha", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2.0), [_r(3, 2), _r(3, 4), _r(4, 2)],
     None),
    ("addmm-beta0", lambda L, c, a, b: L.addmm(c, a, b, beta=0), [_r(2), _r(3, 4), _r(4, 2)], None),
    ("addmv", lambda L, c, a, b: L.addmv(c, a, b, alpha=3), [_r(3), _r(3, 4), _r(4)], None),
    ("addr", lambda L, c, a, b: L.addr(c, a, b, beta=2), [_r(3, 2), _r(3), _r(2)], None),
    ("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.5, alpha=-1), [_r(2, 3, 2), _r(2, 3, 4), _r(2, 4, 2)],
     None),
    ("addbmm", lambda L, c, a, b: L.addbmm(c, a, b), [_r(3, 2), _r(2, 3, 4), _r(2, 4, 2)], None),
    ("outer", lambda L, a, b: L.outer(a, b), [_r(3), _r(2)], None),
    ("inner", lambda L, a, b: L.inner(a, b), [_r(2, 3), _r(4, 3)], None),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, dims=([1, 0], [0, 2])), [_r(3, 4, 2), _r(4, 5, 3)], None),
    ("kron", lambda L, a, b: L.kron(a, b), [_r(2, 2), _r(2, 3)], None),
    ("trace", lambda L, a: L.trace(a), [_r(3, 4)], None),
    ("cross", lambda L, a, b: L.linalg.cross(a, b), [_r(2, 3), _r(1, 3)], None),
    ("matrix_power-3", lambda L, a: L.linalg.matrix_power(a, 3), [_r(3, 3)], None),
    ("matrix_power-neg", lambda L, a: L.matrix_power(a, -2), [_spd(3)], None),
    ("multi_dot", lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [_r(4), _r(4, 3), _r(3, 2)], None),
    # ---- einsum --------------------------------------------------------------------------------------------
    ("einsum-mm", lambda L, a, b: L.einsum("ij,jk->ik", a, b), [_r(3, 4), _r(4, 2)], None),
    ("einsum-batch-ellipsis", lambda L, a, b: L.einsum("...ij,...jk", a, b), [_r(2, 3, 4), _r(1, 4, 2)], None),
    ("einsum-trace", lambda L, a: L.einsum("ii", a), [_r(3, 3)], None),
    ("einsum-diag", lambda L, a: L.einsum("ii->i", a), [_r(3, 3)], None),
    ("einsum-three", lambda L, a, b, c: L.einsum("i,ij,j->", a, b, c), [_r(3), _r(3, 4), _r(4)], None),
    ("einsum-outer-list", lambda L, a, b: L.einsum("i,j->ij", [a, b]), [_r(3), _r(2)], [None, _r(2)]),
    ("einsum-sum", lambda L, a: L.einsum("ijk->j", a), [_r(2, 3, 4)], None),
    # ---- linear algebra ------------------------------------------------------------------------------------
    ("det", lambda L, a: L.linalg.det(a), [_r(3, 3)], None),
    ("det-batch", lambda L, a: L.det(a), [_r(2, 3, 3)], None),
    ("inv", lambda L, a: L.linalg.inv(a), [_spd(3) + _r(3, 3)], None),
    ("inverse-batch", lambda L, a: L.inverse(a), [_spd(3, (2,))], None),
    ("inv_ex", lambda L, a: L.linalg.inv_ex(a), [_spd(3)], None),
    ("solve", lambda L, a, b: L.linalg.solve(a, b), [_spd(3), _r(3, 2)], None),
    ("solve-vec", lambda L, a, b: L.linalg.solve(a, b), [_spd(3), _r(3)], None),
    ("solve-batch-vec", lambda L, a, b: L.linalg.solve(a, b), [_spd(3, (2,)), _r(3)], None),
    ("solve-right", lambda L, a, b: L.linalg.solve(a, b, left=False), [_spd(3) + _r(3, 3), _r(2, 3)], None),
    ("solve-right-batch", lambda L, a, b: L.linalg.solve(a, b, left=False), [_spd(3, (2,)), _r(5, 3)], None),
    ("slogdet", lambda L, a: L.linalg.slogdet(a), [_r(3, 3)], None),
    ("logdet", lambda L, a: L.logdet(a), [_spd(3)], None),
    ("cholesky", lambda L, a: L.linalg.cholesky(a), [_spd(3)], [_sym(3)]),
    ("cholesky-upper-batch", lambda L, a: L.linalg.cholesky(a, upper=True), [_spd(3, (2,))], [_sym(3, (2,))]),
    ("cholesky-nonsym-tangent", lambda L, a: L.linalg.cholesky(a), [_spd(3)], None),
    ("qr-tall", lambda L, a: L.linalg.qr(a), [_r(4, 3)], None),
    ("qr-square-batch", lambda L, a: L.linalg.qr(a), [_r(2, 3, 3)], None),
    ("qr-wide", lambda L, a: L.linalg.qr(a), [_r(3, 5)], None),
    ("qr-complete-wide", lambda L, a: L.linalg.qr(a, mode="complete"), [_r(2, 4)], None),
    ("qr-old", lambda L, a: L.qr(a), [_r(4, 2)], None),
    ("svdvals", lambda L, a: L.linalg.svdvals(a), [_r(4, 3)], None),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(a), [_sym(3)], [_sym(3)]),
    ("pinv-tall", lambda L, a: L.linalg.pinv(a), [_r(4, 3)], None),
    ("pinv-wide-batch", lambda L, a: L.linalg.pinv(a), [_r(2, 2, 3)], None),
    ("pinverse", lambda L, a: L.pinverse(a), [_r(3, 3)], None),
    ("lstsq", lambda L, a, b: L.linalg.lstsq(a, b).solution, [_r(4, 3), _r(4, 2)], None),
    ("matrix_norm-nuc", lambda L, a: L.linalg.matrix_norm(a, "nuc"), [_r(3, 4)], None),
    ("matrix_norm-2", lambda L, a: L.linalg.matrix_norm(a, 2), [_r(4, 3)], None),
]


# forward compositions through shape ops (view, permute) whose jvp is another helper's work (ops/shape.py):
# expected to raise "Trying to use forward AD with permute/view" until those rules land


def _params(cases):
    return [pytest.param(*c, id=c[0]) for c in cases]


def _tangents(primals, tangents):
    return [_r(*np.shape(p)) for p in primals] if tangents is None else tangents


@pytest.mark.parametrize("name, fn, primals, tangents", _params(CASES))
def test_jvp_vs_torch(name, fn, primals, tangents):
    tangents = _tangents(primals, tangents)
    outs, ours = jvps(tg, fn, primals, tangents)
    t_outs, theirs = jvps(torch, fn, primals, tangents)
    assert len(ours) == len(theirs)
    for i, (o, t, v, tv) in enumerate(zip(ours, theirs, outs, t_outs)):
        np.testing.assert_allclose(v, tv, rtol=1e-7, atol=1e-9, err_msg=f"value {i}")
        assert (o is None) == (t is None), f"output {i}: tangent {o} vs torch {t}"
        if o is not None:
            assert o.shape == t.shape and o.dtype == t.dtype
            np.testing.assert_allclose(o, t, rtol=RTOL, atol=ATOL, err_msg=f"tangent {i}")


SMOOTH = [c for c in CASES if not any(k in c[0] for k in ("ties", "nan", "zero", "constant", "nonsym"))]


@pytest.mark.parametrize("name, fn, primals, tangents", _params(SMOOTH))
def test_jvp_vs_central_difference(name, fn, primals, tangents):
    tangents = _tangents(primals, tangents)
    _, ours = jvps(tg, fn, primals, tangents)
    for i, (o, n) in enumerate(zip(ours, central(fn, primals, tangents))):
        np.testing.assert_allclose(o, n, rtol=1e-5, atol=1e-6, err_msg=f"tangent {i} vs central difference")


def _aligned(ours, theirs, axis):
    """+-1 per singular vector: the flip that makes ours torch's (a vector's sign is free)."""
    return np.sign(np.sum(ours * theirs, axis=axis, keepdims=True))


@pytest.mark.parametrize("shape, full", [((4, 3), False), ((3, 5), False), ((3, 3), True), ((4, 3), True),
                                         ((2, 3, 5), True)])
def test_svd_tangents_vs_torch(shape, full):
    """U, S, Vh and their tangents (vectors aligned in sign with torch's; with full_matrices the
    columns beyond min(m, n) get tangent 0, as torch's)."""
    a, t = _r(*shape), _r(*shape)

    def fn(L, x):
        return L.linalg.svd(x, full_matrices=full)
    (u, s, vh), (du, ds, dvh) = jvps(tg, fn, [a], [t])
    (tu, ts, tvh), (tdu, tds, tdvh) = jvps(torch, fn, [a], [t])
    np.testing.assert_allclose(ds, tds, rtol=RTOL, atol=ATOL)
    k = s.shape[-1]
    su = _aligned(u[..., :k], tu[..., :k], -2)
    np.testing.assert_allclose(du[..., :k] * su, tdu[..., :k], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dvh[..., :k, :] * np.swapaxes(su, -1, -2), tdvh[..., :k, :], rtol=1e-7, atol=1e-9)
    assert du.shape == tdu.shape and dvh.shape == tdvh.shape
    assert not du[..., k:].any() and not dvh[..., k:, :].any() and not tdu[..., k:].any()


def test_svd_old_and_eigh_vs_central_difference():
    """torch.svd (V, not Vh) and linalg.eigh: the tangents of sign-invariant products of the factors
    (U diag(S) and the projector v v^T of each eigenvector) against central differences."""
    a, t = _r(4, 3), _r(4, 3)

    def usv(L, x):
        u, s, v = L.svd(x)
        return (u * s.unsqueeze(-2)) @ v.mT, u[:, :1] @ u[:, :1].mT, v[:, 1:2] @ v[:, 1:2].mT
    _, ours = jvps(tg, usv, [a], [t])
    for o, n in zip(ours, central(usv, [a], [t])):
        np.testing.assert_allclose(o, n, rtol=1e-5, atol=1e-6)
    h, th = _sym(4), _sym(4)

    def projectors(L, x):
        w, v = L.linalg.eigh(x)
        return w, v[:, :1] @ v[:, :1].mT, v[:, 2:3] @ v[:, 2:3].mT
    _, ours = jvps(tg, projectors, [h], [th])
    _, theirs = jvps(torch, projectors, [h], [th])
    for o, t_, n in zip(ours, theirs, central(projectors, [h], [th])):
        np.testing.assert_allclose(o, t_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(o, n, rtol=1e-5, atol=1e-6)


def test_det_of_singular_matrix_vs_central_difference():
    """d det = tr(adj(A) dA) also where det A = 0 (torch's LU-based rule gives 0 there, not the
    derivative): [[1, 2], [2, 4]] along [[1, 2], [3, 4]] is -2."""
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    t = np.array([[1.0, 2.0], [3.0, 4.0]])
    _, (ours,) = jvps(tg, lambda L, x: L.linalg.det(x), [a], [t])
    assert np.allclose(ours, -2.0)
    np.testing.assert_allclose(ours, central(lambda L, x: L.linalg.det(x), [a], [t])[0], atol=1e-6)


def test_qr_refusals_match_torch():
    for mode, shape in (("r", (3, 2)), ("complete", (4, 2))):
        messages = []
        for lib in (tg, torch):
            with pytest.raises(RuntimeError) as info:
                jvps(lib, lambda L, x: L.linalg.qr(x, mode=mode), [_r(*shape)], [_r(*shape)])
            messages.append(str(info.value))
        assert messages[0] == messages[1]


@pytest.mark.parametrize("a, b, left", [((3, 3), (2, 4), True), ((3, 3), (2, 4), False), ((3, 3), (4,), False),
                                        ((2, 3, 3), (2, 3), False), ((2, 3, 3), (5, 3), True), ((3, 3), (3, 2), False),
                                        ((3, 3), (3,), False)])
def test_solve_shape_refusals_match_torch(a, b, left):
    """X A = B takes no vector B (torch's rule), and the messages name the equation and B's shape."""
    messages = []
    for lib in (tg, torch):
        with pytest.raises(RuntimeError) as info:
            lib.linalg.solve(_tensor(lib, _r(*a)), _tensor(lib, _r(*b)), left=left)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_integer_reduction_carries_no_tangent():
    """A sum of an int tensor beside a dual: no tangent; argmax gives indices only."""
    for lib in (tg, torch):
        fw = FW[lib]
        with fw.dual_level():
            x = fw.make_dual(_tensor(lib, np.array([1.0, 3.0, 2.0])), _tensor(lib, np.ones(3)))
            assert fw.unpack_dual(_tensor(lib, np.array([1, 2])).sum()).tangent is None
            assert fw.unpack_dual(x.amax() > 1).tangent is None
            assert fw.unpack_dual(x.argmax()).tangent is None


# ---- reverse-over-forward: the gradient of a tangent ------------------------------------------------------
# (det and solve: torch's forward rules read LU factors saved outside the graph, so its gradient of the
# tangent is not the derivative; the oracle there is a central difference of torch's tangent)
ROF = [
    ("prod-zero", lambda L, a: a.prod(0), [np.array([[0.0, 2.0], [3.0, 1.5], [2.0, -1.0]])]),
    ("amax", lambda L, a: a.amax(1), [_r(3, 4)]),
    ("norm", lambda L, a: L.linalg.vector_norm(a, dim=1), [_r(3, 4)]),
    ("matmul", lambda L, a, b: a @ b, [_r(2, 3, 4), _r(4, 2)]),
    ("addmm", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2.0), [_r(3, 2), _r(3, 4), _r(4, 2)]),
    ("einsum", lambda L, a, b: L.einsum("bij,jk->bik", a, b), [_r(2, 3, 4), _r(4, 2)]),
    ("det", lambda L, a: L.linalg.det(a), [_r(3, 3)]),
    ("inv", lambda L, a: L.linalg.inv(a), [_spd(3)]),
    ("solve", lambda L, a, b: L.linalg.solve(a, b), [_spd(3), _r(3, 2)]),
    ("cholesky", lambda L, a: L.linalg.cholesky(a), [_spd(3)]),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(a), [_sym(3)]),
    ("svdvals", lambda L, a: L.linalg.svdvals(a), [_r(4, 3)]),
    ("qr-R", lambda L, a: L.linalg.qr(a)[1], [_r(4, 3)]),
    ("qr-Q-wide", lambda L, a: L.linalg.qr(a)[0], [_r(2, 3)]),
    ("qr-R-wide", lambda L, a: L.linalg.qr(a)[1], [_r(2, 4)]),
    ("pinv", lambda L, a: L.linalg.pinv(a), [_r(4, 3)]),
    ("slogdet", lambda L, a: L.linalg.slogdet(a)[1], [_spd(3)]),
    ("var", lambda L, a: a.var(1, correction=0), [_r(3, 4)]),
    ("cumsum-nansum", lambda L, a: L.nansum(L.cumsum(a, 0) * a, 1), [_r(3, 4)]),
]


def _grad_of_tangent(lib, fn, primals, tangents, weight):
    """d/d(primals, tangents) of sum(weight * tangent of fn's first output)."""
    fw = FW[lib]
    xs = [_tensor(lib, p).requires_grad_() for p in primals]
    ts = [_tensor(lib, t).requires_grad_() for t in tangents]
    with fw.dual_level():
        out = _outputs(fn(lib, *[fw.make_dual(x, t) for x, t in zip(xs, ts)]))[0]
        loss = (fw.unpack_dual(out).tangent * _tensor(lib, weight)).sum()
    grads = lib.autograd.grad(loss, xs + ts, allow_unused=True)
    return [None if g is None else np.array(g.detach().numpy()) for g in grads]


def _central_grad_of_torch_tangent(fn, primals, tangents, weight, eps=1e-6):
    """The gradient of sum(weight * torch's tangent) over the primals, by central differences."""
    def g(ps):
        return float((jvps(torch, fn, ps, tangents)[1][0] * weight).sum())
    grads = []
    for k, p in enumerate(primals):
        grad = np.zeros_like(p)
        for idx in np.ndindex(p.shape):  # a few 3x3 entries
            step = np.zeros_like(p)
            step[idx] = eps
            grad[idx] = (g(primals[:k] + [p + step] + primals[k + 1:]) -
                         g(primals[:k] + [p - step] + primals[k + 1:])) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.parametrize("name, fn, primals", ROF, ids=[c[0] if isinstance(c, tuple) else c.id for c in ROF])
def test_reverse_over_forward_vs_torch(name, fn, primals):
    tangents = [_r(*p.shape) for p in primals]
    if name in ("cholesky", "eigvalsh"):
        tangents = [t + t.T for t in tangents]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weight = _r(*jvps(torch, fn, primals, tangents)[0][0].shape)
        ours = _grad_of_tangent(tg, fn, primals, tangents, weight)
        theirs = _grad_of_tangent(torch, fn, primals, tangents, weight)
        if name in ("det", "solve"):
            numeric = _central_grad_of_torch_tangent(fn, primals, tangents, weight)
            for i, (o, n) in enumerate(zip(ours, numeric)):
                np.testing.assert_allclose(o, n, rtol=1e-5, atol=1e-6, err_msg=f"gradient {i} vs central difference")
            theirs = [None] * len(primals) + theirs[len(primals):]  # the gradients over the tangents: torch's
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if t is None or o is None:
            assert t is None or not t.any(), f"gradient {i}: none, torch's {t}"
            continue
        np.testing.assert_allclose(o, t, rtol=1e-7, atol=1e-9, err_msg=f"gradient {i}")
