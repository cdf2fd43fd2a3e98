"""maximum and minimum, element-wise with broadcasting (after torch's type promotion, as in
elementwise.py). The gradient goes to the input that wins; on a tie it is split in half."""
import numpy as np

from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _data, _promote, binary
from .elementwise_checks import check_two_tensors


class Maximum(Function):
    """MaximumBackward0. The gradient goes to the larger input; on ties it is split in half."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return binary(np.maximum, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_arrays  # only a mask is made of them: a constant of the backward graph
        share = Tensor._wrap(_share(x > y, x == y, grad._data.dtype))
        return grad * share, grad * (1 - share)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d max(x, y) = dx where x wins, dy where y wins, their mean on a tie (backward's split)."""
        x, y = ctx.primals
        share = Tensor._wrap(_share(_data(x) > _data(y), _data(x) == _data(y), ctx.result._data.dtype))
        return tangent_sum(None if tx is None else tx * share, None if ty is None else ty * (1 - share))

    @staticmethod
    def backward_arrays(ctx, grad):
        x, y = ctx.saved_arrays
        share = _share(x > y, x == y, grad.dtype)
        return grad * share, grad * (1 - share)


class Minimum(Function):
    """MinimumBackward0. The gradient goes to the smaller input; on ties it is split in half."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return binary(np.minimum, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_arrays
        share = Tensor._wrap(_share(x < y, x == y, grad._data.dtype))
        return grad * share, grad * (1 - share)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d min(x, y) = dx where x is smaller, dy where y is, their mean on a tie."""
        x, y = ctx.primals
        share = Tensor._wrap(_share(_data(x) < _data(y), _data(x) == _data(y), ctx.result._data.dtype))
        return tangent_sum(None if tx is None else tx * share, None if ty is None else ty * (1 - share))

    @staticmethod
    def backward_arrays(ctx, grad):
        x, y = ctx.saved_arrays
        share = _share(x < y, x == y, grad.dtype)
        return grad * share, grad * (1 - share)


def _share(x_wins, tie, dtype):
    """x's share of the gradient: 1 where x wins, 1/2 on a tie, 0 elsewhere."""
    return (x_wins + 0.5 * tie).astype(dtype)


def maximum(input, other):
    check_two_tensors("maximum", input, other)
    input, other = _promote(input, other)
    return Maximum.apply(input, other)


def minimum(input, other):
    check_two_tensors("minimum", input, other)
    input, other = _promote(input, other)
    return Minimum.apply(input, other)
