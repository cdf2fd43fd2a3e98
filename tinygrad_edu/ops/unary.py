"""Unary element-wise ops (the activations relu, sigmoid, gelu, ... are in activation.py). Each
backward is the derivative times the incoming gradient.

Ops whose derivative is easiest in terms of their output (exp, sqrt, tanh) save the output; the
engine stores it without a reference cycle (autograd/function.py, saved tensors). Piecewise ops
(abs; clamp, in clamp.py) save their derivative itself, a constant array computed in forward.

Each `jvp` (forward mode, autograd/forward_ad.py) is the same derivative times the input's tangent,
written with Tensor operations so that the tangent can be differentiated again.
"""
import math

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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


class Abs(Function):
    """AbsBackward0. d|x|/dx = sign(x) (0 at 0, and at NaN, as torch's sign)."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        if ctx.needs_input_grad[0]:  # sign(x) is the derivative: saved as a constant array
            ctx.save_for_backward(_sign(x._data))
        return np.abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_values
        return grad * sign

    @staticmethod
    def jvp(ctx, tx):
        """d|x| = sign(x) dx (sign(NaN) = 0, as torch's). sign is an op of its own (of derivative 0), so
        that the tangent's gradient with respect to x is zeros, as torch's, not "unused"."""
        return tx * sign(ctx.primals[0])


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    jvp = backward  # forward mode: dy = f'(x) dx, backward's product with the tangent for the gradient


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

    @staticmethod
    def jvp(ctx, tx, *_):
        """Piecewise constant: the tangent is 0 (a float output's zeros; an integer output has none)."""
        out = ctx.result
        return Tensor._wrap(np.zeros(out._data.shape, out._data.dtype)) if out._data.dtype.kind == "f" else None


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

    @staticmethod
    def jvp(ctx, tx, *_):
        """d x.to(dtype) = dx.to(dtype): the tangent cast as the value was (none for an integer result)."""
        np_dtype = ctx.primals[1]
        return cast(tx, np_dtype) if np.dtype(np_dtype).kind == "f" else None


class Clone(Function):
    """CloneBackward0. A copy with its own memory: d/dx = 1, the gradient passes through unchanged.
    layout "K" keeps x's (torch's preserve_format, clone()), "C" is row-major (contiguous())."""
    array_backward = True
    graph_inputs = (0,)

    @staticmethod
    def forward(ctx, x, layout="C"):
        return x._data.copy(order=layout)

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def jvp(ctx, tx, _=None):
        """d clone(x) = clone(dx): a tangent of its own, laid out as the value."""
        return Clone.apply(tx, *ctx.primals[1:])


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


def _piecewise_constant(np_fn):
    def op(input):
        try:
            return ZeroGrad.apply(input, np_fn, None, None)
        except AttributeError:
            _type_error(np_fn.__name__, input)
    op.__name__ = op.__qualname__ = np_fn.__name__
    return op


def _sign(a):
    """numpy's sign, with torch's sign(NaN) = 0 and sign(bool) = the bool itself."""
    if a.dtype.kind != "f":
        return a.copy() if a.dtype == np.bool_ else np.sign(a)
    out = np.sign(a)
    if math.isnan(np.add.reduce(out, None)):  # one reduction (NaN only if some sign is): cheap when none is
        out = np.where(np.isnan(out), 0, out).astype(a.dtype, copy=False)
    return out


_sign.__name__ = "sign"
sign, floor, ceil, _round_half_even = (_piecewise_constant(f) for f in (_sign, np.floor, np.ceil, np.round))


def cast(x, np_dtype):
    if x._data.dtype == np_dtype:
        return x
    return Cast.apply(x, np_dtype)


def clone(input, memory_format=None):
    try:
        return Clone.apply(input, "K")  # torch's default, preserve_format (no other formats exist here)
    except AttributeError:
        _type_error("clone", input)


def isnan(input):
    return Tensor._wrap(np.isnan(input._data))


def isinf(input):
    return Tensor._wrap(np.isinf(input._data))


def isfinite(input):
    return Tensor._wrap(np.isfinite(input._data))
