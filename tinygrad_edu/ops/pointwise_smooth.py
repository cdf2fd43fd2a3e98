"""The smooth two-operand element-wise ops: hypot, logaddexp, logaddexp2, xlogy (the rest:
pointwise_binary.py). Operands promoted as torch does; each backward is written as if the shapes
matched (the engine sums a broadcast gradient back down); each jvp is the two partial derivatives
times the two tangents, in Tensor operations.
"""
import math

import numpy as np

from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _operands, binary, in_layout_of, where
from .pointwise_binary import _arrays, _not_for, _tensors_only, _to_float

_LN2 = math.log(2.0)


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

    @staticmethod
    def jvp(ctx, tx, ty):
        """d hypot(x, y) = (x dx + y dy) / hypot."""
        (x, y), given = ctx.primals, ctx.has_tangent  # (terms without tangent left out: 0 * inf)
        return tangent_sum(tx * x if given[0] else None, ty * y if given[1] else None) / ctx.result


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

    @staticmethod
    def jvp(ctx, tx, ty, _):
        """d logaddexp(x, y) = dx / (1 + e^(y - x)) + dy / (1 + e^(x - y)) (2^ for base 2)."""
        x, y, _ = ctx.primals
        scale = _LN2 if ctx.base2 else 1.0
        return tx / (((y - x) * scale).exp() + 1) + ty / (((x - y) * scale).exp() + 1)


def _xlogy_arrays(a, b):
    """x log(y), 0 where x == 0 unless y is NaN (torch's xlogy)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.multiply(a, np.log(b))
        out = np.where(np.equal(a, 0) & ~np.isnan(b), 0, out)
    return np.asarray(out, dtype=out.dtype)


class Xlogy(Function):
    """XlogyBackward0 (tensors) / XlogyBackward1 (scalar x) / XlogyBackward2 (scalar y).
    xlogy(x, y) = x log y (0 where x == 0); d/dx = log y, as torch: times g as xlogy(g, y), and 0 where
    x == 0 and y <= 0; d/dy = x / y."""

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
            gx = _times_dx(grad, x, y)
        if needs[1]:
            gy = grad * x / y
        return gx, gy

    @staticmethod
    def jvp(ctx, tx, ty):
        """d xlogy(x, y) = log(y) dx + x / y dy, the dx term as backward's (a number has no tangent)."""
        x, y = ctx.primals
        return tangent_sum(None if tx is None else _times_dx(tx, x, y), None if ty is None else ty * x / y)


def _times_dx(v, x, y):
    """v d xlogy/dx = xlogy(v, y) (0 where v is), set to 0 where x == 0 and y <= 0 (torch's rule)."""
    b = y._data if isinstance(y, Tensor) else y
    with np.errstate(invalid="ignore"):
        zeroed = (x._data == 0) & (b <= 0)
    return where(Tensor._wrap(zeroed), 0.0, xlogy(v, y)) if zeroed.any() else xlogy(v, y)


# ---- public functions ------------------------------------------------------------------------------
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
