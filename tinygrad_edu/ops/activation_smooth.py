"""The sigmoid family of smooth activations: softplus, silu (x sigmoid(x)) and mish, one Function
each (the rest of the activations, and sigmoid itself: activation.py). Forward on numpy; `backward`
in Tensor operations, with a `backward_arrays` for plain passes; `jvp` is backward's product with
the tangent in place of the gradient (the Jacobians are diagonal).
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .activation import Sigmoid, sigmoid_numpy
from .elementwise import where
from .unary import _op, _type_error


class Softplus(Function):
    """SoftplusBackward0. softplus(x) = log(1 + e^(beta x)) / beta, or x where beta x > threshold
    (numerical stability); d/dx = sigmoid(beta x), or 1 above the threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x._data * beta if beta != 1 else x._data
        linear = bx > threshold
        out = np.logaddexp(0, bx).astype(x._data.dtype, copy=False)  # log(1 + e^bx) without overflow
        if beta != 1:
            out /= beta
        out = np.where(linear, x._data, out)
        ctx.linear, ctx.beta = linear, beta
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = Sigmoid.apply(x * ctx.beta if ctx.beta != 1 else x)
        if ctx.linear.any():
            slope = where(Tensor._wrap(ctx.linear), 1.0, slope)
        return grad * slope, None, None

    @staticmethod
    def jvp(ctx, tx, *_):
        """d softplus(x) = sigmoid(beta x) dx (dx above the threshold)."""
        return Softplus.backward(ctx, tx)[0]

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        slope = sigmoid_numpy(x * ctx.beta if ctx.beta != 1 else x)
        if ctx.linear.any():
            slope = np.where(ctx.linear, 1.0, slope)
        return grad * slope, None, None


class Silu(Function):
    """SiluBackward0. silu(x) = x s, s = sigmoid(x); d/dx = s (1 + x (1 - s))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data * sigmoid_numpy(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = Sigmoid.apply(x)
        return grad * (s * (x * (1 - s) + 1))

    @staticmethod
    def jvp(ctx, tx):
        """d silu(x) = s (1 + x (1 - s)) dx."""
        return Silu.backward(ctx, tx)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        s = sigmoid_numpy(x)
        return grad * (s * (x * (1 - s) + 1))


class Mish(Function):
    """MishBackward0. mish(x) = x tanh(softplus(x)); d/dx = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data * np.tanh(np.logaddexp(0, x._data).astype(x._data.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = Softplus.apply(x, 1, 20.0).tanh()
        return grad * (t + x * (1 - t * t) * Sigmoid.apply(x))

    @staticmethod
    def jvp(ctx, tx):
        """d mish(x) = (t + x (1 - t^2) sigmoid(x)) dx."""
        return Mish.backward(ctx, tx)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        t = np.tanh(np.logaddexp(0, x).astype(x.dtype, copy=False))
        return grad * (t + x * (1 - t * t) * sigmoid_numpy(x))


def softplus(x, beta=1.0, threshold=20.0):
    try:
        return Softplus.apply(x, beta, threshold)
    except AttributeError:
        _type_error("softplus", x)


silu, mish = _op("silu", Silu), _op("mish", Mish)
