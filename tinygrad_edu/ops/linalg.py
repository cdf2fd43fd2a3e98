"""Linear algebra on (batches of) matrices: det, inv, solve, slogdet, svd, eigh (cholesky, qr and
pinv: linalg_factor.py). The forwards are numpy.linalg's; every backward and forward-mode rule is
written in Tensor ops (several call the ops of this file again), so derivatives of any order work.
For a matrix A with G the incoming gradient:

    det        d = det A             dA = G d A^-T
    inv        X = A^-1              dA = -X^T G X^T
    solve      X = A^-1 B            dB = A^-T G,  dA = -dB X^T
    slogdet    l = log|det A|        dA = G A^-T            (the sign has no gradient)
    svd        A = U S V^T           dA = U [(J o F) S + S (K o F) + diag(G_S)] V^T
                                         + (I - U U^T) G_U S^-1 V^T + U S^-1 G_V^T (I - V V^T),
                                     J = U^T G_U - (.)^T, K = V^T G_V - (.)^T, F_ij = 1 / (s_j^2 - s_i^2)
    eigh       A = V diag(w) V^T     dA = V (diag(G_w) + F o (V^T G_V)) V^T,  F_ij = 1 / (w_j - w_i)

and the forward-mode rules (the tangent dA given, d of each output; matrix calculus):

    det        d det = tr(adj(A) dA)   (= det tr(A^-1 dA); the adjugate from the SVD when A is singular)
    inv        dX = -X dA X
    solve      dX = A^-1 (dB - dA X)   (X A = B: dX = (dB - X dA) A^-1)
    slogdet    d log|det| = tr(A^-1 dA),  d sign = 0
    svd        P = U^T dA V:  dS = diag(P),  dU = U (F o (P S + S P^T)) + (I - U U^T) dA V S^-1,
                              dV = V (F o (S P + P^T S)) + (I - V V^T) dA^T U S^-1
    eigh       P = V^T dA V:  dw = diag(P),  dV = V (F o P)

Singular or indefinite inputs raise LinAlgError (a RuntimeError, as torch.linalg.LinAlgError).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from .reduce_checks import check_tensors
from .shape import cat


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
        return g.unsqueeze(-1).unsqueeze(-1) * _cofactors(a, d)

    @staticmethod
    def jvp(ctx, ta):
        """d det = tr(adj(A) dA) = sum of cofactors(A) * dA."""
        return (_cofactors(ctx.primals[0], ctx.result) * ta).sum((-2, -1))


def _cofactors(a, d):
    """The cofactor matrix adj(A)^T (d det / dA): det(A) A^-T, or for a singular A (some det 0) from
    the SVD A = U S V^T: det(U) det(V) U diag(prod_{j != i} s_j) V^T."""
    if np.all(d._data != 0):
        return d.unsqueeze(-1).unsqueeze(-1) * LinalgInvEx.apply(a).mT
    u, s, vh = LinalgSvd.apply(a, False, True)
    sign = np.linalg.det(u._data) * np.linalg.det(vh._data)
    eye = _eye_like(a)
    others = (s.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # prod over j != i of s_j
    scale = Tensor._wrap(np.asarray(sign, dtype=a._data.dtype)[..., None, None])
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

    @staticmethod
    def jvp(ctx, ta):
        """d(A^-1) = -A^-1 dA A^-1."""
        x = ctx.result
        return -(x @ ta @ x)


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

    @staticmethod
    def jvp(ctx, ta, tb, vec, left):
        """A X = B: dX = A^-1 (dB - dA X); X A = B: dX = (dB - X dA) A^-1 (one more solve)."""
        a, x, vec, left = ctx.primals[0], ctx.result, ctx.vec, ctx.left
        if left:
            moved = (ta @ x.unsqueeze(-1)).squeeze(-1) if vec else ta @ x
        else:
            moved = (x.unsqueeze(-2) @ ta).squeeze(-2) if vec else x @ ta
        return LinalgSolveEx.apply(a, tb - moved, vec, left)


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

    @staticmethod
    def jvp(ctx, ta):
        """d log|det A| = tr(A^-1 dA); the sign is piecewise constant (tangent 0, as torch's)."""
        a, (sign, _) = ctx.primals[0], ctx.result
        return Tensor._wrap(np.zeros(sign._data.shape, sign._data.dtype)), (LinalgInvEx.apply(a).mT * ta).sum((-2, -1))


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

    @staticmethod
    def jvp(ctx, ta, full_matrices, compute_uv):
        """See the module docstring. With full_matrices the columns beyond k = min(m, n) (not
        determined by A) get tangent 0, as torch's."""
        if ctx.vals_only:
            u, _, vh = LinalgSvd.apply(ctx.primals[0], False, True)
            return _diagonal(u.mT @ ta @ vh.mT)
        u, s, vh = ctx.result
        k = s.shape[-1]
        if ctx.full:
            u, vh = u[..., :k], vh[..., :k, :]
        du, ds, dv = _svd_tangents(u, s, vh.mT, ta)
        dvh = dv.mT
        if ctx.full:
            du, dvh = _zero_padded(du, -1, ctx.result[0].shape[-1]), _zero_padded(dvh, -2, ctx.result[2].shape[-2])
        return du, ds, dvh


def _diagonal(p):
    """The diagonals of a batch of square matrices, as a differentiable product with I."""
    return (p * _eye_like(p)).sum(-1)


def _svd_tangents(u, s, v, ta):
    """(dU, dS, dV) of the reduced SVD A = U S V^T for the tangent dA (module docstring)."""
    p = u.mT @ ta @ v
    eye = _eye_like(p)
    s2 = s * s
    f = (1 - eye) / (s2.unsqueeze(-2) - s2.unsqueeze(-1) + eye)  # F_ij = 1 / (s_j^2 - s_i^2), 0 on the diagonal
    rows, cols = s.unsqueeze(-1), s.unsqueeze(-2)                 # rows * X = S X, X * cols = X S
    du = u @ (f * (p * cols + rows * p.mT))
    dv = v @ (f * (rows * p + p.mT * cols))
    if u.shape[-2] > s.shape[-1]:  # the part of dA V outside U's columns
        du = du + (ta @ v - u @ p) / cols
    if v.shape[-2] > s.shape[-1]:
        dv = dv + (ta.mT @ u - v @ p.mT) / cols
    return du, _diagonal(p), dv


def _zero_padded(t, dim, size):
    """t with zeros appended along dim up to size."""
    shape = list(t.shape)
    if shape[dim] == size:
        return t
    shape[dim] = size - shape[dim]
    return cat([t, Tensor._wrap(np.zeros(shape, t._data.dtype))], dim)


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

    @staticmethod
    def jvp(ctx, ta, uplo, vectors):
        """P = V^T dA V: dw = diag(P), dV = V (F o P), F_ij = 1 / (w_j - w_i) (0 on the diagonal)."""
        if ctx.vectors:
            w, v = ctx.result
        else:
            w, (_, v) = ctx.result, LinalgEigh.apply(ctx.primals[0], ctx.uplo, True)
        p = v.mT @ ta @ v
        if not ctx.vectors:
            return _diagonal(p)
        eye = _eye_like(p)
        f = (1 - eye) / (w.unsqueeze(-2) - w.unsqueeze(-1) + eye)
        return _diagonal(p), v @ (f * p)


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
