"""More element-wise maths: logarithms to base 2 and 10, tan, the inverse trigonometric functions,
the hyperbolic functions and their inverses, and atan2 (unary.py has exp, log, sin, cos, tanh ...).

Each backward is the derivative times the incoming gradient, and each `jvp` (forward mode) the
derivative times the input's tangent, written with the ops of this file and unary.py so that they
can be differentiated again. As in torch, integer input is computed in the
default float dtype (torch.asin(torch.tensor([0, 1])) is float32).
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from .elementwise import _check_broadcast, binary, where
from .elementwise_checks import check_two_tensors
from .unary import _op, cast, rsqrt, _float_only

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class Log2(Function):
    """Log2Backward0. d log2(x)/dx = 1 / (x ln 2)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad / (x * _LN2)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Log10(Function):
    """Log10Backward0. d log10(x)/dx = 1 / (x ln 10)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad / (x * _LN10)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Tan(Function):
    """TanBackward0. d tan(x)/dx = 1 + tan(x)^2: from the output."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tan(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (out * out + 1)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Asin(Function):
    """AsinBackward0. d asin(x)/dx = 1 / sqrt(1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(1 - x * x)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad / np.sqrt(1 - x * x)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Acos(Function):
    """AcosBackward0. d acos(x)/dx = -1 / sqrt(1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * rsqrt(1 - x * x)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return -grad / np.sqrt(1 - x * x)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Atan(Function):
    """AtanBackward0. d atan(x)/dx = 1 / (1 + x^2)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad / (x * x + 1)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Sinh(Function):
    """SinhBackward0. d sinh(x)/dx = cosh(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * cosh(x)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * np.cosh(x)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Cosh(Function):
    """CoshBackward0. d cosh(x)/dx = sinh(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * sinh(x)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * np.sinh(x)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Asinh(Function):
    """AsinhBackward0. d asinh(x)/dx = 1 / sqrt(x^2 + 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(x * x + 1)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad / np.sqrt(x * x + 1)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Acosh(Function):
    """AcoshBackward0. d acosh(x)/dx = 1 / sqrt(x^2 - 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * rsqrt(x * x - 1)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad / np.sqrt(x * x - 1)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Atanh(Function):
    """AtanhBackward0. d atanh(x)/dx = 1 / (1 - x^2)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad / (1 - x * x)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Atan2(Function):
    """Atan2Backward0. atan2(y, x), the angle of the point (x, y): d/dy = x / (x^2 + y^2),
    d/dx = -y / (x^2 + y^2); at the origin both are 0 (as in torch), not 0/0. y and x come in their
    own dtypes (forward computes in the promoted one), so that the backward formula runs on them as
    torch's does: with float32 y and float64 x, y^2 is a float32 product in both libraries."""

    @staticmethod
    def forward(ctx, y, x, np_dtype):
        ctx.save_for_backward(y, x)
        a, b = y._data, x._data
        return binary(np.arctan2, a if a.dtype == np_dtype else a.astype(np_dtype),
                      b if b.dtype == np_dtype else b.astype(np_dtype))

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        r2 = x * x + y * y
        r2 = where(r2 == 0, 1.0, r2)  # at the origin x = y = 0, so the numerators give 0
        return grad * x / r2, grad * -y / r2, None

    @staticmethod
    def backward_arrays(ctx, grad):
        y, x = ctx.saved_arrays
        r2 = x * x + y * y
        if y.dtype != x.dtype:  # numpy would widen float32 by a 0-d float64; torch does not
            r2 = r2.astype(grad.dtype, copy=False)
        r2 = np.where(r2 == 0, np.ones((), r2.dtype), r2)
        return (grad * x).astype(grad.dtype, copy=False) / r2, (grad * -y).astype(grad.dtype, copy=False) / r2, None

    @staticmethod
    def jvp(ctx, ty, tx, _):
        """d atan2(y, x) = (x dy - y dx) / (x^2 + y^2). Unlike backward, NaN at the origin (0/0), as
        torch's forward rule. The terms come out in the promoted dtype, as the output (an integer
        operand has no tangent)."""
        y, x = ctx.primals[:2]
        t = tangent_sum(None if ty is None else ty * x, None if tx is None else tx * -y) / (x * x + y * y)
        dtype = ctx.result._data.dtype
        return t if t._data.dtype == dtype else cast(t, dtype)


# ---- public functions ----------------------------------------------------------------------------
log2, log10, tan = _op("log2", Log2, True), _op("log10", Log10, True), _op("tan", Tan, True)
asin, acos, atan = _op("asin", Asin, True), _op("acos", Acos, True), _op("atan", Atan, True)
sinh, cosh = _op("sinh", Sinh, True), _op("cosh", Cosh, True)
asinh, acosh, atanh = _op("asinh", Asinh, True), _op("acosh", Acosh, True), _op("atanh", Atanh, True)


def atan2(input, other):
    """torch.atan2(input, other): the angle of (other, input); two Tensors, broadcast and promoted,
    integers computed in the default float dtype."""
    check_two_tensors("atan2", input, other)
    if input._data.shape != other._data.shape:
        _check_broadcast(input._data.shape, other._data.shape)
    target = _dt.promote_arrays(input._data.dtype, other._data.dtype, input._data.ndim == 0, other._data.ndim == 0)
    if target.kind != "f":
        return Atan2.apply(_float_only(input), _float_only(other), _dt.get_default_dtype().numpy_dtype)
    return Atan2.apply(input, other, target)


# numpy's spellings, which torch also offers
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh

