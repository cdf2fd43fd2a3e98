"""tinygrad_edu.linalg: torch.linalg's common functions (norms, det, inv, solve, slogdet, cholesky, qr,
svd, eigh, pinv, matrix_rank, lstsq, ...), with torch's signatures, result tuples and errors. The
differentiable ones are the classes of ops/linalg.py (their gradients are documented there); the
norms are compositions of reductions, as torch's formulas are."""
from collections import namedtuple
import math

import numpy as np

from ._out import with_out as _with_out
from .autograd.names import named
from .ops import products as _products
from .ops.linalg import (LinAlgError, LinalgDet, LinalgEigh, LinalgInvEx,
                         LinalgSlogdet, LinalgSolveEx, LinalgSvd, check_float, check_square, inv,
                         lapack_layout)
from .ops.linalg_factor import LinalgCholeskyEx, LinalgPinv, LinalgQr
from .ops.matmul import matmul
from .ops.reduce import normalize_dims
from .tensor import Tensor, _wrap_dim

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "det", "inv", "inv_ex", "solve", "slogdet",
           "cholesky", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_rank", "lstsq", "cross",
           "matrix_power", "matmul", "multi_dot", "vecdot"]

_slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
_qr_result = namedtuple("qr", ["Q", "R"])
_svd_result = namedtuple("svd", ["U", "S", "Vh"])
_eigh_result = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
_lstsq_result = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])
_inv_ex_result = namedtuple("inv_ex", ["inverse", "info"])
for _t, _n in ((_slogdet_result, "linalg_slogdet"), (_qr_result, "linalg_qr"), (_svd_result, "linalg_svd"),
               (_eigh_result, "linalg_eigh"), (_lstsq_result, "linalg_lstsq"), (_inv_ex_result, "linalg_inv_ex")):
    _t.__qualname__ = _n  # printed as torch.return_types.<name>(...) would be


def _cast(x, dtype):
    return x if dtype is None else x.to(dtype)


# ---- norms ---------------------------------------------------------------------------------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """(sum_i |x_i|^ord)^(1/ord) over `dim` (all dims when None); ord inf/-inf: max/min |x_i|; 0: count of nonzeros."""
    check_float("linalg.vector_norm", x)
    x = _cast(x, dtype)
    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not str")
    dims = normalize_dims(dim, x._data.ndim)
    if ord == 2:
        from .ops.reduce_norm import Norm2
        return Norm2.apply(x, dims, keepdim)
    a = x.abs()
    if ord == math.inf:
        result = a.amax(dims, keepdim=keepdim) if dims is not None or x._data.ndim else a.clone()
    elif ord == -math.inf:
        result = a.amin(dims, keepdim=keepdim) if dims is not None or x._data.ndim else a.clone()
    elif ord == 0:
        result = (a * 0).sum(dims, keepdim=keepdim) + (x != 0).to(x.dtype).sum(dims, keepdim=keepdim)
    elif ord == 1:
        result = a.sum(dims, keepdim=keepdim)
    else:
        result = (a ** ord).sum(dims, keepdim=keepdim) ** (1.0 / ord)
    return named(result, "LinalgVectorNormBackward0")


def _matrix_dims(x, dim, name):
    if not isinstance(dim, (list, tuple)) or len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (_wrap_dim(d, x._data.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    return d0, d1


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro' (the 2-norm of all entries), 'nuc' (sum of singular values), 2 / -2 (largest / smallest
    singular value), 1 / -1 (max / min column abs sum), inf / -inf (max / min row abs sum)."""
    check_float("linalg.matrix_norm", A)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    A = _cast(A, dtype)
    d0, d1 = _matrix_dims(A, dim, "linalg.matrix_norm")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [d for d in range(A._data.ndim) if d not in (d0, d1)]
        s = svdvals(A.permute(*rest, d0, d1))
        r = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:  # back to A's rank, the two reduced dims in their places
            order = rest + [d0, d1]
            r = r.unsqueeze(-1).unsqueeze(-1).permute(*[order.index(d) for d in range(A._data.ndim)])
        return r
    if ord in (1, -1, math.inf, -math.inf):
        sum_dim, pick_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = A.abs().sum(sum_dim, keepdim=keepdim)
        pick_dim -= 1 if not keepdim and sum_dim < pick_dim else 0
        return sums.amax(pick_dim, keepdim=keepdim) if ord > 0 else \
            sums.amin(pick_dim, keepdim=keepdim)
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """A vector norm (1-D input or one dim) or a matrix norm (2-D input or two dims); ord=None is the
    2-norm / Frobenius norm of everything."""
    check_float("linalg.norm", A)
    if dim is not None and not isinstance(dim, (list, tuple)):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A._data.ndim}D.")
        dim = tuple(range(A._data.ndim))
    if len(dim) == 2 or isinstance(ord, str):  # a str ord is a matrix norm's (which refuses fewer dims)
        return matrix_norm(A, ord, dim if len(dim) == 2 else (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


# ---- determinants, inverses, solving --------------------------------------------------------------------
def det(A):
    check_square("linalg.det", A)
    return LinalgDet.apply(A)


def inv_ex(A, *, check_errors=False):
    check_square("linalg.inv_ex", A)
    return _inv_ex_result(LinalgInvEx.apply(A), Tensor._wrap(np.zeros(A._data.shape[:-2], np.int32)))


def slogdet(A):
    check_square("linalg.slogdet", A)
    return _slogdet_result(*LinalgSlogdet.apply(A))


def solve(A, B, *, left=True):
    """X with A X = B (left=True) or X A = B (left=False). B is a vector when it is 1-D or has one
    dim fewer than A with A's leading sizes (left=True only: torch refuses a vector for X A = B)."""
    check_square("linalg.solve", A)
    check_float("linalg.solve", B)
    a, b = A._data.shape, B._data.shape
    vec = len(b) == 1 or (len(b) == len(a) - 1 and b == a[:-1])
    if vec:
        fits = left and b[-1] == a[-1]
    else:
        fits = len(b) >= 2 and (b[-2] if left else b[-1]) == a[-1]
    if not fits:
        shown = f"{b[-1]}x1" if vec else "x".join(map(str, b[-2:])) if len(b) >= 2 else f"{b[0]}x1"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {'AX' if left else 'XA'} "
                           f"= B ({a[-2]}x{a[-1]} and {shown})")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype.scalar_name} and B of type {B.dtype.scalar_name} instead")
    return LinalgSolveEx.apply(A, B, vec, bool(left))


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """The pseudo-inverse; singular values at or below max(atol, rtol * s_max) count as zero
    (rtol defaults to eps * max(m, n) when neither is given, to 0 when atol is)."""
    check_float("linalg.pinv", A)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.pinv({A.dtype.scalar_name}{{{list(A._data.shape)}}}): expected a tensor with 2 "
                           f"or more dimensions of float, double, cfloat or cdouble types")
    atol_v, rtol_v = _tolerances(A, atol, rtol)
    return LinalgPinv.apply(A, atol_v, rtol_v)


