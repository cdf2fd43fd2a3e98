"""Finding values and positions: unique (with inverse indices and counts, over elements or over slices
along a dim), nonzero and argwhere.

None of them has a gradient in torch: unique of a tensor that requires grad gives a result that
requires grad, whose backward raises NotImplementedError (torch's Unique2Backward0 and
UniqueDimBackward0 do); the index results are int64 and outside the graph.
"""
import numpy as np

from ..autograd.forward_ad import tangent_of
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim

_wrap = Tensor._wrap


class Unique2(Function):
    """Unique2Backward0 (UniqueDimBackward0 with dim=): not differentiable, as in torch."""

    @staticmethod
    def forward(ctx, x, values, kernel):
        ctx.kernel = kernel
        if kernel == "unique_dim":
            ctx.torch_name = "UniqueDimBackward0"
        return values

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(f"the derivative for '{ctx.kernel}' is not implemented.")

    @staticmethod
    def jvp(ctx, *_):
        """No derivative: the number of values changes where two elements meet (torch has no rule)."""
        raise NotImplementedError(f"Trying to use forward AD with {ctx.kernel} that does not support it because it "
                                  "has not been implemented yet.")


def _check(fname, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _unique_flat(a):
    """Sorted unique values, the inverse (a's shape) and the counts; NaNs stay apart, as in torch."""
    values, inverse, counts = np.unique(a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
    return values, inverse.reshape(a.shape), counts


def _unique_dim(a, dim):
    """Unique slices along dim, sorted lexicographically (torch's order, and numpy's)."""
    n = a.ndim
    if a.size == 0 and any(s == 0 for i, s in enumerate(a.shape) if i != dim):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    if a.shape[dim] == 0:
        empty = np.zeros(0, np.int64)
        return a.copy(), empty, empty
    moved = np.moveaxis(a, dim, 0).reshape(a.shape[dim], -1)
    rows, inverse, counts = np.unique(moved, axis=0, return_inverse=True, return_counts=True)
    rest = tuple(s for i, s in enumerate(a.shape) if i != dim)
    values = np.moveaxis(rows.reshape((rows.shape[0],) + rest), 0, dim) if n > 1 else rows.reshape(-1)
    return np.ascontiguousarray(values), inverse.reshape(-1), counts


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """torch.unique. The values come out sorted whether or not sorted=True (as torch's CPU kernel
    gives them); inverse[i] is where input's element (or slice) i went, counts how often each came."""
    _check("_unique2" if dim is None else "unique_dim", input)
    a = input._data
    if dim is None:
        values, inverse, counts = _unique_flat(a)
        kernel = "_unique2"
    else:
        if a.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        values, inverse, counts = _unique_dim(a, _wrap_dim(dim, a.ndim))
        kernel = "unique_dim"
    tracked = input._requires_grad or tangent_of(input) is not None  # (forward AD: Unique2.jvp refuses)
    out = Unique2.apply(input, values, kernel) if tracked else _wrap(values)
    extra = []
    if return_inverse:
        extra.append(_wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        extra.append(_wrap(counts.astype(np.int64, copy=False)))
    return (out, *extra) if extra else out


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim
    (as_tuple=True; a 0-d input counts as 1-D there, as in torch)."""
    _check("nonzero", input)
    a = input._data
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(a.reshape(-1) if a.ndim == 0 else a))
    return _wrap(np.argwhere(a).astype(np.int64, copy=False))


def argwhere(input):
    """torch.argwhere: nonzero(input) as an (n, ndim) tensor."""
    _check("argwhere", input)
    return _wrap(np.argwhere(input._data).astype(np.int64, copy=False))
