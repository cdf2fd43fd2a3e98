"""More two-operand element-wise ops: fmod, remainder, hypot, logaddexp(2), xlogy, copysign, fmax,
fmin, heaviside, float_power.

Operands are promoted as torch does (elementwise._operands: Tensors and Python or numpy scalars,
broadcast); a scalar operand gets no gradient. Each backward is written as if the shapes matched;
the engine sums a broadcast gradient back down (autograd/broadcast.py).
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _operands, binary, in_layout_of, pow as _pow
from .unary import cast

_LN2 = math.log(2.0)


def _arrays(x, y):
    return (x._data if isinstance(x, Tensor) else x), (y._data if isinstance(y, Tensor) else y)


class Fmod(Function):
    """FmodBackward0 (scalar divisor) / FmodBackward1. fmod(x, y) = x - trunc(x / y) y, the sign of x;
    d/dx = 1, d/dy = -trunc(x / y) (a constant, computed in forward)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.torch_name = "FmodBackward1" if isinstance(y, Tensor) else "FmodBackward0"
        if not isinstance(y, Tensor):
            ctx.graph_inputs = (0,)  # a number divisor is no graph input
        a, b = _arrays(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[1:2] == (True,):
                ctx.save_for_backward(np.trunc(np.true_divide(a, b)).astype(b.dtype))
            return binary(np.fmod, x, y)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return (grad if needs[0] else None), (-grad * ctx.saved_values[0] if needs[1] else None)


class Remainder(Function):
    """RemainderBackward0 (scalar divisor) / RemainderBackward1. remainder(x, y) = x - floor(x / y) y,
    the sign of y (Python's %); d/dx = 1, d/dy = -floor(x / y)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.torch_name = "RemainderBackward1" if isinstance(y, Tensor) else "RemainderBackward0"
        if not isinstance(y, Tensor):
            ctx.graph_inputs = (0,)
        a, b = _arrays(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.needs_input_grad[1:2] == (True,):
                ctx.save_for_backward(np.floor(np.true_divide(a, b)).astype(b.dtype))
            return binary(np.remainder, x, y)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return (grad if needs[0] else None), (-grad * ctx.saved_values[0] if needs[1] else None)


class NotDifferentiable(Function):
    """torch::autograd::NotImplemented (no ...Backward node: torch records this one for ops it has no
    derivative of, heaviside, floor_divide and remainder(Scalar, Tensor)); backward through it raises,
    naming the op. (These are piecewise constant in their tensor argument wherever continuous.)"""

    @staticmethod
    def forward(ctx, x, y, np_fn, aten_name):
        ctx.torch_name, ctx.aten_name = "torch::autograd::NotImplemented", aten_name
        out = binary(np_fn, x, y)
        return out.astype((x if isinstance(x, Tensor) else y)._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{ctx.aten_name} is not implemented")


class Hypot(Function):
    """HypotBackward0. hypot(x, y) = sqrt(x^2 + y^2); d/dx = x / hypot, d/dy = y / hypot."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        out = binary(np.hypot, x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_values
        needs = ctx.needs_input_grad
        return (grad * x / out if needs[0] else None), (grad * y / out if needs[1] else None)


class Logaddexp(Function):
    """LogaddexpBackward0 / Logaddexp2Backward0. logaddexp(x, y) = log(e^x + e^y);
    d/dx = 1 / (1 + e^(y - x)), d/dy = 1 / (1 + e^(x - y)). Base 2: 2^ in place of e^."""
    graph_inputs = (0, 1)

    @staticmethod
    def forward(ctx, x, y, base2):
        ctx.base2 = base2
        if base2:
            ctx.torch_name = "Logaddexp2Backward0"
        ctx.save_for_backward(x, y)
        with np.errstate(invalid="ignore"):
            return binary(np.logaddexp2 if base2 else np.logaddexp, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        scale = _LN2 if ctx.base2 else 1.0
        needs = ctx.needs_input_grad
        gx = grad / (((y - x) * scale).exp() + 1) if needs[0] else None
        gy = grad / (((x - y) * scale).exp() + 1) if needs[1] else None
        return gx, gy, None


def _xlogy_arrays(a, b):
    """x log(y), 0 where x == 0 unless y is NaN (torch's xlogy)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.multiply(a, np.log(b))
        out = np.where(np.equal(a, 0) & ~np.isnan(b), 0, out)
    return np.asarray(out, dtype=out.dtype)


class Xlogy(Function):
    """XlogyBackward0 (tensors) / XlogyBackward1 (scalar x) / XlogyBackward2 (scalar y).
    xlogy(x, y) = x log y (0 where x == 0); d/dx = xlogy(x != 0, y), d/dy = x / y."""

    @staticmethod
    def forward(ctx, x, y):
        xt, yt = isinstance(x, Tensor), isinstance(y, Tensor)
        ctx.torch_name = "XlogyBackward0" if xt and yt else ("XlogyBackward2" if xt else "XlogyBackward1")
        if not (xt and yt):
            ctx.graph_inputs = (0,) if xt else (1,)
        ctx.save_for_backward(x, y)
        a, b = _arrays(x, y)
        if not xt:  # a number is computed at the tensor's dtype (numpy would widen a float32 tensor)
            a = np.asarray(a, dtype=b.dtype)
        elif not yt:
            b = np.asarray(b, dtype=a.dtype)
        return in_layout_of(a, _xlogy_arrays(a, b))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = gy = None
        if needs[0]:
            nonzero = Tensor._wrap((x._data != 0).astype(x._data.dtype))
            gx = grad * xlogy(nonzero, y)
        if needs[1]:
            gy = grad * x / y
        return gx, gy


class Copysign(Function):
    """CopysignBackward0 (tensor sign) / CopysignBackward1 (scalar sign). |x| with the sign of y;
    d/dx = out / x (+-1; 0 where x == 0), d/dy = 0."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.torch_name = "CopysignBackward0" if isinstance(y, Tensor) else "CopysignBackward1"
        if not isinstance(y, Tensor):
            ctx.graph_inputs = (0,)
        out = binary(np.copysign, x, y)
        if ctx.needs_input_grad[0]:
            d = x._data
            with np.errstate(divide="ignore", invalid="ignore"):
                ctx.save_for_backward(np.where(d == 0, 0, out / np.where(d == 0, 1, d)).astype(out.dtype))
        return out

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return (grad * ctx.saved_values[0] if needs[0] else None), (grad * 0 if needs[1] else None)


class Fmax(Function):
    """FmaxBackward0 / FminBackward0. The larger (smaller) operand, NaN only where both are NaN. The
    gradient goes to x where x >= y (x <= y) or y is NaN, to y elsewhere (ties go to x, as torch)."""
    graph_inputs = (0, 1)
    array_backward = True

    @staticmethod
    def forward(ctx, x, y, largest):
        a, b = x._data, y._data
        ctx.torch_name = "FmaxBackward0" if largest else "FminBackward0"
        if True in ctx.needs_input_grad:
            x_wins = ((a >= b) if largest else (a <= b)) | np.isnan(b)
            ctx.save_for_backward(x_wins.astype(a.dtype), (~x_wins).astype(a.dtype))
        return binary(np.fmax if largest else np.fmin, x, y)

    @staticmethod
    def backward(ctx, grad):
        x_share, y_share = ctx.saved_values
        needs = ctx.needs_input_grad
        return (grad * x_share if needs[0] else None), (grad * y_share if needs[1] else None), None


# ---- public functions ------------------------------------------------------------------------------
def _tensors_only(fname, x, y, second="other"):
    if not isinstance(x, Tensor):
        raise _dt.not_tensor_error(fname, x)
    if not isinstance(y, Tensor):
        raise _dt.not_tensor_error(fname, y, 2, second)
    return _operands(x, y, fname)


def _dtype_of(x, y):
    return (x if isinstance(x, Tensor) else y)._data.dtype


def _not_for(kernel, dtype):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_dt._BY_NUMPY[dtype].scalar_name}'")


def _no_bool(kernel, x, y):
    if _dtype_of(x, y) == np.bool_:
        raise _not_for(kernel, np.dtype(np.bool_))


def _to_float(x, y):
    """Integer or bool operands (after promotion) in the default float dtype, as torch's float ops."""
    if _dtype_of(x, y).kind in "biu":
        f = _dt.get_default_dtype().numpy_dtype
        x = cast(x, f) if isinstance(x, Tensor) else float(x)
        y = cast(y, f) if isinstance(y, Tensor) else float(y)
    return x, y


def _integer_divisor(x, y):
    """torch refuses an integer division by zero (numpy would give 0 with a warning)."""
    if _dtype_of(x, y).kind in "iu" and np.any(np.equal(y._data if isinstance(y, Tensor) else y, 0)):
        raise RuntimeError("ZeroDivisionError")


def fmod(input, other):
    x, y = _operands(input, other, "fmod")
    _no_bool("fmod_cpu", x, y)
    _integer_divisor(x, y)
    if not isinstance(x, Tensor):
        raise _dt.not_tensor_error("fmod", input)
    return Fmod.apply(x, y)


def remainder(input, other):
    x, y = _operands(input, other, "remainder")
    _no_bool("remainder_cpu", x, y)
    _integer_divisor(x, y)
    if not isinstance(x, Tensor):  # remainder(Scalar, Tensor): torch has no derivative for it
        return NotDifferentiable.apply(x, y, np.remainder, "remainder")
    return Remainder.apply(x, y)


def floor_divide(input, other):
    """floor(x / y) (Python's //). torch records it without a derivative (backward raises), unlike
    div(rounding_mode="floor"), whose gradient is 0."""
    x, y = _operands(input, other, "floor_divide")
    _no_bool("div_floor_cpu", x, y)
    _integer_divisor(x, y)
    return NotDifferentiable.apply(x, y, np.floor_divide, "floor_divide")


def true_divide(input, other):
    from .elementwise import div
    return div(input, other)


def hypot(input, other):
    x, y = _tensors_only("hypot", input, other)
    if x._data.dtype.kind != "f":
        raise _not_for("hypot_cpu", x._data.dtype)
    return Hypot.apply(x, y)


def logaddexp(input, other):
    x, y = _tensors_only("logaddexp", input, other)
    if x._data.dtype.kind != "f":
        raise _not_for("logaddexp_cpu", x._data.dtype)
    return Logaddexp.apply(x, y, False)


def logaddexp2(input, other):
    x, y = _tensors_only("logaddexp2", input, other)
    if x._data.dtype.kind != "f":
        raise _not_for("logaddexp2_cpu", x._data.dtype)
    return Logaddexp.apply(x, y, True)


def xlogy(input, other):
    x, y = _operands(input, other, "xlogy")
    return Xlogy.apply(*_to_float(x, y))


def copysign(input, other):
    x, y = _operands(input, other, "copysign")
    if not isinstance(x, Tensor):
        raise _dt.not_tensor_error("copysign", input)
    return Copysign.apply(*_to_float(x, y))


def fmax(input, other):
    return Fmax.apply(*_tensors_only("fmax", input, other), True)


def fmin(input, other):
    return Fmax.apply(*_tensors_only("fmin", input, other), False)


def heaviside(input, values):
    if not isinstance(input, Tensor):
        raise _dt.not_tensor_error("heaviside", input)
    if not isinstance(values, Tensor):
        raise _dt.not_tensor_error("heaviside", values, 2, "values")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    x, y = _operands(input, values, "heaviside")
    return NotDifferentiable.apply(x, y, np.heaviside, "heaviside")


def float_power(input, exponent):
    """x ** y computed in float64 (torch's float_power: both operands cast to double first)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise _dt.not_tensor_error("float_power", exponent, 2, "exponent")
    for v, arg, pos in ((input, "input", 1), (exponent, "exponent", 2)):
        if not isinstance(v, Tensor) and not isinstance(_dt.weak_scalar(v), (bool, int, float)):
            raise TypeError(f"float_power(): argument '{arg}' (position {pos}) must be Tensor or Number, not "
                            f"{_dt.type_name(v)}")
    f64 = np.dtype(np.float64)
    x = cast(input, f64) if isinstance(input, Tensor) else float(_dt.weak_scalar(input))
    y = cast(exponent, f64) if isinstance(exponent, Tensor) else float(_dt.weak_scalar(exponent))
    return _pow(x, y)



def _shift(fname, kernel, np_fn):
    def shift(input, other):
        x, y = _operands(input, other, fname)
        if _dtype_of(x, y).kind not in "iu":
            raise _not_for(kernel, _dtype_of(x, y))
        return Tensor._wrap(np.asarray(binary(np_fn, x, y)))
    shift.__name__ = shift.__qualname__ = fname
    return shift


bitwise_left_shift = _shift("bitwise_left_shift", "lshift_cpu", np.left_shift)
bitwise_right_shift = _shift("bitwise_right_shift", "rshift_cpu", np.right_shift)


def _close_operands(fname, input, other):
    if not isinstance(input, Tensor):
        raise _dt.not_tensor_error(fname, input)
    if not isinstance(other, Tensor):
        raise _dt.not_tensor_error(fname, other, 2, "other")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{input.dtype.scalar_name} did not match {other.dtype.scalar_name}")
    x, y = _operands(input, other, fname)  # torch's broadcast check and message
    return x._data, y._data


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol |other| element-wise (equal infinities are close; NaN only with
    equal_nan). Both tensors of one dtype, as torch requires."""
    a, b = _close_operands("isclose", input, other)
    if a.dtype == np.bool_:
        return Tensor._wrap(np.asarray(a == b))
    return Tensor._wrap(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())
