"""Binary element-wise ops with broadcasting: +, -, *, /, **, where (maximum, minimum: minmax.py).

Their backward formulas are written as if the shapes matched: when forward broadcast an input, the
gradient comes out in the broadcast shape and the engine sums it down to the input's shape (with
autograd.broadcast.unbroadcast, the same as torch's engine does with sum_to).

The public functions (`add`, `mul`, ...) first apply torch's type promotion (see dtypes.py), so
the Functions below see operands of one dtype (or a Python scalar that numpy keeps at the
tensor's dtype). Operands may be Tensors or Python scalars; a scalar gets no gradient. A numpy
scalar counts as the Python number it holds ("weak", as in torch: np.float64(.5) * x keeps x's dtype).
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise_checks import check_alpha, check_two_tensors, div_rounded, where_operand


def _data(v):
    return v._data if isinstance(v, Tensor) else v


def _check_broadcast(sx, sy):
    """torch's RuntimeError for shapes that do not broadcast (numpy would raise a ValueError)."""
    for i, (m, n) in enumerate(zip(reversed(sx), reversed(sy))):
        if m != n and m != 1 and n != 1:
            raise RuntimeError(f"The size of tensor a ({m}) must match the size of tensor b ({n}) at "
                               f"non-singleton dimension {max(len(sx), len(sy)) - 1 - i}")


def _promote(x, y):
    """Cast the operands to torch's result dtype (the common case, equal dtypes, costs one compare)."""
    xt, yt = isinstance(x, Tensor), isinstance(y, Tensor)
    if xt and yt:
        if x._data.shape != y._data.shape:
            _check_broadcast(x._data.shape, y._data.shape)
        if x._data.dtype == y._data.dtype:
            return x, y
        target = _dt.promote_arrays(x._data.dtype, y._data.dtype, x._data.ndim == 0, y._data.ndim == 0)
        return x.to(target), y.to(target)
    if xt:
        target = _dt.promote_with_scalar(x._data.dtype, y)
        return (x if target == x._data.dtype else x.to(target)), y
    if yt:
        x2, y2 = _promote(y, x)
        return y2, x2
    raise TypeError(f"expected at least one Tensor operand, got {type(x).__name__} and {type(y).__name__}")


def _scalar(v, fname=None, pos=2):
    """A non-Tensor operand: numpy scalars become Python numbers (weak, as in torch); arrays become
    tensors. Arithmetic (`fname` given) refuses lists and tuples, and an ndarray as its first
    operand, with torch's TypeError; comparisons still take them."""
    if isinstance(v, (np.generic, np.ndarray)) and np.ndim(v) == 0:
        if pos == 1 and fname is not None and isinstance(v, np.ndarray):
            raise _dt.not_tensor_error(fname, v, pos, "input")
        return v.item()
    if isinstance(v, (list, tuple, np.ndarray)) and (fname is None or (pos == 2 and isinstance(v, np.ndarray))):
        return Tensor._wrap(np.asarray(v))
    raise _dt.not_tensor_error(fname or "operator", v, pos, "other" if pos == 2 else "input")


def _operands(x, y, fname=None):
    # The common cases first: two tensors of one dtype, or a float tensor and a Python number.
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            if x._data.dtype == y._data.dtype:
                if x._data.shape != y._data.shape:
                    _check_broadcast(x._data.shape, y._data.shape)
                return x, y
        elif type(y) is float or type(y) is int:
            if x._data.dtype.kind == "f":
                return x, y
        elif not isinstance(y, bool):
            y = _scalar(y, fname)
    elif type(x) is not float and type(x) is not int and not isinstance(x, bool):  # np.float64 is a float
        x = _scalar(x, fname, 1)
    if not isinstance(y, Tensor) and type(y) is not float and type(y) is not int and not isinstance(y, bool):
        y = _scalar(y, fname)
    return _promote(x, y)


def binary(ufunc, x, y):
    """ufunc on two operands (Tensors or numbers), its result laid out in memory as torch's is.
    The two agree except when both operands are arrays of different layouts: numpy then picks C
    order, while torch follows the first operand's order (a transposed x gives a transposed
    result, which is_contiguous() and .view() can tell apart)."""
    a = x._data if isinstance(x, Tensor) else x
    b = y._data if isinstance(y, Tensor) else y
    out = ufunc(a, b)
    if type(b) is np.ndarray and b.ndim > 1 and type(a) is np.ndarray and not a.flags.c_contiguous:
        return in_layout_of(a, out)
    return out


