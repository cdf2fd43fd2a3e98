"""Unary element-wise ops. Each backward is the derivative times the incoming gradient.

Ops whose derivative is easiest in terms of their output (exp, sqrt, tanh, sigmoid) save the
output; the engine stores it without a reference cycle (see Function.save_for_backward).
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ..autograd.broadcast import as_array


def _constant(grad, values):
    """A derivative computed in numpy (piecewise-linear ops: 0/1 masks, slopes), in the gradient's
    dtype and kind: an ndarray in a plain pass, a constant Tensor when the pass is recorded."""
    if isinstance(grad, np.ndarray):
        return values.astype(grad.dtype, copy=False)
    return Tensor._wrap(values.astype(grad._data.dtype, copy=False))


class Neg(Function):
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return np.negative(x._data)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Abs(Function):
    """d|x|/dx = sign(x) (0 at 0)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        if ctx.needs_input_grad[0]:  # sign(x) is the derivative: saved as a constant array
            ctx.save_for_backward(np.sign(x._data))
        return np.abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_values
        return grad * sign


class Exp(Function):
    """d e^x/dx = e^x: the output itself."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * out


class Log(Function):
    """d ln x/dx = 1/x."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad / x


class Log1p(Function):
    """d ln(1+x)/dx = 1/(1+x)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad / (x + 1)


class Sqrt(Function):
    """d sqrt(x)/dx = 1 / (2 sqrt(x))."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad / (out * 2)


class Rsqrt(Function):
    """d x^(-1/2)/dx = -1/2 x^(-3/2) = -out^3 / 2."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = 1 / np.sqrt(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (out * out * out) * -0.5


class Sin(Function):
    """d sin(x)/dx = cos(x)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad * (np.cos(x) if isinstance(x, np.ndarray) else x.cos())


class Cos(Function):
    """d cos(x)/dx = -sin(x)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad * -(np.sin(x) if isinstance(x, np.ndarray) else x.sin())


class Tanh(Function):
    """d tanh(x)/dx = 1 - tanh(x)^2."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (1 - out * out)


class Sigmoid(Function):
    """s(x) = 1/(1+e^-x), computed as (1 + tanh(x/2))/2 which never overflows; ds/dx = s (1 - s)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x._data * 0.5)
        out += 1
        out *= 0.5
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (out * (1 - out))


class Relu(Function):
    """relu(x) = max(x, 0); derivative 1 where x > 0, else 0."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x._data, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (out > 0)


class LeakyRelu(Function):
    """x where x > 0, slope * x elsewhere; derivative 1 or slope."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        return np.where(x._data > 0, x._data, x._data * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad * _constant(grad, np.where(as_array(x) > 0, 1, ctx.slope)), None


class Clamp(Function):
    """Gradient passes where min <= x <= max (bounds included, as torch), else 0."""
    array_backward = True
    torch_name = "ClampBackward1"  # clamp(Tensor, Scalar, Scalar); with tensor bounds ClampBackward0

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        if isinstance(lo, Tensor) or isinstance(hi, Tensor):
            ctx.torch_name = "ClampBackward0"
        out = x._data
        if lo is not None:
            out = np.maximum(out, lo._data if isinstance(lo, Tensor) else lo)
        if hi is not None:
            out = np.minimum(out, hi._data if isinstance(hi, Tensor) else hi)
        return out if out is not x._data else out.copy()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        x, (lo, hi) = as_array(x), ctx.bounds
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep &= x >= (lo._data if isinstance(lo, Tensor) else lo)
        if hi is not None:
            keep &= x <= (hi._data if isinstance(hi, Tensor) else hi)
        return grad * _constant(grad, keep), None, None


class ZeroGrad(Function):
    """Piecewise-constant functions (sign, floor, ceil, round): zero gradient everywhere."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, np_fn):
        ctx.torch_name = np_fn.__name__.capitalize() + "Backward0"  # SignBackward0, FloorBackward0, ...
        return np_fn(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""
    torch_name = "ToCopyBackward0"
    array_backward = True

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.in_dtype = x._data.dtype
        return x._data.astype(np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return (grad.astype(ctx.in_dtype) if isinstance(grad, np.ndarray) else grad.to(ctx.in_dtype)), None


class Clone(Function):
    """A copy with its own memory; the gradient passes through unchanged."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return x._data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


# ---- public functions ----------------------------------------------------------------------------
def _float_only(x):
    if x._data.dtype.kind != "f":  # torch computes these in the default float dtype for integer input
        from .. import dtypes
        return x.to(dtypes.get_default_dtype().numpy_dtype)
    return x


def neg(x):
    if x._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


def abs(x):
    return Abs.apply(x)


def exp(x):
    return Exp.apply(_float_only(x))


def log(x):
    return Log.apply(_float_only(x))


def log1p(x):
    return Log1p.apply(_float_only(x))


def sqrt(x):
    return Sqrt.apply(_float_only(x))


def rsqrt(x):
    return Rsqrt.apply(_float_only(x))


def sin(x):
    return Sin.apply(_float_only(x))


def cos(x):
    return Cos.apply(_float_only(x))


def tanh(x):
    return Tanh.apply(_float_only(x))


def sigmoid(x):
    return Sigmoid.apply(_float_only(x))


def relu(x):
    return Relu.apply(x)


def leaky_relu(x, negative_slope=0.01):
    return LeakyRelu.apply(x, negative_slope)


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if x._data.dtype.kind != "f" and any(isinstance(b, float) or (isinstance(b, Tensor) and b._data.dtype.kind == "f")
                                        for b in (min, max)):
        x = _float_only(x)  # an integer tensor clamped to float bounds is promoted, as in torch
    return Clamp.apply(x, min, max)


clip = clamp


def sign(x):
    return ZeroGrad.apply(x, np.sign)


def floor(x):
    return ZeroGrad.apply(x, np.floor)


def ceil(x):
    return ZeroGrad.apply(x, np.ceil)


def round(x):
    return ZeroGrad.apply(x, np.round)


def cast(x, np_dtype):
    if x._data.dtype == np_dtype:
        return x
    return Cast.apply(x, np_dtype)


def clone(x, memory_format=None):
    return Clone.apply(x)


def isnan(x):
    return Tensor._wrap(np.isnan(x._data))


def isinf(x):
    return Tensor._wrap(np.isinf(x._data))


def isfinite(x):
    return Tensor._wrap(np.isfinite(x._data))
