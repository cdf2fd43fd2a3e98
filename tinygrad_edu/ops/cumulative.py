"""Cumulative product (cumsum, the cumulative sum, is in reduce.py)."""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .reduce_checks import not_tensor


class Cumprod(Function):
    """CumprodBackward0. y_i = prod_{k<=i} x_k along dim;
    dx_j = sum_{i>=j} g_i * prod_{k<=i, k!=j} x_k.
    Where no x is 0 that is sum_{i>=j} g_i y_i / x_j (a reversed cumulative sum of g*y, divided by x);
    with zeros it is multiplied out without dividing (see _grad_with_zeros)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = np.ascontiguousarray(np.cumprod(x._data, axis=dim)) if x._data.ndim else x._data.copy()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if x._data.ndim == 0:
            return grad, None
        d = ctx.dim
        if np.all(x._data != 0):
            return (grad * y).flip(d).cumsum(d).flip(d) / x, None
        return _grad_with_zeros(x, grad, d), None


def _grad_with_zeros(x, grad, d):
    """sum_{i>=j} g_i prod_{k<=i, k!=j} x_k for every j, in Tensor ops (so double backward works).

    A new axis j copies x n times; copy j has its own element j replaced by 1 and is cumulatively
    multiplied along i, which gives prod_{k<=i, k!=j} x_k at [j, i] for i >= j. The pairs i < j are
    masked out, g_i multiplies, the i axis is summed. Costs n times the memory of x; only used with
    zeros in x."""
    shape, n = x._data.shape, x._data.shape[d]
    after = (1,) * (len(shape) - d - 1)
    copies = x.unsqueeze(d).expand(shape[:d] + (n,) + shape[d:])  # copies[.., j, i, ..] = x[.., i, ..]
    diagonal = np.eye(n, dtype=bool).reshape((1,) * d + (n, n) + after)
    prods = Cumprod.apply(copies.masked_fill(Tensor._wrap(diagonal), 1.0), d + 1)
    later = np.triu(np.ones((n, n), dtype=x._data.dtype)).reshape((1,) * d + (n, n) + after)  # i >= j
    return (prods * Tensor._wrap(later) * grad.unsqueeze(d)).sum(d + 1)


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """torch.cumprod: y_i = x_0 * x_1 * ... * x_i along dim (integers and bools as int64)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("cumprod() got an unexpected keyword argument 'axis'")
        dim = axis
    if dim is None:
        raise TypeError("cumprod() missing 1 required positional argument: 'dim'")
    if not isinstance(input, Tensor):
        raise not_tensor("cumprod", input)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"cumprod(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    d = _wrap_dim(int(dim), input._data.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "bui" and input._data.dtype != np.int64:
        input = input.to(np.int64)
    return Cumprod.apply(input, d)
