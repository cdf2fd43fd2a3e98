"""Factorisations and the pseudo-inverse: cholesky, qr, pinv (the rest of linear algebra:
linalg.py, whose helpers these use). Backward and forward-mode rules in Tensor ops, so derivatives of
any order work. G the incoming gradient, dA the tangent:

    cholesky   A = L L^T             dA = sym(L^-T Phi(L^T G) L^-1),  dL = L Phi(L^-1 dA L^-T),
                                     Phi = lower triangle, half diagonal
    qr         A = Q R (m >= n)      M = R G_R^T - G_Q^T Q,  dA = (G_Q + Q copyltu(M)) R^-T;
                                     forward rule: LinalgQr.jvp (also m < n)
    pinv       P = A^+               dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A),
                                     dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
"""
import numpy as np

from ..autograd.function import Function
from .linalg import LinAlgError, LinalgInvEx, _eye_like, lapack_layout
from .shape import cat


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

    @staticmethod
    def jvp(ctx, ta, upper):
        """dL = L Phi(L^-1 dA L^-T) (U = L^T: dU = dL^T, of dA^T)."""
        out = ctx.result
        lower, da = (out.mT, ta.mT) if ctx.upper else (out, ta)
        linv = LinalgInvEx.apply(lower)
        dl = lower @ _phi(linv @ da @ linv.mT, _eye_like(lower))
        return dl.mT if ctx.upper else dl


def _bad_minor(a):
    m = a.reshape(-1, *a.shape[-2:])[0]
    for k in range(1, m.shape[-1] + 1):  # error path only
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return m.shape[-1]


class LinalgQr(Function):
    """LinalgQrBackward0. A = Q R, reduced (or complete for a wide or square A): the gradient for
    m >= n in the module docstring, for m < n in backward's."""

    @staticmethod
    def forward(ctx, a, mode):
        q, r = np.linalg.qr(a._data, mode="complete" if mode == "complete" else "reduced")
        ctx.mode = mode
        if mode == "r":
            q = np.zeros((0,), a._data.dtype)
        m, n = a._data.shape[-2:]
        ctx.ok = mode == "reduced" or m <= n  # complete and tall: not differentiable (torch)
        q, r = (q if mode == "r" else lapack_layout(q)), lapack_layout(r)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        """m < n: A = [X | Y] with X = Q U square and R = [U | V], V = Q^T Y: the gradient of Y is
        Q gV, and X's is the square case's with gQ + Y gV^T in place of gQ."""
        if ctx.mode == "r":
            raise _no_q()
        if not ctx.ok:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        q, r = ctx.saved_tensors
        m, n = q.shape[-2], r.shape[-1]
        if m >= n:
            return _qr_square_backward(q, r, gq, gr), None
        v, gv = r[..., m:], gr[..., m:]
        y = q @ v  # A's last n - m columns
        gx = _qr_square_backward(q, r[..., :m], gq + y @ gv.mT, gr[..., :m])
        return cat([gx, q @ gv], -1), None

    @staticmethod
    def jvp(ctx, ta, mode):
        """m >= n: C = Q^T dA R^-1, X = tril(C, -1) - tril(C, -1)^T (Q^T dQ, skew):
        dR = (C - X) R, dQ = dA R^-1 - Q (C - X).  m < n: A = Q [R1 R2] with A1 = Q R1 square, so
        dQ and dR1 from A1's, and dR2 = Q^T (dA2 - dQ R2)."""
        if ctx.mode == "r":
            raise _no_q()
        q, r = ctx.result
        m, n = q.shape[-2], r.shape[-1]
        if m > n and ctx.mode == "complete":
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_tangents(q, r, ta)
        dq, dr1 = _qr_tangents(q, r[..., :m], ta[..., :m])
        dr2 = q.mT @ (ta[..., m:] - dq @ r[..., m:])
        return dq, cat([dr1, dr2], -1)


def _qr_square_backward(q, r, gq, gr):
    """The gradient of A = Q R with R square (m >= n)."""
    eye = _eye_like(r)
    m = r @ gr.mT - gq.mT @ q
    low = m.tril(-1)
    copyltu = low + low.mT + m * eye
    return (gq + q @ copyltu) @ LinalgInvEx.apply(r).mT


def _qr_tangents(q, r, ta):
    """(dQ, dR) of A = Q R with R square (m >= n)."""
    moved = ta @ LinalgInvEx.apply(r)
    c = q.mT @ moved
    low = c.tril(-1)
    upper = c - (low - low.mT)  # dR R^-1, upper triangular
    return moved - q @ upper, upper @ r


def _no_q():
    return RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                        "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")


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

    @staticmethod
    def jvp(ctx, ta, atol, rtol):
        """dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P (where the rank is constant)."""
        a, p = ctx.primals[0], ctx.result
        pt, dat = p.mT, ta.mT
        return -(p @ ta @ p) + (p @ pt) @ (dat - dat @ (a @ p)) + (dat - (p @ a) @ dat) @ (pt @ p)
