"""Activation functions, one Function each, and erf (which gelu needs); softplus, silu and mish are in
activation_smooth.py.

Forward computes on numpy. `backward` is written in Tensor operations (so create_graph=True gives
derivatives of any order); where its formula needs a function that numpy and Tensors spell
differently (exp, tanh, erf, where), a `backward_arrays` next to it computes the same in numpy for
a plain backward(). Each `jvp` (forward mode) is the derivative times the tangent, in Tensor
operations. Piecewise-linear ops (relu, leaky_relu, hardtanh) need neither: their
derivative is a constant mask or slope, one formula for both.
nn/functional.py calls the public functions at the bottom, with torch's argument checks.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import where
from .unary import _op, _type_error
from ._erf import erf_numpy, normal_cdf_numpy

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _halve_one_plus(t):
    """(1 + t) / 2 in place: the normal CDF from erf, sigmoid from tanh."""
    t += 1
    t *= 0.5
    return t


def sigmoid_numpy(d):
    """1 / (1 + e^-x) as (1 + tanh(x/2)) / 2, which never overflows."""
    return _halve_one_plus(np.tanh(d * 0.5))


# ---- piecewise linear: the derivative is a constant ---------------------------------------------
class Relu(Function):
    """ReluBackward0. relu(x) = max(x, 0); d/dx = 1 where x > 0 (read off the saved output), else 0."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x._data, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return ThresholdBackward.apply(grad, out)

    @staticmethod
    def jvp(ctx, tx):
        """d relu(x) = dx [y > 0]: the same masked product as backward (a differentiable op of dx)."""
        return ThresholdBackward.apply(tx, ctx.result)

    @staticmethod
    def backward_arrays(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad * (out > 0)


class ThresholdBackward(Function):
    """ThresholdBackwardBackward0: relu's gradient g [y > 0] as an op of g and of relu's output y, which
    create_graph=True records. Its derivative is the same mask in g and 0 in y (the mask is piecewise
    constant), but y stays in the graph, as in torch: the gradient of a gradient reaches what y depends
    on, as zeros, instead of finding it unused."""

    @staticmethod
    def forward(ctx, grad, out):
        mask = out._data > 0
        ctx.save_for_backward(mask)
        return grad._data * mask

    @staticmethod
    def backward(ctx, gg):
        (mask,) = ctx.saved_arrays  # a constant
        return gg * mask, np.zeros(mask.shape, gg.dtype)

    @staticmethod
    def jvp(ctx, tgrad, tout):
        """d (g [y > 0]) = dg [y > 0]; the mask is piecewise constant in y, so dy contributes 0."""
        return ThresholdBackward.apply(tgrad, ctx.primals[1])

    backward_arrays = backward


class LeakyRelu(Function):
    """LeakyReluBackward0. leaky_relu(x) = s x with s = 1 where x > 0, else negative_slope; d/dx = s,
    a constant array saved by forward."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        d = x._data
        typ = d.dtype.type if d.dtype.kind == "f" else float  # a float32 slope array for float32 x
        slope = np.where(d > 0, typ(1), typ(negative_slope))
        ctx.save_for_backward(slope)
        return d * slope

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_values
        return grad * slope, None

    @staticmethod
    def jvp(ctx, tx, _):
        """d leaky_relu(x) = s dx, s the constant slope array forward saved."""
        return tx * ctx.saved_tensors[0]


class Hardtanh(Function):
    """HardtanhBackward0. clamp(x, min_val, max_val); d/dx = 1 strictly inside the bounds, else 0
    (unlike clamp, 0 *at* the bounds too, as torch): a constant mask saved by forward."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        d = x._data
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward((d > min_val) & (d < max_val))
        return np.clip(d, min_val, max_val)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_values
        return grad * inside, None, None

    @staticmethod
    def jvp(ctx, tx, *_):
        """d hardtanh(x) = dx where min_val < x < max_val, else 0 (the mask from the primal: forward
        saves it only when a gradient is wanted)."""
        x, lo, hi = ctx.primals
        return tx * Tensor._wrap(((x._data > lo) & (x._data < hi)).astype(tx._data.dtype))


# ---- smooth activations ----------------------------------------------------------------------------
class Sigmoid(Function):
    """SigmoidBackward0. s(x) = 1/(1+e^-x); ds/dx = s (1 - s), from the saved output."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        out = sigmoid_numpy(x._data)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_values
        return grad * (out * (1 - out))

    @staticmethod
    def jvp(ctx, tx):
        """d s(x) = s (1 - s) dx, s the output."""
        out = ctx.result
        return tx * (out * (1 - out))


class Erf(Function):
    """ErfBackward0. d erf(x)/dx = 2/sqrt(pi) exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_numpy(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x * -1.0).exp() * _TWO_OVER_SQRT_PI

    @staticmethod
    def jvp(ctx, tx):
        """d erf(x) = 2/sqrt(pi) exp(-x^2) dx."""
        x = ctx.primals[0]
        return tx * (x * x * -1.0).exp() * _TWO_OVER_SQRT_PI

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * np.exp(x * x * -1.0) * _TWO_OVER_SQRT_PI


class Gelu(Function):
    """GeluBackward0. gelu(x) = x Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2.
    d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)."""

    @staticmethod
    def forward(ctx, x):
        cdf = normal_cdf_numpy(x._data)
        ctx.save_for_backward(x, cdf)  # Phi(x) kept, so a plain backward needs no second erf
        return x._data * cdf

    @staticmethod
    def backward(ctx, grad):
        x, _ = ctx.saved_tensors
        cdf = (Erf.apply(x * _INV_SQRT2) + 1) * 0.5  # recomputed as a differentiable op for create_graph
        return grad * (cdf + x * (x * x * -0.5).exp() * _INV_SQRT_2PI)

    @staticmethod
    def jvp(ctx, tx):
        """d gelu(x) = (Phi(x) + x phi(x)) dx: backward's product, with dx for the gradient (the
        Jacobian is diagonal)."""
        return Gelu.backward(ctx, tx)

    @staticmethod
    def backward_arrays(ctx, grad):
        x, cdf = ctx.saved_arrays
        return grad * (cdf + x * np.exp(x * x * -0.5) * _INV_SQRT_2PI)


def _gelu_tanh_slope(x, tanh):
    """d/dx of x (1 + tanh(u)) / 2 = (1 + t) / 2 + x (1 - t^2) u' / 2, t = tanh(u); the same lines for
    arrays (numpy's tanh) and Tensors (the differentiable one)."""
    x2 = x * x
    t = tanh((x + x2 * x * 0.044715) * _SQRT_2_OVER_PI)
    du = (x2 * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
    return (t + 1) * 0.5 + x * (1 - t * t) * du * 0.5


class GeluTanh(Function):
    """GeluBackward0 (torch: gelu(approximate='tanh') is the same node as gelu).
    gelu ~ x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3), u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2);
    d/dx = (1 + t) / 2 + x (1 - t^2) u' / 2, t = tanh(u)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = x._data
        return d * _halve_one_plus(np.tanh((d + d * d * d * 0.044715) * _SQRT_2_OVER_PI))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _gelu_tanh_slope(x, Tensor.tanh)

    @staticmethod
    def jvp(ctx, tx):
        """d gelu(x) = ((1 + t) / 2 + x (1 - t^2) u' / 2) dx: backward's product, with dx for the
        gradient (the Jacobian is diagonal)."""
        return GeluTanh.backward(ctx, tx)

    @staticmethod
    def backward_arrays(ctx, grad):
        (x,) = ctx.saved_arrays
        return grad * _gelu_tanh_slope(x, np.tanh)


class Elu(Function):
    """EluBackward0 (selu too: elu with fixed alpha and scale).
    elu(x) = scale * (x if x > 0 else alpha (e^x - 1));
    d/dx = scale where x > 0, else scale * alpha e^x = out + scale * alpha (from the saved output)."""

    @staticmethod
    def forward(ctx, x, alpha, scale):
        d = x._data
        pos = d > 0
        neg = np.expm1(np.minimum(d, 0))  # min keeps exp from overflowing on the unused side
        neg *= alpha
        out = np.where(pos, d, neg)
        if scale != 1.0:
            out *= scale
        ctx.pos, ctx.alpha, ctx.scale = pos, alpha, scale
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * where(Tensor._wrap(ctx.pos), ctx.scale, out + ctx.scale * ctx.alpha), None, None

    @staticmethod
    def jvp(ctx, tx, *_):
        """d elu(x) = (scale where x > 0, else out + scale alpha) dx: backward's product, with dx for
        the gradient (the Jacobian is diagonal)."""
        return Elu.backward(ctx, tx)[0]

    @staticmethod
    def backward_arrays(ctx, grad):
        (out,) = ctx.saved_arrays
        return grad * np.where(ctx.pos, ctx.scale, out + ctx.scale * ctx.alpha), None, None


# ---- public functions (nn/functional.py adds torch's argument checks and inplace=) -------------------
# A non-Tensor input surfaces as an AttributeError (no `_data`); only then is it turned into torch's
# TypeError (unary._type_error), so the check costs nothing on the common path.
def relu(input):
    try:
        return Relu.apply(input)
    except AttributeError:
        _type_error("relu", input)


def leaky_relu(x, negative_slope=0.01):
    try:
        return LeakyRelu.apply(x, negative_slope)
    except AttributeError:
        _type_error("leaky_relu", x)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    try:
        return Hardtanh.apply(x, min_val, max_val)
    except AttributeError:
        _type_error("hardtanh", x)


def gelu(x, approximate="none"):
    try:
        return GeluTanh.apply(x) if approximate == "tanh" else Gelu.apply(x)
    except AttributeError:
        _type_error("gelu", x)


def elu(x, alpha=1.0, scale=1.0):
    try:
        return Elu.apply(x, alpha, scale)
    except AttributeError:
        _type_error("elu", x)


def selu(x):
    try:
        return Elu.apply(x, _SELU_ALPHA, _SELU_SCALE)
    except AttributeError:
        _type_error("selu", x)


erf = _op("erf", Erf)
sigmoid = _op("sigmoid", Sigmoid, True)
