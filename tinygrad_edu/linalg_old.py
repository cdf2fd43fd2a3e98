"""The pre-torch.linalg spellings that older tutorials use: torch.det, inverse, logdet, slogdet,
pinverse, cholesky, svd, qr. Each is one of tinygrad_edu.linalg's functions with the old
signature and result (torch.svd returns V, not V^T; torch.logdet is nan for a negative determinant)."""
from collections import namedtuple
import warnings

from . import linalg as _la
from .autograd.names import named

_svd_result = namedtuple("svd", ["U", "S", "V"])
_qr_result = namedtuple("qr", ["Q", "R"])
_slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
_svd_result.__qualname__, _qr_result.__qualname__ = "svd", "qr"


def det(input):
    return _la.det(input)


def inverse(input):
    return _la.inv(input)


def slogdet(input):
    return _slogdet_result(*_la.slogdet(input))


def logdet(input):
    """log(det A): log|det A| where det A >= 0 (-inf for zero), nan for a negative determinant."""
    from .ops.elementwise import where
    sign, logabs = _la.slogdet(input)
    return where(sign < 0, float("nan"), logabs)


def pinverse(input, rcond=1e-15):
    return _la.pinv(input, rtol=rcond)


def cholesky(input, upper=False):
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.", UserWarning, stacklevel=2)
    return named(_la.cholesky(input, upper=upper), "CholeskyBackward0")


def svd(input, some=True, compute_uv=True):
    """U, S, V with A = U diag(S) V^T (reduced when some); zeros for U and V without compute_uv."""
    if not compute_uv:
        s = _la.svdvals(input)
        m, n = input.shape[-2:]
        from .creation import zeros
        return _svd_result(zeros(*input.shape[:-2], m, m, dtype=input.dtype), s,
                           zeros(*input.shape[:-2], n, n, dtype=input.dtype))
    u, s, vh = _la.svd(input, full_matrices=not some)
    return _svd_result(u, s, vh.mT)


def qr(input, some=True):
    return _qr_result(*_la.qr(input, mode="reduced" if some else "complete"))
