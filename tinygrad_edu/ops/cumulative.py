"""Cumulative ops: cumprod, cummax, cummin, logcumsumexp, and diff (cumsum, the cumulative sum, is in
reduce.py)."""
import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .elementwise import logical_xor
from .reduce_checks import not_tensor
from .shape import cat
from .sort import _result_type
from .unary import cast


class Cumprod(Function):
    """CumprodBackward0. y_i = prod_{k<=i} x_k along dim;
    dx_j = sum_{i>=j} g_i * prod_{k<=i, k!=j} x_k.
    Where no x is 0 that is sum_{i>=j} g_i y_i / x_j (a reversed cumulative sum of g*y, divided by x);
    with zeros it is multiplied out without dividing (see _grad_with_zeros)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = np.ascontiguousarray(np.cumprod(x._data, axis=dim)) if x._data.ndim else x._data.copy()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        if x._data.ndim == 0:
            return grad, None
        d = ctx.dim
        if np.all(x._data != 0):
            return (grad * y).flip(d).cumsum(d).flip(d) / x, None
        return _grad_with_zeros(x, grad, d), None

    @staticmethod
    def jvp(ctx, tx, _):
        """dy_i = sum_{k<=i} dx_k prod_{j<=i, j!=k} x_j: y * cumsum(dx / x) where no x is 0, else
        multiplied out without dividing (the same products as backward, summed the other way)."""
        x, y = ctx.primals[0], ctx.result
        if x._data.ndim == 0:
            return tx
        d = ctx.dim
        if np.all(x._data != 0):
            return y * (tx / x).cumsum(d)
        return (_products_without_one(x, d) * tx.unsqueeze(d + 1)).sum(d)


def _grad_with_zeros(x, grad, d):
    """sum_{i>=j} g_i prod_{k<=i, k!=j} x_k for every j, in Tensor ops (so double backward works)."""
    return (_products_without_one(x, d) * grad.unsqueeze(d)).sum(d + 1)


def _products_without_one(x, d):
    """P[.., j, i, ..] = prod_{k<=i, k!=j} x_k for i >= j, 0 for i < j (a new axis j before dim d).

    A new axis j copies x n times; copy j has its own element j replaced by 1 and is cumulatively
    multiplied along i; the pairs i < j are masked out. Costs n times the memory of x; only used
    with zeros in x."""
    shape, n = x._data.shape, x._data.shape[d]
    after = (1,) * (len(shape) - d - 1)
    copies = x.unsqueeze(d).expand(shape[:d] + (n,) + shape[d:])  # copies[.., j, i, ..] = x[.., i, ..]
    diagonal = np.eye(n, dtype=bool).reshape((1,) * d + (n, n) + after)
    prods = Cumprod.apply(copies.masked_fill(Tensor._wrap(diagonal), 1.0), d + 1)
    later = np.triu(np.ones((n, n), dtype=x._data.dtype)).reshape((1,) * d + (n, n) + after)  # i >= j
    return prods * Tensor._wrap(later)


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """torch.cumprod: y_i = x_0 * x_1 * ... * x_i along dim (integers and bools as int64)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("cumprod() got an unexpected keyword argument 'axis'")
        dim = axis
    if dim is None:
        raise TypeError("cumprod() missing 1 required positional argument: 'dim'")
    if not isinstance(input, Tensor):
        raise not_tensor("cumprod", input)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"cumprod(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    d = _wrap_dim(int(dim), input._data.ndim)
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "bui" and input._data.dtype != np.int64:
        input = input.to(np.int64)
    return Cumprod.apply(input, d)


# ---- cummax, cummin, logcumsumexp, diff ----------------------------------------------------------------
cummax_result, cummin_result = _result_type("cummax"), _result_type("cummin")


def _running_extreme(data, dim, largest):
    """Indices of the running max (min) along dim: the latest position equal to it (ties and NaN move it
    forward, as torch's), from one accumulate of the values and one of the positions."""
    running = (np.maximum if largest else np.minimum).accumulate(data, axis=dim)
    hit = (data == running) | np.isnan(data) if data.dtype.kind == "f" else data == running
    shape = [1] * data.ndim
    shape[dim] = data.shape[dim]
    position = np.broadcast_to(np.arange(data.shape[dim]).reshape(shape), data.shape)
    return np.maximum.accumulate(np.where(hit, position, 0), axis=dim)


