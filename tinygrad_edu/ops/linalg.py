"""Linear algebra on (batches of) matrices: det, inv, solve, slogdet, cholesky, qr, svd, eigh, pinv.
The forwards are numpy.linalg's; every backward is written in Tensor ops (several call the ops of
this file again), so derivatives of any order work. For a matrix A with G the incoming gradient:

    det        d = det A             dA = G d A^-T
    inv        X = A^-1              dA = -X^T G X^T
    solve      X = A^-1 B            dB = A^-T G,  dA = -dB X^T
    slogdet    l = log|det A|        dA = G A^-T            (the sign has no gradient)
    cholesky   A = L L^T             dA = sym(L^-T Phi(L^T G) L^-1), Phi = lower triangle, half diagonal
    qr         A = Q R (m >= n)      M = R G_R^T - G_Q^T Q,  dA = (G_Q + Q copyltu(M)) R^-T
    svd        A = U S V^T           dA = U [(J o F) S + S (K o F) + diag(G_S)] V^T
                                         + (I - U U^T) G_U S^-1 V^T + U S^-1 G_V^T (I - V V^T),
                                     J = U^T G_U - (.)^T, K = V^T G_V - (.)^T, F_ij = 1 / (s_j^2 - s_i^2)
    eigh       A = V diag(w) V^T     dA = V (diag(G_w) + F o (V^T G_V)) V^T,  F_ij = 1 / (w_j - w_i)
    pinv       P = A^+               dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)

Singular or indefinite inputs raise LinAlgError (a RuntimeError, as torch.linalg.LinAlgError).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from .reduce_checks import check_tensors


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a matrix that is singular, or not positive-definite."""


def _eye_like(x):
    n = x._data.shape[-1]
    return Tensor._wrap(np.eye(n, dtype=x._data.dtype))


def lapack_layout(x):
    """x with each matrix stored column by column, as LAPACK returns it (and torch keeps it): the
    transpose of a contiguous array, so strides match torch's (1, m) for an (m, n) matrix."""
    return np.swapaxes(np.ascontiguousarray(np.swapaxes(x, -1, -2)), -1, -2)


