"""Differentiable activation ops beyond the engine's relu/sigmoid/tanh, one Function each.

Forward computes on numpy; backward is written in Tensor operations so that second derivatives
(gradgradcheck, create_graph=True) work. Ops whose derivative is easiest in terms of their
output save the returned array itself, which the engine stores without a reference cycle.
"""
import math

import numpy as np

import tinygrad_edu
from tinygrad_edu.autograd import Function
from tinygrad_edu.tensor import Tensor


# ---- erf: numpy has none and scipy is not a dependency -------------------------------------------
# erf is odd and equals 1 to double precision for |x| >= 6, so only [0, 6) needs an approximation.
# It is cut into pieces of width 1/4; on each piece a degree-12 polynomial in (x - centre),
# fitted at import time to math.erf at Chebyshev points, is accurate to ~1e-14. The first piece
# uses an odd polynomial in x itself (centre 0), so erf keeps full relative accuracy near 0.
_ERF_STEP, _ERF_END, _ERF_DEG = 0.25, 6.0, 12


def _erf_table():
    k = np.arange(2 * _ERF_DEG + 2)
    nodes = np.cos(np.pi * (k + 0.5) / k.size)  # Chebyshev points of [-1, 1]
    half = _ERF_STEP / 2
    # import-time setup (a few hundred math.erf calls), not a loop over tensor data
    first = nodes * _ERF_STEP  # [-1/4, 1/4]: least squares on the odd powers x, x^3, ..., x^11
    odd = np.linalg.lstsq(first[:, None] ** np.arange(1, _ERF_DEG, 2),
                          np.array([math.erf(v) for v in first]), rcond=None)[0]
    rows = [np.zeros(_ERF_DEG + 1)]
    rows[0][1:_ERF_DEG:2] = odd
    centres = np.arange(1, _ERF_END / _ERF_STEP) * _ERF_STEP + half
    for c in centres:
        u = nodes * half
        rows.append(np.polynomial.polynomial.polyfit(u, [math.erf(c + v) for v in u], _ERF_DEG))
    rows.append(np.eye(1, _ERF_DEG + 1)[0])  # the piece [6, inf): the constant 1
    return np.array(rows), np.concatenate([[0.0], centres, [_ERF_END]])


_ERF_COEFS, _ERF_CENTRES = _erf_table()  # (pieces, deg + 1) lowest power first; (pieces,)
_ERF_TABLES = {np.dtype(np.float64): (_ERF_COEFS, _ERF_CENTRES),
               np.dtype(np.float32): (_ERF_COEFS.astype(np.float32), _ERF_CENTRES.astype(np.float32))}


def erf_numpy(x):
    """erf(x) for a float array, vectorised (|error| < 3e-14 in float64; float16 computes in float32)."""
    dtype = x.dtype if x.dtype in _ERF_TABLES else np.dtype(np.float32)
    coef_table, centres = _ERF_TABLES[dtype]
    a = np.fmin(np.abs(x), _ERF_END).astype(dtype, copy=False)  # fmin maps nan to 6; restored below
    piece = (a * (1 / _ERF_STEP)).astype(np.intp)
    coefs = coef_table[piece]  # (..., deg + 1)
    u = a - centres[piece]
    out = coefs[..., _ERF_DEG].copy()
    for k in range(_ERF_DEG - 1, -1, -1):  # Horner's rule
        out *= u
        out += coefs[..., k]
    out = np.copysign(out, x).astype(x.dtype, copy=False)
    nan = np.isnan(x)
    if nan.any():
        out[nan] = np.nan
    return out


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_INV_SQRT2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _halve_one_plus(t):
    """(1 + t) / 2 in place: the normal CDF from erf, sigmoid from tanh."""
    t += 1
    t *= 0.5
    return t


class Erf(Function):
    """torch.erf; d erf(x)/dx = 2/sqrt(pi) exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_numpy(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x * -1.0).exp() * _TWO_OVER_SQRT_PI


class Gelu(Function):
    """gelu(x) = x Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2.
    d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data * _halve_one_plus(erf_numpy(x._data * _INV_SQRT2))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        cdf = (Erf.apply(x * _INV_SQRT2) + 1) * 0.5
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)


class GeluTanh(Function):
    """gelu(x, approximate='tanh') = x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3).
    d/dx = (1 + t) / 2 + x (1 - t^2) u' / 2, t = tanh(u), u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2)."""
    torch_name = "GeluBackward0"  # torch: gelu(approximate="tanh") is the same node as gelu

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        d = x._data
        return d * _halve_one_plus(np.tanh((d + d * d * d * 0.044715) * _SQRT_2_OVER_PI))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x2 = x * x
        t = ((x + x2 * x * 0.044715) * _SQRT_2_OVER_PI).tanh()
        du = (x2 * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
        return grad * ((t + 1) * 0.5 + x * (1 - t * t) * du * 0.5)


class Elu(Function):
    """elu(x) = scale * (x if x > 0 else alpha (e^x - 1)); selu is elu with fixed alpha, scale.
    d/dx = scale where x > 0, else scale * alpha e^x = out + scale * alpha (from the output)."""

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
        pos = Tensor._wrap(ctx.pos)
        slope = tinygrad_edu.where(pos, ctx.scale, out + ctx.scale * ctx.alpha)
        return grad * slope, None, None


class Softplus(Function):
    """softplus(x) = log(1 + e^(beta x)) / beta, or x where beta x > threshold (numerical stability).
    d/dx = sigmoid(beta x), or 1 above the threshold."""

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
        slope = (x * ctx.beta).sigmoid() if ctx.beta != 1 else x.sigmoid()
        if ctx.linear.any():
            slope = tinygrad_edu.where(Tensor._wrap(ctx.linear), 1.0, slope)
        return grad * slope, None, None


class Silu(Function):
    """silu(x) = x sigmoid(x); d/dx = s (1 + x (1 - s)), s = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data * _halve_one_plus(np.tanh(x._data * 0.5))  # sigmoid via tanh: no overflow

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad * (s * (x * (1 - s) + 1))


class Mish(Function):
    """mish(x) = x tanh(softplus(x)); d/dx = t + x (1 - t^2) sigmoid(x), t = tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data * np.tanh(np.logaddexp(0, x._data).astype(x._data.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        t = Softplus.apply(x, 1, 20.0).tanh()
        return grad * (t + x * (1 - t * t) * x.sigmoid())


class Hardtanh(Function):
    """clamp(x, min_val, max_val); unlike clamp, the gradient is 0 *at* the bounds too (as torch)."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        d = x._data
        ctx.inside = (d > min_val) & (d < max_val)
        return np.clip(d, min_val, max_val)

    @staticmethod
    def backward(ctx, grad):
        return grad * Tensor._wrap(ctx.inside.astype(grad._data.dtype)), None, None
