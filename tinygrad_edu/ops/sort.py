"""Ordering: sort, argsort, topk.

The order is numpy's stable argsort, with torch's rules: NaN counts as the largest value (last when
ascending, first when descending), equal values keep their original order (the same with and
without `stable=True`: torch's CPU sort keeps it too). topk's ties may pick other (equal) elements
than torch, whose partial selection does not promise an order among ties.

Backward of both: the gradient of the k-th output goes back to the position it was read from
(indices are distinct, so this is a scatter into zeros, done by IndexAdd so that it is itself
differentiable).
"""
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .index import Gather, IndexAdd, _open_mesh
from .reduce_checks import not_tensor


def _result_type(name):
    """A (values, indices) named pair printed as torch prints torch.return_types.<name>."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"tinygrad_edu.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


sort_result, topk_result = _result_type("sort"), _result_type("topk")


def stable_order(data, dim, descending):
    """Indices that sort `data` along `dim` (an ndarray of at least 1 dim), ties in original order,
    NaN largest. Descending: the ascending order of the reversed array, reversed (so equal values
    still come in original order, and NaN, last in numpy's ascending order, comes first)."""
    if not descending:
        return np.argsort(data, axis=dim, kind="stable")
    n = data.shape[dim]
    return np.flip(n - 1 - np.argsort(np.flip(data, dim), axis=dim, kind="stable"), dim)


def top_order(data, k, dim, largest):
    """The positions of the k largest (or smallest) along dim, in sorted order. A small k selects with
    argpartition first (linear time; NaN counts as largest there too), then sorts only the k chosen, in
    their original order so that equal values stay in index order."""
    n = data.shape[dim]
    if k == 0 or 4 * k >= n:
        return stable_order(data, dim, largest)[(slice(None),) * dim + (slice(0, k),)]
    part = np.argpartition(data, n - k if largest else k - 1, axis=dim)
    chosen = np.sort(part[(slice(None),) * dim + ((slice(n - k, n) if largest else slice(0, k)),)], axis=dim)
    order = stable_order(np.take_along_axis(data, chosen, dim), dim, largest)
    return np.take_along_axis(chosen, order, dim)


def _scatter_back(grad, ctx):
    """zeros like the input with grad[k] put where output k was read (differentiable)."""
    if ctx.scalar:
        return grad.reshape(())
    return IndexAdd.apply(grad, ctx.shape, _open_mesh(ctx.idx, ctx.dim), False)


def _gather_tangent(dx, ctx):
    """The tangent of the values: dx at the positions the values were read from."""
    if ctx.scalar:
        return dx
    return Gather.apply(dx, ctx.dim, Tensor._wrap(ctx.idx))


def _put_back(grad, ctx):
    """_scatter_back on arrays: the indices are distinct, so a plain put."""
    if ctx.scalar:
        return grad.reshape(())
    out = np.zeros(ctx.shape, dtype=grad.dtype)
    np.put_along_axis(out, ctx.idx, grad, ctx.dim)
    return out


def _select(ctx, x, dim, idx, layout_like):
    """values = x at idx along dim; remembers what backward needs. Returns (values, indices), laid out
    as x when layout_like (sort), else contiguous (topk)."""
    data = x._data
    ctx.scalar, ctx.shape, ctx.dim, ctx.idx = data.ndim == 0, data.shape, dim, idx
    if ctx.scalar:
        return data.copy(), np.zeros((), np.int64)
    values = np.take_along_axis(data, idx, dim)
    if not layout_like:
        return np.ascontiguousarray(values), np.ascontiguousarray(idx.astype(np.int64, copy=False))
    return _like(data, values), _like(data, idx.astype(np.int64, copy=False))


def _like(data, result):
    """result in the memory layout of data (torch's sort keeps a transposed input's strides)."""
    out = np.empty_like(data, dtype=result.dtype, order="K")
    out[...] = result
    return out


class Sort(Function):
    """SortBackward0 (SortBackward1 when called with stable=, torch's second overload). values = x[order], indices = order along dim;
    dx = zeros like x with g_k put at order_k (each input element is read exactly once)."""

    @staticmethod
    def forward(ctx, x, dim, descending, stable):
        if stable is not None:
            ctx.torch_name = "SortBackward1"
        data = x._data
        idx = stable_order(data, dim, descending) if data.ndim else None
        return _select(ctx, x, dim, idx, True)

    @staticmethod
    def backward(ctx, grad, unused):
        return _scatter_back(grad, ctx), None, None, None

    @staticmethod
    def backward_arrays(ctx, grad, unused):
        return _put_back(grad, ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d values = dx read at the same positions (a gather along dim); the indices have none."""
        return _gather_tangent(dx, ctx), None


class Topk(Function):
    """TopkBackward0. The k largest (or smallest) along dim, in sorted order: values = x[order[:k]],
    indices = order[:k]; dx = zeros like x with g_j put at order_j for the k chosen positions."""

    @staticmethod
    def forward(ctx, x, k, dim, largest):
        data = x._data
        idx = None
        if data.ndim:
            idx = top_order(data, k, dim, largest)
        return _select(ctx, x, dim, idx, False)

    @staticmethod
    def backward(ctx, grad, unused):
        return _scatter_back(grad, ctx), None, None, None

    @staticmethod
    def backward_arrays(ctx, grad, unused):
        return _put_back(grad, ctx), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d values = dx read at the same positions (a gather along dim); the indices have none."""
        return _gather_tangent(dx, ctx), None


# ---- public functions ----------------------------------------------------------------------------------
def _check(name, x, dim):
    if not isinstance(x, Tensor):
        raise not_tensor(name, x)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return _wrap_dim(int(dim), x._data.ndim)


def _sort_args(name, args, dim, descending, stable):
    """torch's two overloads of sort and argsort: (input, dim=-1, descending=False) and
    (input, *, stable, dim=-1, descending=False): with stable=, dim and descending are keywords."""
    if len(args) > 2 or (args and stable is not None) or (args and dim is not None) or (
            len(args) == 2 and descending is not None):
        raise TypeError(f"{name}() received an invalid combination of arguments: expected (Tensor input, int dim = "
                        f"-1, bool descending = False) or (Tensor input, *, bool stable, int dim = -1, bool "
                        f"descending = False), got {len(args)} more positional argument(s) and stable={stable!r}")
    given = list(args) + [None] * (2 - len(args))
    dim = given[0] if given[0] is not None else (-1 if dim is None else dim)
    descending = given[1] if given[1] is not None else bool(descending)
    return dim, bool(descending), None if stable is None else bool(stable)


def sort(input, *args, dim=None, descending=None, stable=None):
    """torch.sort(input, dim=-1, descending=False) or sort(input, *, stable, dim=-1, descending=False):
    (values, indices) along dim, ascending unless descending; NaN is largest."""
    dim, descending, stable = _sort_args("sort", args, dim, descending, stable)
    d = _check("sort", input, dim)
    values, indices = Sort.apply(input, d, descending, stable)
    return sort_result(values, indices)


def argsort(input, *args, dim=None, descending=None, stable=None):
    """torch.argsort: the indices sort() returns (int64); the same two forms of arguments."""
    dim, descending, stable = _sort_args("argsort", args, dim, descending, stable)
    d = _check("argsort", input, dim)
    data = input._data
    if data.ndim == 0:
        return Tensor._wrap(np.zeros((), np.int64))
    return Tensor._wrap(_like(data, stable_order(data, d, descending)))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """torch.topk: the k largest (largest=False: smallest) along dim, as (values, indices), in sorted
    order (also when sorted=False, which promises no order)."""
    d = _check("topk", input, dim)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    size = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k={k}, size {size} along dimension {d})")
    values, indices = Topk.apply(input, int(k), d, bool(largest))
    return topk_result(values, indices)