class LinalgDet(Function):
    """LinalgDetBackward0. dA = G det(A) A^-T, the transposed adjugate; for a singular A the adjugate
    from the SVD A = U S V^T: det(U) det(V) U diag(prod_{j != i} s_j) V^T."""

    @staticmethod
    def forward(ctx, a):
        out = np.asarray(np.linalg.det(a._data), dtype=a._data.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        if np.all(d._data != 0):
            scale = (g * d).unsqueeze(-1).unsqueeze(-1)
            return scale * LinalgInvEx.apply(a).mT
        u, s, vh = LinalgSvd.apply(a, False, True)
        sign = np.linalg.det(u._data) * np.linalg.det(vh._data)
        eye = _eye_like(a)
        others = (s.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # prod over j != i of s_j
        scale = (g * Tensor._wrap(np.asarray(sign, dtype=a._data.dtype))).unsqueeze(-1).unsqueeze(-1)
        return scale * ((u * others.unsqueeze(-2)) @ vh)


class LinalgInvEx(Function):
    """LinalgInvExBackward0. X = A^-1: dA = -X^T G X^T."""

    @staticmethod
    def forward(ctx, a):
        _check_invertible("linalg.inv", a._data)
        out = lapack_layout(np.linalg.inv(a._data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xt = x.mT
        return -(xt @ g @ xt)


def _check_invertible(name, a):
    """torch's LinAlgError naming the first zero pivot of A's LU factorisation."""
    if a.size == 0:
        return
    try:
        lu_ok = np.all(np.isfinite(np.linalg.inv(a)))
    except np.linalg.LinAlgError:
        lu_ok = False
    if not lu_ok:
        pivot = _zero_pivot(a)
        if name == "linalg.inv":
            raise LinAlgError(f"linalg.inv: The diagonal element {pivot} is zero, the inversion could not be "
                              f"completed because the input matrix is singular.")
        raise LinAlgError(f"torch.linalg.solve: The solver failed because the input matrix is singular.")


def _zero_pivot(a):
    """1-based index of the first zero pivot of Gaussian elimination with partial pivoting (as LAPACK's getrf)."""
    m = np.array(a.reshape(-1, *a.shape[-2:])[0], dtype=np.float64)
    n = m.shape[0]
    for k in range(n):  # only on the error path, over a matrix's columns
        p = k + int(np.argmax(np.abs(m[k:, k])))
        if m[p, k] == 0:
            return k + 1
        m[[k, p]] = m[[p, k]]
        m[k + 1:] -= np.outer(m[k + 1:, k] / m[k, k], m[k])
    return n


class LinalgSolveEx(Function):
    """LinalgSolveExBackward0. X = A^-1 B (B a matrix, or a vector when `vec`): dB = A^-T G,
    dA = -dB X^T. With left=False, X A = B is solved as A^T X^T = B^T (the same formulas, transposed)."""

    @staticmethod
    def forward(ctx, a, b, vec, left):
        ad, bd = (a._data, b._data) if left else (np.swapaxes(a._data, -1, -2), _mt_array(b._data))
        _check_invertible("linalg.solve", ad)
        out = np.linalg.solve(ad, bd[..., None] if vec else bd)
        if vec:
            out = out[..., 0]
            out = lapack_layout(out) if out.ndim > 1 else out
        else:
            out = lapack_layout(out)
        out = out if left else np.ascontiguousarray(_mt_array(out))
        ctx.vec, ctx.left = vec, left
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        vec, left = ctx.vec, ctx.left
        if not left:  # the left-solve gradient of the transposed system
            a, x, g = a.mT, _mt_tensor(x), _mt_tensor(g)
        gb = LinalgSolveEx.apply(a.mT, g, vec, True)
        ga = -(gb.unsqueeze(-1) * x.unsqueeze(-2)) if vec else -(gb @ x.mT)
        if not left:
            ga, gb = ga.mT, _mt_tensor(gb)
        return ga if ctx.needs_input_grad[0] else None, gb if ctx.needs_input_grad[1] else None, None, None


def _mt_array(x):
    return np.swapaxes(x, -1, -2) if x.ndim > 1 else x


def _mt_tensor(x):
    return x.mT if x.ndim > 1 else x


class LinalgSlogdet(Function):
    """LinalgSlogdetBackward0. (sign, log|det A|): d(log|det A|) = G A^-T; the sign has none."""

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a._data)
        dt = a._data.dtype
        sign, logabs = np.asarray(sign, dtype=dt), np.asarray(logabs, dtype=dt)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    def backward(ctx, gsign, glog):
        (a,) = ctx.saved_tensors
        return glog.unsqueeze(-1).unsqueeze(-1) * LinalgInvEx.apply(a).mT


def _phi(x, eye):
    """The lower triangle of x with its diagonal halved."""
    return x.tril(-1) + 0.5 * x * eye


class LinalgCholeskyEx(Function):
    """LinalgCholeskyExBackward0. A = L L^T (or U^T U with upper): see the module docstring."""

    @staticmethod
    def forward(ctx, a, upper):
        try:
            lower = np.linalg.cholesky(a._data)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"linalg.cholesky: The factorization could not be completed because the input is not "
                              f"positive-definite (the leading minor of order {_bad_minor(a._data)} is not "
                              f"positive-definite).") from None
        ctx.upper = upper
        out = lapack_layout(np.swapaxes(lower, -1, -2) if upper else lower)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        lower, gl = (out.mT, g.mT) if ctx.upper else (out, g)
        eye = _eye_like(lower)
        linv = LinalgInvEx.apply(lower)
        s = linv.mT @ _phi(lower.mT @ gl, eye) @ linv
        return 0.5 * (s + s.mT), None


def _bad_minor(a):
    m = a.reshape(-1, *a.shape[-2:])[0]
    for k in range(1, m.shape[-1] + 1):  # error path only
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return m.shape[-1]


class LinalgQr(Function):
    """LinalgQrBackward0. A = Q R, reduced (or complete for a tall or square A); gradients for
    m >= n: see the module docstring."""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a._data, mode="complete" if mode == "complete" else "reduced")
        ctx.mode = mode
        if mode == "r":
            q = np.zeros((0,), a._data.dtype)
        m, n = a._data.shape[-2:]
        ctx.ok = m >= n if mode == "reduced" else m == n
        q, r = (q if mode == "r" else lapack_layout(q)), lapack_layout(r)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        if not ctx.ok:
            raise NotImplementedError("linalg.qr backward is implemented here for m >= n (mode='reduced') and "
                                      "square inputs only")
        q, r = ctx.saved_tensors
        eye = _eye_like(r)
        m = r @ gr.mT - gq.mT @ q
        low = m.tril(-1)
        copyltu = low + low.mT + m * eye
        b = gq + q @ copyltu
        return b @ LinalgInvEx.apply(r).mT, None


class LinalgSvd(Function):
    """LinalgSvdBackward0 (reduced: full_matrices=False, or svdvals). See the module docstring."""

    @staticmethod
    def forward(ctx, a, full_matrices, compute_uv):
        if not compute_uv:
            ctx.save_for_backward(a)
            ctx.vals_only = True
            return np.linalg.svd(a._data, compute_uv=False)
        u, s, vh = np.linalg.svd(a._data, full_matrices=full_matrices)
        u, vh = lapack_layout(u), lapack_layout(vh)
        ctx.vals_only, ctx.full = False, full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, *grads):
        if ctx.vals_only:  # dA = U diag(G) V^T, through a differentiable SVD for higher orders
            (a,) = ctx.saved_tensors
            u, _, vh = LinalgSvd.apply(a, False, True)
            return (u * grads[0].unsqueeze(-2)) @ vh, None, None
        u, s, vh = ctx.saved_tensors
        gu, gs, gvh = grads
        k = s.shape[-1]
        if ctx.full:
            u, vh, gu, gvh = u[..., :k], vh[..., :k, :], gu[..., :k], gvh[..., :k, :]
        v, gv = vh.mT, gvh.mT
        eye = _eye_like(s.unsqueeze(-1).expand(*s.shape, k))
        s2 = s * s
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye   # E_ij = s_j^2 - s_i^2, 1 on the diagonal
        f = (1 - eye) / e
        uh_gu, vh_gv = u.mT @ gu, v.mT @ gv
        j = (uh_gu - uh_gu.mT) * f
        kk = (vh_gv - vh_gv.mT) * f
        sm = s.unsqueeze(-2)                             # multiply columns by s: X * sm = X diag(s)
        inner = j * sm + s.unsqueeze(-1) * kk + gs.unsqueeze(-2) * eye
        ga = u @ inner @ vh
        m, n = u.shape[-2], v.shape[-2]
        sinv = 1 / sm
        if m > k:
            ga = ga + (gu - u @ uh_gu) * sinv @ vh
        if n > k:
            ga = ga + (u * sinv) @ (gv.mT - (gv.mT @ v) @ vh)
        return ga, None, None


