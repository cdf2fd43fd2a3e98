"""Unary element-wise ops (the activations relu, sigmoid, gelu, ... are in activation.py). Each
backward is the derivative times the incoming gradient.

Ops whose derivative is easiest in terms of their output (exp, sqrt, tanh) save the output; the
engine stores it without a reference cycle (autograd/function.py, SavedTensor). Piecewise ops
(abs, clamp) save their derivative itself, a constant array computed in forward.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor


class Neg(Function):
    """NegBackward0. d(-x)/dx = -1."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return np.negative(x._data)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Abs(Function):
    """AbsBackward0. d|x|/dx = sign(x) (0 at 0)."""
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
    """ExpBackward0. d e^x/dx = e^x: the output itself."""
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
    """LogBackward0. d ln x/dx = 1/x."""
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
    """Log1pBackward0. d ln(1+x)/dx = 1/(1+x)."""
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
    """SqrtBackward0. d sqrt(x)/dx = 1 / (2 sqrt(x))."""
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
    """RsqrtBackward0. d x^(-1/2)/dx = -1/2 x^(-3/2) = -out^3 / 2."""
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
    """SinBackward0. d sin(x)/dx = cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * np.cos(x)


class Cos(Function):
    """CosBackward0. d cos(x)/dx = -sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -x.sin()

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * -np.sin(x)


class Tanh(Function):
    """TanhBackward0. d tanh(x)/dx = 1 - tanh(x)^2."""
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


class Clamp(Function):
    """ClampBackward1 (ClampBackward0 with tensor bounds). d clamp(x)/dx = 1 where min <= x <= max
    (bounds included, as torch), else 0: a constant mask, computed in forward."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        if isinstance(lo, Tensor) or isinstance(hi, Tensor):
            ctx.torch_name = "ClampBackward0"
        d = x._data
        lo = lo._data if isinstance(lo, Tensor) else lo
        hi = hi._data if isinstance(hi, Tensor) else hi
        if any(ctx.needs_input_grad):  # a node is recorded (tensor bounds may be what requires grad)
            inside = np.ones(d.shape, dtype=bool)
            if lo is not None:
                inside &= d >= lo
            if hi is not None:
                inside &= d <= hi
            ctx.save_for_backward(inside)
        out = d if lo is None else np.maximum(d, lo)
        out = out if hi is None else np.minimum(out, hi)
        return out if out is not d else out.copy()

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_values
        return grad * inside, None, None


class ZeroGrad(Function):
    """SignBackward0, FloorBackward0, CeilBackward0, RoundBackward0. Piecewise-constant functions:
    the derivative is 0 everywhere (where it exists)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, np_fn):
        ctx.torch_name = np_fn.__name__.capitalize() + "Backward0"  # SignBackward0, FloorBackward0, ...
        return np_fn(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class Cast(Function):
    """ToCopyBackward0. A change of dtype is the identity on values: d/dx = 1. The gradient passes
    through, and the engine casts it back to the input's dtype, as it does for every edge
    (autograd/engine.py, _fit)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, np_dtype):
        return x._data.astype(np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Clone(Function):
    """CloneBackward0. A copy with its own memory: d/dx = 1, the gradient passes through unchanged."""
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
