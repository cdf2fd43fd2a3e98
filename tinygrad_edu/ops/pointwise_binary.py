"""More two-operand element-wise ops: fmod, remainder, copysign, fmax, fmin, heaviside, float_power
(the smooth ones, hypot, logaddexp(2) and xlogy: pointwise_smooth.py).

Operands are promoted as torch does (elementwise._operands: Tensors and Python or numpy scalars,
broadcast); a scalar operand gets no gradient. Each backward is written as if the shapes matched;
the engine sums a broadcast gradient back down (autograd/broadcast.py).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _operands, binary, pow as _pow, where
from .unary import cast


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

    @staticmethod
    def jvp(ctx, tx, ty):
        """d fmod(x, y) = dx - trunc(x / y) dy (the quotient is piecewise constant)."""
        return tangent_sum(tx, None if ty is None else -ty * _quotient(ctx.primals, np.trunc))


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

    @staticmethod
    def jvp(ctx, tx, ty):
        """d remainder(x, y) = dx - floor(x / y) dy."""
        return tangent_sum(tx, None if ty is None else -ty * _quotient(ctx.primals, np.floor))


def _quotient(primals, rounding):
    """trunc or floor of x / y, a constant (for the divisor's derivative)."""
    a, b = _arrays(*primals)
    with np.errstate(divide="ignore", invalid="ignore"):
        return Tensor._wrap(np.asarray(rounding(np.true_divide(a, b))).astype(b.dtype))


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

    @staticmethod
    def jvp(ctx, *tangents):
        """None: torch has no forward-mode rule for these either, and raises its NotImplementedError."""
        raise NotImplementedError(f"Trying to use forward AD with aten::{ctx.aten_name} that does not support it.")


def _copied_sign(d, out):
    """out / x: +-1, 0 where x == 0 (copysign's derivative in x, a constant)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d == 0, 0, out / np.where(d == 0, 1, d)).astype(out.dtype)


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
            ctx.save_for_backward(_copied_sign(x._data, out))
        return out

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return (grad * ctx.saved_values[0] if needs[0] else None), (grad * 0 if needs[1] else None)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d copysign(x, y) = (out / x) dx (+-1, 0 where x == 0); y's sign is piecewise constant."""
        return tx * Tensor._wrap(_copied_sign(ctx.primals[0]._data, ctx.result._data))


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

    @staticmethod
    def jvp(ctx, tx, ty, _):
        """d fmax(x, y) = dx where x > y or y is NaN, else dy (fmin: x <= y). Ties as torch's forward
        mode, which gives fmax's to y (its backward gives them to x)."""
        a, b = ctx.primals[0]._data, ctx.primals[1]._data
        x_wins = ((a > b) if ctx.primals[2] else (a <= b)) | np.isnan(b)
        return where(Tensor._wrap(x_wins), tx, ty)


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