class LinalgEigh(Function):
    """LinalgEighBackward0. Eigenvalues (ascending) and eigenvectors of a symmetric matrix (its
    lower triangle is read, as torch's UPLO='L'). See the module docstring."""

    @staticmethod
    def forward(ctx, a, uplo, vectors):
        w, v = np.linalg.eigh(a._data, UPLO=uplo)
        v = lapack_layout(v)
        ctx.vectors, ctx.uplo = vectors, uplo
        ctx.save_for_backward(w, v, a if not vectors else None)
        return (w, v) if vectors else w

    @staticmethod
    def backward(ctx, *grads):
        w, v, ctx.a = ctx.saved_tensors
        gw = grads[0]
        inner = gw.unsqueeze(-2) * _eye_like(v)
        if ctx.vectors:
            eye = _eye_like(v)
            e = w.unsqueeze(-2) - w.unsqueeze(-1) + eye
            inner = inner + (v.mT @ grads[1]) * ((1 - eye) / e)
        else:  # the eigenvectors, differentiable, for derivatives of higher order
            _, v = LinalgEigh.apply(ctx.a, ctx.uplo, True)
        ga = v @ inner @ v.mT
        return 0.5 * (ga + ga.mT), None, None  # symmetric, as torch's: only symmetric changes of A are meant


class LinalgPinv(Function):
    """LinalgPinvBackward0. P = A^+ through the SVD, singular values at or below max(atol, rtol * s_max)
    dropped: dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A) (exact where the rank is
    constant)."""

    @staticmethod
    def forward(ctx, a, atol, rtol):
        u, s, vh = np.linalg.svd(a._data, full_matrices=False)
        smax = s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
        cutoff = np.maximum(atol, rtol * smax)
        sinv = np.where(s > cutoff, 1 / np.where(s == 0, 1, s), 0).astype(s.dtype)
        out = np.swapaxes(vh, -1, -2) @ (sinv[..., :, None] * np.swapaxes(u, -1, -2))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        pt, gt = p.mT, g.mT
        ap, pa = a @ p, p @ a
        return (-(pt @ g @ pt) + (gt - ap @ gt) @ (p @ pt) + (pt @ p) @ (gt - gt @ pa)), None, None


# ---- argument checks shared by the public functions (tinygrad_edu/linalg.py) -----------------------------
def check_square(name, a, float_only=True):
    check_tensors(name, a)
    s = a._data.shape
    if len(s) < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if s[-1] != s[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {s[-2]} by {s[-1]} matrices")
    check_float(name, a, float_only)


def check_float(name, a, float_only=True):
    check_tensors(name, a)
    if a._data.dtype == np.float16:  # numpy.linalg has no half-precision kernels, nor has torch's CPU build
        raise NotImplementedError(f"\"{name}\" not implemented for 'Half'")
    if float_only and a._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_dt.from_numpy_dtype(a._data.dtype).scalar_name}")


def inv(a):
    check_square("linalg.inv", a)
    return LinalgInvEx.apply(a)