def in_layout_of(first, out):
    """`out` copied into the stride order of `first` (of the same shape), largest stride first."""
    if first.shape != out.shape or out.size < 2:
        return out
    order = sorted(range(first.ndim), key=lambda d: -abs(first.strides[d]))  # stable: ties keep their order
    if order == list(range(first.ndim)):
        return out
    res = np.empty([out.shape[d] for d in order], out.dtype).transpose(np.argsort(order))
    res[...] = out
    return res


class Add(Function):
    """AddBackward0. d(x+y)/dx = d(x+y)/dy = 1: the gradient passes to both."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        return binary(np.add, x, y)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad  # broadcast inputs: the engine sums each gradient down to its input's shape

    @staticmethod
    def jvp(ctx, tx, ty):
        """d(x + y) = dx + dy."""
        return tangent_sum(tx, ty)


class Sub(Function):
    """SubBackward0. d(x-y)/dx = 1, d(x-y)/dy = -1."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        return binary(np.subtract, x, y)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d(x - y) = dx - dy."""
        return tangent_sum(tx, None if ty is None else -ty)


class Mul(Function):
    """MulBackward0. d(xy)/dx = y, d(xy)/dy = x: each input saves the *other* one, only if that gradient is needed."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(y if needs[0] else None, x if needs[1] else None)
        return binary(np.multiply, x, y)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_values
        needs = ctx.needs_input_grad
        return (grad * y if needs[0] else None), (grad * x if needs[1] else None)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d(x y) = dx y + x dy."""
        (x, y), given = ctx.primals, ctx.has_tangent  # (the terms of inputs without tangent are left out)
        return tangent_sum(tx * y if given[0] else None, x * ty if given[1] else None)


class Div(Function):
    """DivBackward0. d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x if ctx.needs_input_grad[1:2] == (True,) else None, y)
        return binary(np.true_divide, x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_values
        needs = ctx.needs_input_grad
        return (grad / y if needs[0] else None), (-grad * x / (y * y) if needs[1] else None)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d(x / y) = dx / y - (x / y) dy / y."""
        (x, y), given = ctx.primals, ctx.has_tangent
        return tangent_sum(tx / y if given[0] else None, -ctx.result * ty / y if given[1] else None)


class Pow(Function):
    """PowBackward0/1/2. d(x^y)/dx = y x^(y-1); d(x^y)/dy = x^y ln x (0 where x == 0, as torch)."""

    @staticmethod
    def forward(ctx, x, y):
        out = binary(np.power, x, y)
        ctx.save_for_backward(x, y, out)
        if isinstance(y, Tensor):  # torch's overloads: pow(Tensor, Scalar), (Tensor, Tensor), (Scalar, Tensor)
            ctx.torch_name = "PowBackward1" if isinstance(x, Tensor) else "PowBackward2"
            if not isinstance(x, Tensor):
                ctx.graph_inputs = (1,)  # a Python-number base is no graph input
        else:
            ctx.graph_inputs = (0,)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        log_x = where(x == 0, 0.0, x.log()) if isinstance(x, Tensor) else _log_number(x)
        return _pow_grads(ctx.needs_input_grad, grad, x, y, out, log_x)

    @staticmethod
    def jvp(ctx, tx, ty):
        """d(x^y) = y x^(y-1) dx + x^y ln(x) dy, the same two derivatives as backward (_pow_grads)."""
        x, y = ctx.primals
        given = ctx.has_tangent
        log_x = (where(x == 0, 0.0, x.log()) if isinstance(x, Tensor) else _log_number(x)) if given[1] else 0
        gx, gy = _pow_grads(given, 1.0, x, y, ctx.result, log_x)
        return tangent_sum(gx * tx if given[0] else None, gy * ty if given[1] else None)

    @staticmethod
    def backward_arrays(ctx, grad):
        x, y, out = ctx.saved_arrays
        if isinstance(x, np.ndarray):
            with np.errstate(divide="ignore", invalid="ignore"):
                log_x = np.where(x == 0, 0.0, np.log(x))
        else:
            log_x = _log_number(x)
        return _pow_grads(ctx.needs_input_grad, grad, x, y, out, log_x)


def _pow_grads(needs, grad, x, y, out, log_x):
    """The two derivatives of x^y, in operations arrays and Tensors share."""
    gx = gy = None
    if needs[0]:
        gx = grad * 0 if isinstance(y, (int, float)) and y == 0 else grad * (y * x ** (y - 1))
    if needs[1]:
        gy = grad * out * log_x
    return gx, gy


def _log_number(x):
    return math.log(x) if x > 0 else (0.0 if x == 0 else math.nan)