def _cum_extreme(fname, input, dim, largest, result):
    if not isinstance(input, Tensor):
        raise not_tensor(fname, input)
    d = _wrap_dim(dim, input._data.ndim)
    node = "CummaxBackward0" if largest else "CumminBackward0"
    if input._data.ndim == 0:
        return result(named(input.clone(), node), Tensor._wrap(np.zeros((), np.int64)))
    if input._data.size == 0:
        return result(named(input.clone(), node), Tensor._wrap(np.zeros(input._data.shape, np.int64)))
    idx = np.ascontiguousarray(_running_extreme(input._data, d, largest))
    # the values are read at the indices: the gradient goes back there (torch scatters it the same way)
    return result(named(input.gather(d, Tensor._wrap(idx)), node), Tensor._wrap(idx))


def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was found (the latest of equals)."""
    return _cum_extreme("cummax", input, dim, True, cummax_result)


def cummin(input, dim):
    return _cum_extreme("cummin", input, dim, False, cummin_result)


class Logcumsumexp(Function):
    """LogcumsumexpBackward0. y_i = log sum_{k<=i} e^(x_k) (numpy's logaddexp.accumulate: no overflow).
    dx_j = sum_{i>=j} g_i e^(x_j - y_i), a sum of weights e^(x_j - y_i) <= 1. It is computed in log space
    so that nothing overflows, with g shifted by a constant c > max|g| (per slice) to be positive:
    dx_j = e^(x_j + R(log(g + c) - y)_j) - c e^(x_j + R(-y)_j), R a reversed logcumsumexp. Every
    step is a differentiable op (so derivatives of any order work) and no log of 0 is taken; float32
    is computed in float64, where the subtraction loses nothing that float32 would see."""
    graph_inputs = (0,)

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        data = x._data
        with np.errstate(invalid="ignore"):
            out = np.ascontiguousarray(np.logaddexp.accumulate(data, axis=dim)) if data.ndim else data.copy()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x._data.ndim == 0:
            return grad, None
        d = ctx.dim

        def reversed_lcse(v):
            return Logcumsumexp.apply(v.flip(d), d).flip(d)
        dtype = grad._data.dtype  # the shift costs a few bits to cancellation: computed in float64
        x, out, grad = (cast(v, np.dtype(np.float64)) for v in (x, out, grad))
        shift = _positive_shift(grad, d)
        shifted = (x + reversed_lcse((grad + shift).log() - out)).exp()
        return cast(shifted - (x + reversed_lcse(-out)).exp() * shift, dtype), None

    @staticmethod
    def jvp(ctx, tx, _):
        """dy_i = sum_{k<=i} e^(x_k - y_i) dx_k, in log space as backward: with c > max|dx| (per slice),
        dy = e^(L(x + log(dx + c)) - y) - c e^(L(x) - y) = e^(L(x + log(dx + c)) - y) - c, L the
        logcumsumexp along dim (L(x) = y); float32 is computed in float64."""
        if tx._data.ndim == 0:
            return tx
        f64, dtype, d = np.dtype(np.float64), tx._data.dtype, ctx.dim
        x, out, tx = (cast(v, f64) for v in (ctx.primals[0], ctx.result, tx))
        shift = _positive_shift(tx, d)
        return cast((Logcumsumexp.apply(x + (tx + shift).log(), d) - out).exp() - shift, dtype)


def _positive_shift(v, d):
    """A constant c > max|v| along dim d (2 max|v|, or 1 where v is all 0): v + c > 0."""
    largest = np.max(np.abs(v._data), axis=d, keepdims=True, initial=0)
    return Tensor._wrap(np.where(largest > 0, 2 * largest, 1.0))


def logcumsumexp(input, dim):
    if not isinstance(input, Tensor):
        raise not_tensor("logcumsumexp", input)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{input.dtype.scalar_name}'")
    return Logcumsumexp.apply(input, _wrap_dim(dim, input._data.ndim))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim, after prepend and append are joined on (bool: xor)."""
    if not isinstance(input, Tensor):
        raise not_tensor("diff", input)
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input._data.ndim)
    for extra in (prepend, append):
        if extra is not None and (not isinstance(extra, Tensor) or extra._data.ndim != input._data.ndim):
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    x = cat([t for t in (prepend, input, append) if t is not None], d) if prepend is not None or \
        append is not None else input
    for _ in range(n):
        length = x._data.shape[d]
        if length == 0:
            break
        later, earlier = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = logical_xor(later, earlier) if x._data.dtype == np.bool_ else later - earlier
    return x
