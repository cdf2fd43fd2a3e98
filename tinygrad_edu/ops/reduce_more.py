"""More reductions: nansum, nanmean, count_nonzero, std_mean, var_mean, aminmax, and the order
statistics median, nanmedian and mode (values with the indices they were read from).

The order statistics pick one element per reduced slice; their values are a `gather` of the input
at the chosen indices, so the gradient goes to that element (as torch's MedianBackward1, ModeBackward0).
median() over all elements spreads its gradient evenly over the elements equal to the median (as
torch's MedianBackward0)."""
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .reduce import Sum, amax, amin, expand_back, mean, normalize_dims
from .reduce_norm import std, var
from .reduce_checks import check_tensors
from .sort import _result_type

median_result, nanmedian_result, mode_result = (_result_type(n) for n in ("median", "nanmedian", "mode"))


class Nansum(Function):
    """NansumBackward0. The sum of the non-NaN elements; d/dx_i = 1 where x_i is not NaN, else 0."""
    graph_inputs = (0,)
    array_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        d = x._data
        ctx.shape, ctx.dims, ctx.keepdim = d.shape, dims, keepdim
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward((d == d).astype(d.dtype))
        return np.nansum(d, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (counted,) = ctx.saved_values
        return expand_back(grad, ctx) * counted, None, None

    @staticmethod
    def jvp(ctx, tx, dims, keepdim):
        """d(nansum x) = the sum of dx over the elements of x that are not NaN."""
        d = ctx.primals[0]._data
        return Sum.apply(tx.masked_fill(Tensor._wrap(d != d), 0.0), ctx.dims, ctx.keepdim)


class EvenShare(Function):
    """MedianBackward0 / NanmedianBackward0: one value chosen from all elements (median() without dim),
    its gradient shared evenly by the elements equal to it (NaN counting as equal to NaN)."""
    graph_inputs = (0,)
    array_backward = True

    @staticmethod
    def forward(ctx, x, value, torch_name):
        d = x._data
        ctx.torch_name, ctx.shape, ctx.dims, ctx.keepdim = torch_name, d.shape, None, False
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(_even_share(d, value))
        return np.asarray(value, dtype=d.dtype)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_values
        return expand_back(grad, ctx) * share, None, None

    @staticmethod
    def jvp(ctx, tx, value, torch_name):
        """d median = the mean of dx over the elements equal to the median (torch's rule); NaN for
        a NaN median (torch's: no element equals NaN)."""
        x, value = ctx.primals[:2]
        if x._data.dtype.kind == "f" and np.isnan(value):
            return Sum.apply(tx, None, False) * float("nan")
        return Sum.apply(tx * Tensor._wrap(_even_share(x._data, value)), None, False)


def _even_share(d, value):
    """1/k at the k elements of d equal to value (NaN counting as equal to NaN), 0 elsewhere."""
    equal = (np.isnan(d) if np.isnan(value) else d == value) if d.dtype.kind == "f" else d == value
    return (equal / max(int(equal.sum()), 1)).astype(d.dtype)


# ---- public functions ------------------------------------------------------------------------------
def _tensor(fname, x):
    if not isinstance(x, Tensor):
        check_tensors(fname, x)
    return x


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    x = _tensor("nansum", input)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = x.to(np.int64)  # as sum: bools and small ints add up as int64
    return Nansum.apply(x, normalize_dims(dim, x._data.ndim), keepdim)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    x = _tensor("nanmean", input)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{x.dtype.scalar_name}")
    dims = normalize_dims(dim, x._data.ndim)
    count = np.sum(~np.isnan(x._data), axis=dims, keepdims=keepdim)
    return nansum(x, dim, keepdim) / Tensor._wrap(np.asarray(count))


def count_nonzero(input, dim=None):
    x = _tensor("count_nonzero", input)
    dims = normalize_dims(dim, x._data.ndim)
    return Tensor._wrap(np.asarray(np.count_nonzero(x._data, axis=dims), dtype=np.int64))


def _moments(fname, x, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # std_mean(x, True): torch's (input, unbiased) overload
        dim, unbiased = None, dim
    x = _tensor(fname, x)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{fname} only support floating point and complex dtypes")
    spread = (std if fname == "std_mean" else var)(x, dim, unbiased, keepdim, correction=correction)
    node = "StdMeanBackward0" if fname == "std_mean" else "VarMeanBackward0"
    return named(spread, node), named(mean(x, dim, keepdim), node)


def _no_out(fname, out):
    if out is not None:  # torch's docstring names out=, its argument parser refuses it
        raise TypeError(f"{fname}() received an invalid combination of arguments - got out=, which no "
                        f"overload of {fname} takes")


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(std, mean) over dim, with correction (Bessel's by default) as torch.std."""
    _no_out("std_mean", out)
    return _moments("std_mean", input, dim, unbiased, keepdim, correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    _no_out("var_mean", out)
    return _moments("var_mean", input, dim, unbiased, keepdim, correction)


def _aminmax_type():
    base = namedtuple("aminmax", ["min", "max"])

    def __repr__(self):
        return f"tinygrad_edu.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"
    return type("aminmax", (base,), {"__slots__": (), "__repr__": __repr__})


aminmax_result = _aminmax_type()


def aminmax(input, *, dim=None, keepdim=False):
    x = _tensor("aminmax", input)
    dims = () if dim is None else dim
    return aminmax_result(named(amin(x, dims, keepdim), "AminmaxBackward0"),
                          named(amax(x, dims, keepdim), "AminmaxBackward0"))


# ---- median, nanmedian, mode ------------------------------------------------------------------------
def _lower_middle(rows, ignore_nan):
    """Per row of `rows` (..., n): the index of the lower median (NaN-aware: without ignore_nan a row
    holding NaN gives its first NaN's index; with it, the median of the other elements)."""
    order = np.argsort(rows, axis=-1, kind="stable")  # NaN last
    n = rows.shape[-1]
    nans = np.isnan(rows) if rows.dtype.kind == "f" else np.zeros(rows.shape, bool)
    if ignore_nan:
        k = np.maximum(n - nans.sum(-1) - 1, 0) // 2
    else:
        k = np.full(rows.shape[:-1], (n - 1) // 2)
    idx = np.take_along_axis(order, k[..., None], -1)[..., 0]
    if not ignore_nan:
        idx = np.where(nans.any(-1), np.argmax(nans, -1), idx)
    return idx


def _check_median(fname, x, dim):
    if x._data.dtype == np.bool_:
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if x._data.size == 0 and dim is not None:
        d = _wrap_dim(dim, x._data.ndim)
        if x._data.ndim and x._data.shape[d] == 0:
            raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")


def _median(fname, input, dim, keepdim, ignore_nan, result):
    x = _tensor(fname, input)
    if dim is None and keepdim is not None:  # torch's overloads: (input) or (input, dim, keepdim)
        raise TypeError(f'{fname}() missing 1 required positional arguments: "dim"')
    keepdim = bool(keepdim)
    _check_median(fname, x, dim)
    d = x._data
    if dim is None:
        if d.size == 0:
            return Tensor._wrap(np.asarray(np.nan, dtype=d.dtype))
        flat = d.reshape(-1)
        value = flat[_lower_middle(flat, ignore_nan)]
        return EvenShare.apply(x, value, "NanmedianBackward0" if ignore_nan else "MedianBackward0")
    ax = _wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        return result(named(x.clone(), f"{fname.capitalize()}Backward1"), Tensor._wrap(np.zeros((), np.int64)))
    idx = np.expand_dims(_lower_middle(np.moveaxis(d, ax, -1), ignore_nan), ax)
    return _picked(x, ax, idx, keepdim, f"{fname.capitalize()}Backward1", result)


def _picked(x, ax, idx, keepdim, node, result):
    """(values, indices) read at `idx` (keepdim layout) along `ax`; the gradient goes back to those."""
    values = x.gather(ax, Tensor._wrap(idx))
    if not keepdim:
        values, idx = values.squeeze(ax), np.squeeze(idx, ax)
    return result(named(values, node), Tensor._wrap(idx))


def median(input, dim=None, keepdim=None):
    """The lower of the two middle values (torch's median); a NaN in a slice makes its median NaN."""
    return _median("median", input, dim, keepdim, False, median_result)


def nanmedian(input, dim=None, keepdim=None):
    """median ignoring NaN (NaN only for a slice that holds nothing else)."""
    return _median("nanmedian", input, dim, keepdim, True, nanmedian_result)


def _mode_rows(rows):
    """Per row: (the most frequent value, smallest on ties; the last index where it occurs)."""
    s = np.sort(rows, axis=-1)
    n = s.shape[-1]
    position = np.broadcast_to(np.arange(n), s.shape)
    starts = np.ones(s.shape, bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    best = np.argmax(position - run_start, axis=-1)  # the end of the first longest run: smallest value
    value = np.take_along_axis(s, best[..., None], -1)
    last = n - 1 - np.argmax(np.flip(rows == value, -1), axis=-1)
    return last


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest of equally frequent ones) and the last index
    where it occurs (as torch's CPU mode)."""
    x = _tensor("mode", input)
    d = x._data
    if d.ndim == 0:
        return mode_result(named(x.clone(), "ModeBackward0"), Tensor._wrap(np.zeros((), np.int64)))
    ax = _wrap_dim(dim, d.ndim)
    if d.shape[ax] == 0:
        raise IndexError(f"mode(): Expected reduction dim {ax} to have non-zero size.")
    idx = np.expand_dims(_mode_rows(np.moveaxis(d, ax, -1)), ax)
    return _picked(x, ax, idx, keepdim, "ModeBackward0", mode_result)

