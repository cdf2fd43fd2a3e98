"""Padding (torch.nn.functional.pad's maths; nn/functional.py holds its signature and checks).

constant: one Function. For a dim of size n padded by (before, after) with value v,

    y = [v] * before ++ x ++ [v] * after        (a negative amount crops that many instead)

and the gradient is the inverse: crop what was padded and zero-pad what was cropped, i.e. the same
op on g with the amounts negated.

reflect, replicate, circular: each padded dim is a gather along it, y[j] = x[src(j)] with
src(j) = clip(j, 0, n-1) (replicate), j mod n (circular), or j mirrored about the edge elements
(reflect). index_select's backward adds up the gradient of the elements read more than once.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .index import index_select


def constant_pad(array, pairs, value):
    """`array` with pairs[d] = (before, after) elements of `value` added to dim d (negative: cropped)."""
    shape = tuple(n + b + a for n, (b, a) in zip(array.shape, pairs))
    if min(shape, default=1) < 0:
        raise RuntimeError(f"The input size {array.shape}, plus negative padding {pairs} resulted in a negative "
                           f"output size, which is invalid.")
    out = np.full(shape, value, dtype=array.dtype)
    src = tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(array.shape, pairs))
    dst = tuple(slice(max(b, 0), m - max(a, 0)) for m, (b, a) in zip(shape, pairs))
    out[dst] = array[src]
    return out


class ConstantPadNd(Function):
    """ConstantPadNdBackward0. y = x padded with a constant per dim (negative amounts crop);
    dx = g with every (before, after) negated: the padding cropped off, the cropping zero-padded back."""

    @staticmethod
    def forward(ctx, x, pairs, value):
        ctx.inverse = tuple((-b, -a) for b, a in pairs)
        return constant_pad(x._data, pairs, value)

    @staticmethod
    def backward(ctx, g):
        return ConstantPadNd.apply(g, ctx.inverse, 0), None, None

    @staticmethod
    def backward_arrays(ctx, g):
        return constant_pad(g, ctx.inverse, 0), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d pad(x, value) = pad(dx, 0): the constant has no tangent."""
        return ConstantPadNd.apply(dx, ctx.primals[1], 0)


def source_positions(n, before, after, mode):
    """For one dim of size n padded by (before, after): which input index each output index reads."""
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return j % n
    period = 2 * (n - 1)  # reflect about the edge elements (edges not repeated)
    j = np.abs(j) % period if period else np.zeros_like(j)
    return np.where(j >= n, period - j, j)


def gather_pad(x, dim_amounts, mode):
    """x padded along each (dim, (before, after)) of dim_amounts by `mode`: one gather per dim."""
    out = x
    for dim, (before, after) in dim_amounts:
        positions = source_positions(x._data.shape[dim], before, after, mode)
        out = index_select(out, dim, Tensor._wrap(positions))
    return out
