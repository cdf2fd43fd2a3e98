"""Unary element-wise ops (the activations relu, sigmoid, gelu, ... are in activation.py). Each
backward is the derivative times the incoming gradient.

Ops whose derivative is easiest in terms of their output (exp, sqrt, tanh) save the output; the
engine stores it without a reference cycle (autograd/function.py, saved tensors). Piecewise ops
(abs, clamp) save their derivative itself, a constant array computed in forward.
"""
import numpy as np

from .. import dtypes as _dt
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
    (bounds included, as torch), else 0. Tensor bounds: d/dmin = 1 where x < min (and min < max),
    d/dmax = 1 where x > max or max < min (clamp is then max everywhere). Constant masks, from forward."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        d = x._data
        lo = lo._data if isinstance(lo, Tensor) else lo
        hi = hi._data if isinstance(hi, Tensor) else hi
        needs = ctx.needs_input_grad
        if True in needs:  # a node is recorded (tensor bounds may be what requires grad)
            ctx.save_for_backward(*_clamp_masks(d, lo, hi, needs))
        if isinstance(lo, np.ndarray) or isinstance(hi, np.ndarray):
            ctx.torch_name = "ClampBackward0"
        out = d if lo is None else np.maximum(d, lo)
        out = out if hi is None else np.minimum(out, hi)
        return out if out is not d else out.copy()

    @staticmethod
    def backward(ctx, grad):
        inside, below, above = ctx.saved_values
        return grad * inside, (None if below is None else grad * below), (None if above is None else grad * above)


def _clamp_masks(d, lo, hi, needs):
    """Where the gradient goes: to x inside the bounds, to a tensor bound where it is the one active."""
    inside = np.ones(d.shape, dtype=bool)
    if lo is not None:
        inside = inside & (d >= lo)
    if hi is not None:
        inside = inside & (d <= hi)
    below = above = None
    if needs[1]:
        below = (d < lo) if hi is None else (d < lo) & (lo < hi)
    if needs[2]:
        above = (d > hi) if lo is None else (d > hi) | (hi < lo)
    return inside, below, above


class ZeroGrad(Function):
    """SignBackward0, FloorBackward0, CeilBackward0, RoundBackward0; DivBackward2 (div with a
    rounding_mode, np_fn(x, other)). Piecewise-constant functions: the derivative is 0 everywhere
    (where it exists), for `other` too."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, np_fn, other=None, name=None):
        ctx.torch_name = name or np_fn.__name__.capitalize() + "Backward0"  # SignBackward0, FloorBackward0, ...
        if other is None:
            return np_fn(x._data)
        return np.asarray(np_fn(x._data, other._data if isinstance(other, Tensor) else other))

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return grad * 0, None, (grad * 0 if needs[2:3] == (True,) else None), None


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
# Each calls its Function straight away; a non-Tensor input surfaces as an AttributeError (no `_data`),
# turned into torch's TypeError only then, so the check costs nothing on the common path.
def _float_only(x):
    if x._data.dtype.kind != "f":  # torch computes these in the default float dtype for integer input
        return x.to(_dt.get_default_dtype().numpy_dtype)
    return x


def _type_error(fname, x):
    """Re-raise the AttributeError being handled, unless x is not a Tensor: then torch's TypeError."""
    if not isinstance(x, Tensor):
        raise _dt.not_tensor_error(fname, x) from None
    raise


def _op(fname, cls, float_only=False):
    """The public function of a one-input Function (exp, log, ...): integer input is promoted to
    the default float dtype where torch does so."""
    if float_only:
        def op(input):
            try:
                return cls.apply(input if input._data.dtype.kind == "f" else _float_only(input))
            except AttributeError:
                _type_error(fname, input)
    else:
        def op(input):
            try:
                return cls.apply(input)
            except AttributeError:
                _type_error(fname, input)
    op.__name__ = op.__qualname__ = fname
    return op


def neg(input):
    try:
        if input._data.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return Neg.apply(input)
    except AttributeError:
        _type_error("neg", input)


abs = _op("abs", Abs)
exp, log, log1p = _op("exp", Exp, True), _op("log", Log, True), _op("log1p", Log1p, True)
sqrt, rsqrt = _op("sqrt", Sqrt, True), _op("rsqrt", Rsqrt, True)
sin, cos, tanh = _op("sin", Sin, True), _op("cos", Cos, True), _op("tanh", Tanh, True)


def _bound(b):
    """A clamp bound: None, a Tensor or a real number (numpy scalars as Python numbers: weak)."""
    if b is None or isinstance(b, Tensor):
        return b
    b = _dt.weak_scalar(b)
    if isinstance(b, complex):
        raise RuntimeError("value cannot be converted to type double without overflow")
    if not isinstance(b, (int, float)):
        raise TypeError(f"clamp(): argument 'min' / 'max' must be a Number or Tensor, not {_dt.type_name(b)}")
    return b


def _clamp_dtype(x, lo, hi):
    """torch's result dtype of clamp(x, lo, hi): promotion over the three operands."""
    target, dimmed = x._data.dtype, x._data.ndim > 0
    for b in (lo, hi):
        if isinstance(b, Tensor):
            target = _dt.promote_arrays(target, b._data.dtype, not dimmed, b._data.ndim == 0)
            dimmed = dimmed or b._data.ndim > 0
        elif b is not None:
            target = _dt.promote_with_scalar(target, b)
    return target


def clamp(input, min=None, max=None):
    if not isinstance(input, Tensor):
        raise _dt.not_tensor_error("clamp", input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if (type(min) is not float and type(min) is not int) or (type(max) is not float and type(max) is not int):
        min, max = _bound(min), _bound(max)
    target = _clamp_dtype(input, min, max)
    if target != input._data.dtype:
        input = input.to(target)  # an integer tensor clamped to float bounds is promoted, as in torch
    min, max = (b.to(target) if isinstance(b, Tensor) and b._data.dtype != target else b for b in (min, max))
    return Clamp.apply(input, min, max)


clip = clamp


def _piecewise_constant(np_fn):
    def op(input):
        try:
            return ZeroGrad.apply(input, np_fn, None, None)
        except AttributeError:
            _type_error(np_fn.__name__, input)
    op.__name__ = op.__qualname__ = np_fn.__name__
    return op


sign, floor, ceil, _round_half_even = (_piecewise_constant(f) for f in (np.sign, np.floor, np.ceil, np.round))



def cast(x, np_dtype):
    if x._data.dtype == np_dtype:
        return x
    return Cast.apply(x, np_dtype)


def clone(input, memory_format=None):
    try:
        return Clone.apply(input)
    except AttributeError:
        _type_error("clone", input)


def isnan(input):
    return Tensor._wrap(np.isnan(input._data))


def isinf(input):
    return Tensor._wrap(np.isinf(input._data))


def isfinite(input):
    return Tensor._wrap(np.isfinite(input._data))