def _tolerances(A, atol, rtol):
    m, n = A._data.shape[-2:]
    if rtol is None:
        rtol = np.finfo(A._data.dtype).eps * max(m, n) if atol is None or atol == 0 else 0.0
    return float(atol or 0.0), float(rtol)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    check_float("linalg.matrix_rank", A)
    if tol is not None:
        atol, rtol = tol, 0.0
    atol_v, rtol_v = _tolerances(A, atol, rtol)
    s = np.linalg.svd(A._data, compute_uv=False)
    smax = s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return Tensor._wrap(np.asarray((s > np.maximum(atol_v, rtol_v * smax)).sum(-1), dtype=np.int64))


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares (minimum-norm) solution of A X = B, as pinv(A) @ B. As torch's CPU default
    driver 'gelsy', residuals and singular_values are empty; 'gelsd' and 'gelss' fill them."""
    check_float("linalg.lstsq", A)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vec = B._data.ndim == A._data.ndim - 1
    b = B.unsqueeze(-1) if vec else B
    if A._data.shape[-2] != b._data.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    atol, rtol = (0.0, float(rcond)) if rcond is not None else _tolerances(A, None, None)
    solution = LinalgPinv.apply(A, atol, rtol) @ b
    solution = named(solution.squeeze(-1) if vec else solution, "LinalgLstsqBackward0")
    solution._data = solution._data if vec else lapack_layout(solution._data)  # LAPACK's column-major result
    empty = Tensor._wrap(np.zeros((0,), A._data.dtype))
    rank = matrix_rank(A.detach(), atol=atol, rtol=rtol)
    residuals, sv = empty, empty
    if driver in ("gelsd", "gelss"):
        sv = Tensor._wrap(np.linalg.svd(A._data, compute_uv=False))
        m, n = A._data.shape[-2:]
        if m > n and bool((rank._data == n).all()):
            residuals = ((matmul(A, solution.unsqueeze(-1) if vec else solution) - b) ** 2).sum(-2)
            residuals = residuals.squeeze(-1) if vec else residuals
    return _lstsq_result(solution, residuals, rank, sv)


# ---- factorisations -------------------------------------------------------------------------------------
def cholesky(A, *, upper=False):
    check_square("linalg.cholesky", A)
    return LinalgCholeskyEx.apply(A, bool(upper))


def qr(A, mode="reduced"):
    check_float("linalg.qr", A)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.qr: The input tensor A must have at least 2 dimensions.")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    return _qr_result(*LinalgQr.apply(A, mode))


def svd(A, full_matrices=True, *, driver=None):
    check_float("linalg.svd", A)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.svd: The input tensor A must have at least 2 dimensions.")
    return _svd_result(*LinalgSvd.apply(A, bool(full_matrices), True))


def svdvals(A, *, driver=None):
    check_float("linalg.svdvals", A)
    if A._data.ndim < 2:
        raise RuntimeError(f"linalg.svdvals: The input tensor A must have at least 2 dimensions.")
    return named(LinalgSvd.apply(A, False, False), "LinalgSvdBackward0")


def _uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def eigh(A, UPLO="L"):
    check_square("linalg.eigh", A)
    return _eigh_result(*LinalgEigh.apply(A, _uplo(UPLO), True))


def eigvalsh(A, UPLO="L"):
    check_square("linalg.eigvalsh", A)
    return LinalgEigh.apply(A, _uplo(UPLO), False)


# ---- products -------------------------------------------------------------------------------------------
def cross(input, other, *, dim=-1):
    return _products.linalg_cross(input, other, dim=dim)


def matrix_power(A, n):
    return _products.matrix_power(A, n)


def multi_dot(tensors):
    """The product of a chain of matrices (the first may be a vector, as the last), left to right."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return result


def vecdot(x, y, *, dim=-1):
    """sum over `dim` of x * y (broadcast)."""
    return (x * y).sum(dim)


# torch's out= on every function here that has it in torch (written after the result is computed; _out.py)
(vector_norm, matrix_norm, norm, det, inv, inv_ex, slogdet, solve, pinv, matrix_rank, cholesky, qr, svd, svdvals,
 eigh, eigvalsh, cross, matrix_power, multi_dot, vecdot) = (_with_out(f, "exact", "linalg." + f.__name__) for f in (
    vector_norm, matrix_norm, norm, det, inv, inv_ex, slogdet, solve, pinv, matrix_rank, cholesky, qr, svd, svdvals,
    eigh, eigvalsh, cross, matrix_power, multi_dot, vecdot))