class Where(Function):
    """WhereBackward0. where(cond, x, y): the gradient goes to x where cond holds, to y elsewhere."""

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.cond = cond._data
        out = np.where(cond._data, _data(x), _data(y))
        return in_layout_of(cond._data, out) if out.ndim > 1 and not cond._data.flags.c_contiguous else out

    @staticmethod
    def backward(ctx, grad):
        cond, needs = Tensor._wrap(ctx.cond), ctx.needs_input_grad
        return None, (where(cond, grad, 0.0) if needs[1] else None), (where(cond, 0.0, grad) if needs[2] else None)

    @staticmethod
    def jvp(ctx, tcond, tx, ty):
        """d where(c, x, y) = where(c, dx, dy)."""
        if tx is None and ty is None:
            return None
        zero = Tensor._wrap(np.zeros((), ctx.result._data.dtype))
        return where(Tensor._wrap(ctx.cond), zero if tx is None else tx, zero if ty is None else ty)

    @staticmethod
    def backward_arrays(ctx, grad):
        cond, needs = ctx.cond, ctx.needs_input_grad
        return None, (np.where(cond, grad, 0.0) if needs[1] else None), (np.where(cond, 0.0, grad) if needs[2] else None)


# ---- public functions (torch names) -----------------------------------------------------------
def add(input, other, alpha=1):
    input, other = _operands(input, other, "add")
    if alpha != 1 or alpha is True:
        alpha = check_alpha(input, other, alpha)
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha   # a number stays a number
    return Add.apply(input, other)


def sub(input, other, alpha=1):
    input, other = _operands(input, other, "sub")
    if (isinstance(input, Tensor) and input._data.dtype == np.bool_) and (not isinstance(other, Tensor) or other._data.dtype == np.bool_):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if alpha != 1 or alpha is True:
        alpha = check_alpha(input, other, alpha)
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha   # a number stays a number
    return Sub.apply(input, other)


def mul(input, other):
    input, other = _operands(input, other, "mul")
    return Mul.apply(input, other)


def div(input, other, rounding_mode=None):
    input, other = _operands(input, other, "div")
    if rounding_mode is not None:
        return div_rounded(input, other, rounding_mode)
    # true division of integers gives the default float dtype, as in torch
    if (input._data.dtype if isinstance(input, Tensor) else other._data.dtype).kind in "biu":
        f = _dt.get_default_dtype().numpy_dtype
        input = input.to(f) if isinstance(input, Tensor) else float(input)
        other = other.to(f) if isinstance(other, Tensor) else float(other)
    return Div.apply(input, other)


def pow(input, exponent):
    input, exponent = _operands(input, exponent, "pow")
    return Pow.apply(input, exponent)


def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(Tensor._wrap(i) for i in np.nonzero(_data(condition)))
    if not isinstance(condition, Tensor):
        condition = Tensor._wrap(np.asarray(condition))
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.name}")
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        input, other = where_operand(input, 2), where_operand(other, 3)
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            input = Tensor._wrap(np.asarray(input, dtype=_dt.scalar_dtype(input)))
    input, other = _promote(input, other)
    return Where.apply(condition, input, other)


# ---- non-differentiable element-wise functions: comparisons and logic --------------------------
def _compare(np_fn):
    def compare(input, other):
        input, other = _operands(input, other)
        return Tensor._wrap(np.asarray(np_fn(_data(input), _data(other))))
    compare.__name__ = np_fn.__name__
    return compare


eq, ne, lt, le, gt, ge = (_compare(f) for f in (np.equal, np.not_equal, np.less, np.less_equal,
                                                  np.greater, np.greater_equal))


def _bitwise(np_fn):
    def op(input, other):
        input, other = _operands(input, other)
        if any(isinstance(v, Tensor) and v._data.dtype.kind == "f" for v in (input, other)):
            dtype = next(v for v in (input, other) if isinstance(v, Tensor) and v._data.dtype.kind == "f").dtype
            raise NotImplementedError(f"\"{np_fn.__name__}_cpu\" not implemented for '{dtype.scalar_name}'")
        return Tensor._wrap(np.asarray(np_fn(_data(input), _data(other))))
    return op


bitwise_and, bitwise_or, bitwise_xor = (_bitwise(f) for f in (np.bitwise_and, np.bitwise_or, np.bitwise_xor))


def logical_and(input, other):
    return Tensor._wrap(np.logical_and(_data(input), _data(other)))


def logical_or(input, other):
    return Tensor._wrap(np.logical_or(_data(input), _data(other)))


def logical_xor(input, other):
    return Tensor._wrap(np.logical_xor(_data(input), _data(other)))


def logical_not(input):
    return Tensor._wrap(np.logical_not(input._data))

