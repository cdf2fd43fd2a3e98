"""More one-input element-wise ops: expm1, exp2, trunc (fix), frac, logit, erfinv, nan_to_num, sgn,
signbit, positive (clamp_min and clamp_max are in clamp.py). Integer input is computed in the default
float dtype where torch does so (expm1, exp2, logit, erfinv)."""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._erf import erf_numpy
from .elementwise import in_layout_of, pow as _pow, where
from .unary import ZeroGrad, _float_only, _op, _sign, abs

_LN2 = math.log(2.0)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2


class Expm1(Function):
    """Expm1Backward0. d(e^x - 1)/dx = e^x = out + 1."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (out + 1)

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Exp2(Function):
    """Exp2Backward0. d 2^x/dx = 2^x ln 2 = out ln 2."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = np.exp2(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * out * _LN2

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Frac(Function):
    """FracBackward0. frac(x) = x - trunc(x): d/dx = 1 (where it exists)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):  # frac(inf) is NaN, as torch's, without numpy's warning
            return x._data - np.trunc(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Logit(Function):
    """LogitBackward0. logit(x) = log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given;
    d/dx = 1 / (x (1 - x)), 0 where x lies outside [eps, 1 - eps]; without eps NaN outside [0, 1], as torch."""
    graph_inputs = (0,)

    @staticmethod
    def forward(ctx, x, eps):
        ctx.eps = eps
        ctx.save_for_backward(x)
        d = x._data if eps is None else np.clip(x._data, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(d / (1 - d))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g = grad / (x * (1 - x))
        if ctx.eps is None:
            return g.masked_fill(Tensor._wrap((x._data < 0) | (x._data > 1)), float("nan")), None
        outside = Tensor._wrap((x._data < ctx.eps) | (x._data > 1 - ctx.eps))
        return g.masked_fill(outside, 0.0), None

    @staticmethod
    def jvp(ctx, tx, *_):
        """d logit(x) = dx / (x (1 - x)); as torch's forward rule, NaN where x is outside [0, 1] without
        eps, and with eps 0 wherever x is not inside [eps, 1 - eps] (a NaN x included)."""
        x = ctx.primals[0]
        t, d = tx / (x * (1 - x)), x._data
        if ctx.eps is None:
            return where(Tensor._wrap((d < 0) | (d > 1)), float("nan"), t)
        return where(Tensor._wrap((d >= ctx.eps) & (d <= 1 - ctx.eps)), t, 0.0)


def erfinv_numpy(y):
    """The inverse of erf: Giles' single-precision approximation ("Approximating the erfinv function",
    2010), refined by two Newton steps on erf(x) = y in float64 (erf from _erf.py, accurate to ~1e-14),
    and for |y| > 0.995 (where erf is flat and 1 - y carries the information) by two more on
    erfc(|x|) = 1 - |y|. Within ~1 ulp for float32 and ~1e-12 relative for float64.
    erfinv(+-1) = +-inf, NaN outside [-1, 1]."""
    y64 = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = -np.log((1.0 - y64) * (1.0 + y64))
        central, tail = w - 2.5, np.sqrt(w) - 3.0
        p_c = _horner(central, (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                                -0.00125372503, -0.00417768164, 0.246640727, 1.50140941))
        p_t = _horner(tail, (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                             -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))
        x = np.where(w < 5.0, p_c, p_t) * y64
        finite = np.isfinite(x) & (np.abs(y64) <= 0.995)  # the tail is refined on erfc below
        for _ in range(2):
            step = (erf_numpy(np.where(finite, x, 0.0)) - y64) / (np.exp(-x * x) / _SQRT_PI_OVER_2)
            x = np.where(finite & np.isfinite(step), x - step, x)
        x = _refine_tail(x, y64)
        x = np.where(np.abs(y64) == 1, np.copysign(np.inf, y64), x)
        x = np.where(np.abs(y64) > 1, np.nan, x)
    return x.astype(np.asarray(y).dtype)


def _refine_tail(x, y):
    """Newton on log erfc(|x|) = log(1 - |y|) where |y| > 0.995 (1 - |y| is exact there, by Sterbenz;
    in logs the equation is nearly linear, so a few steps converge from the rough start)."""
    tail = (np.abs(y) > 0.995) & (np.abs(y) < 1) & np.isfinite(x)
    if not tail.any():
        return x
    a, log_c = np.abs(x[tail]), np.log1p(-np.abs(y[tail]))
    for _ in range(5):
        t = _erfc_denominator(a)
        # log erfc(a) = -a^2 - log(sqrt(pi) t), and its derivative is -2 t
        a = a + (-a * a - np.log(2 * _SQRT_PI_OVER_2 * t) - log_c) / (2 * t)
    x = x.copy()
    x[tail] = np.copysign(a, y[tail])
    return x


def _erfc_denominator(x):
    """t with erfc(x) = exp(-x^2) / (sqrt(pi) t), for x >= ~2: the continued fraction x + (1/2)/(x +
    1/(x + (3/2)/(x + ...))), 60 terms evaluated from the tail (~4e-15 relative)."""
    t = x.copy()
    for n in range(60, 0, -1):
        t = x + (n / 2) / t
    return t


def _horner(w, coefficients):
    p = np.full_like(w, coefficients[0])
    for c in coefficients[1:]:
        p = c + p * w
    return p


class Erfinv(Function):
    """ErfinvBackward0. d erfinv(y)/dy = sqrt(pi) / 2 exp(erfinv(y)^2)."""

    @staticmethod
    def forward(ctx, x):
        out = in_layout_of(x._data, erfinv_numpy(x._data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out).exp() * _SQRT_PI_OVER_2

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Reciprocal(Function):
    """ReciprocalBackward0. d(1/x)/dx = -1/x^2 = -out^2."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore"):
            out = np.reciprocal(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return -grad * out * out

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class NanToNum(Function):
    """NanToNumBackward0. NaN, +inf, -inf replaced by numbers; d/dx = 1 where x is finite, else 0."""
    graph_inputs = (0,)
    array_backward = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        d = x._data
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(np.isfinite(d).astype(d.dtype))
        if d.dtype.kind != "f":
            return d.copy()
        return np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (finite,) = ctx.saved_values
        return grad * finite, None, None, None

    @staticmethod
    def jvp(ctx, tx, *_):
        """d nan_to_num(x) = dx where x is finite, else 0 (times the mask, as torch: a NaN tangent stays NaN)."""
        x = ctx.primals[0]
        return tx * Tensor._wrap(np.isfinite(x._data).astype(x._data.dtype))


# ---- public functions ------------------------------------------------------------------------------
expm1, exp2 = _op("expm1", Expm1, True), _op("exp2", Exp2, True)


def _tensor(fname, x):
    if not isinstance(x, Tensor):
        raise _dt.not_tensor_error(fname, x)
    return x


def _not_for(kernel, x):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{x.dtype.scalar_name}'")


def trunc(input):
    x = _tensor("trunc", input)
    if x._data.dtype == np.bool_:
        raise _not_for("trunc_vml_cpu", x)
    return ZeroGrad.apply(x, np.trunc, None, "TruncBackward0")


fix = trunc


def frac(input):
    x = _tensor("frac", input)
    if x._data.dtype.kind != "f":
        raise _not_for("frac_cpu", x)
    return Frac.apply(x)


def absolute(input):
    x = _tensor("absolute", input)
    if x._data.dtype == np.bool_:
        raise _not_for("abs_cpu", x)
    return abs(x)


def signbit(input):
    return Tensor._wrap(np.asarray(np.signbit(_tensor("signbit", input)._data)))


def sgn(input):
    """For real tensors torch's sgn is sign (complex numbers, which would differ, do not exist here)."""
    return ZeroGrad.apply(_tensor("sgn", input), _sign, None, "SgnBackward0")


def positive(input):
    x = _tensor("positive", input)
    if x._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


def logit(input, eps=None):
    x = _tensor("logit", input)
    if eps is not None:
        eps = float(_dt.weak_scalar(eps))
    return Logit.apply(_float_only(x), eps)


def erfinv(input):
    return Erfinv.apply(_float_only(_tensor("erfinv", input)))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (by default the dtype's largest and smallest finite)."""
    x = _tensor("nan_to_num", input)
    return NanToNum.apply(x, float(nan), posinf, neginf)


def square(input):
    """x ** 2 (PowBackward0, as torch; integers and bools give int64 as pow does)."""
    return _pow(_tensor("square", input), 2)


def reciprocal(input):
    """1 / x, in the default float dtype for integer input."""
    return Reciprocal.apply(_float_only(_tensor("reciprocal", input)))
