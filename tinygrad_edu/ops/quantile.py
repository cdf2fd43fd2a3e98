"""quantile and nanquantile, composed as torch composes them: sort along dim, read the two neighbours
of the rank q (n - 1), and interpolate between them. The gradient flows back through the
interpolation (lerp), the read (gather) and the sort to the elements that were read."""
import numpy as np

from ..tensor import Tensor, _wrap_dim
from .pointwise_ternary import lerp
from .reduce_checks import check_tensors
from .sort import sort

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(fname, q, dtype):
    """q as a 1-d array of x's dtype, and whether it was a scalar (no q dim in the result)."""
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{fname}() q must be a scalar or 1D tensor")
        if q._data.dtype != dtype:
            raise RuntimeError(f"{fname}() q tensor must be same dtype as the input tensor")
        values, scalar = q._data.reshape(-1), q._data.ndim == 0
        if np.any((values < 0) | (values > 1)):
            raise RuntimeError(f"{fname}() q values must be in the range [0, 1]")
        return values, scalar
    if not isinstance(q, (int, float, np.floating, np.integer)) or isinstance(q, bool):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got q of type "
                        f"{type(q).__name__}, but expected a float or a Tensor")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{fname}() q must be in the range [0, 1] but got {float(q)}")
    return np.asarray([q], dtype=dtype), True


def _check(fname, x, interpolation):
    if not isinstance(x, Tensor):
        check_tensors(fname, x)
    if x._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{fname}() input tensor must be either float or double dtype")
    if x._data.size == 0:
        raise RuntimeError(f"{fname}() input tensor must be non-empty")
    if interpolation not in _MODES:
        raise RuntimeError(f"{fname}() interpolation must be one of linear, lower, higher, midpoint or "
                           f"nearest, but got {interpolation}")


def _ranks(qs, counts, interpolation, dtype):
    """(lower index, upper index, weight) of shape counts.shape + (Q,) for ranks q (count - 1)."""
    last = np.maximum(counts - 1, 0)[..., None].astype(dtype)
    rank = qs.astype(dtype) * last
    if interpolation == "nearest":
        rank = np.round(rank)  # half to even, as torch's round
    lo, hi = np.floor(rank), np.ceil(rank)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    weight = (rank - lo) if interpolation == "linear" else np.full(rank.shape, 0.5 if interpolation ==
                                                                   "midpoint" else 0.0)
    return lo.astype(np.int64), hi.astype(np.int64), weight.astype(dtype)


def _quantile(fname, input, q, dim, keepdim, interpolation, ignore_nan):
    _check(fname, input, interpolation)
    dtype = input._data.dtype
    qs, scalar_q = _q_array(fname, q, dtype)
    x = input.reshape(-1) if dim is None else input
    ax = -1 if dim is None else _wrap_dim(dim, x._data.ndim)
    if x._data.ndim == 0:
        x, ax = x.reshape(1), 0
    rows = sort(x, ax).values.movedim(ax, -1)  # NaN sorts last
    nans = np.isnan(np.moveaxis(x._data, ax, -1))
    n = rows._data.shape[-1]
    counts = n - nans.sum(-1) if ignore_nan else np.full(nans.shape[:-1], n)
    lo, hi, weight = _ranks(qs, counts, interpolation, dtype)
    # a slice with no answer reads a NaN (as torch: the last sorted element, or for nanquantile the
    # first), so the result is NaN and the gradient goes where torch's goes
    undefined = np.broadcast_to(((counts == 0) if ignore_nan else nans.any(-1))[..., None], lo.shape)
    if undefined.any():
        fill = 0 if ignore_nan else n - 1
        lo, hi, weight = np.where(undefined, fill, lo), np.where(undefined, fill, hi), np.where(undefined, 0, weight)
    below, above = rows.gather(-1, Tensor._wrap(lo)), rows.gather(-1, Tensor._wrap(hi))
    out = lerp(below, above, Tensor._wrap(weight.astype(dtype)))
    out = out.movedim(-1, 0)  # the q dim first
    if keepdim:
        out = _keep_dims(out, input._data.ndim, dim)
    return out.squeeze(0) if scalar_q else out


def _keep_dims(out, ndim, dim):
    """Put back the reduced dim(s) as size 1 after the q dim (all of them when dim is None)."""
    if dim is None:
        return out.reshape((out._data.shape[0],) + (1,) * ndim)
    if ndim == 0:
        return out.reshape(out._data.shape[:1])
    return out.unsqueeze(_wrap_dim(dim, ndim) + 1)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles along dim (all elements when dim is None); NaN where a slice holds NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN (NaN only for a slice that holds nothing else)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)
