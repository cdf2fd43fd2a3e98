"""Softmax, log-softmax and log-sum-exp: one family, computed by one stable helper.

exp overflows for inputs above ~88 (float32) or ~709 (float64), but softmax is unchanged when a
constant is subtracted from every input, so `softmax_parts` subtracts the maximum first: then every
exponent is <= 0 and every exp <= 1, and the largest is exactly 1, so the sum is at least 1 and its
log is safe too. The cross-entropy losses (loss.py) use the same helper.

    softmax(x)     = e / s                  e = exp(x - m), s = sum(e), m = max(x)
    log_softmax(x) = (x - m) - log(s)
    logsumexp(x)   = log(s) + m

These are memory-bound passes over x, so each result is computed into as few fresh arrays as possible:
x - m is written into a new array and exp is taken there in place (out=), and e's buffer then becomes
softmax (divided in place) or log_softmax (x - m written over it, then log s subtracted in place).
"""
import numpy as np

from ..autograd.function import Function
from ..dtypes import get_default_dtype
from ..tensor import Tensor, _wrap_dim
from .reduce import expand_back, normalize_dims, squeeze_dims
from .reduce_checks import check_tensors, numpy_names


def softmax_parts(x, axis, finite_max=False):
    """(m, e, s) along `axis` (an int, a tuple or None), keepdims: m = max(x), e = exp(x - m) (a fresh
    array, which the caller may overwrite), s = sum(e). finite_max: an infinite max is replaced by 0 before shifting (as
    torch's logsumexp does), so that a row of -inf gives -inf and a row holding +inf gives +inf
    instead of inf - inf = nan; softmax and log_softmax keep torch's nan there."""
    try:
        m = x.max(axis=axis, keepdims=True)  # the ndarray methods: np.max() adds a Python layer per call
    except ValueError:  # a zero-length dim: nothing to shift by (torch's results are empty, or -inf sums)
        m = x.max(axis=axis, keepdims=True, initial=-np.inf)
    if finite_max:
        m = np.where(np.isfinite(m), m, 0)
    e = np.asarray(np.subtract(x, m))  # (asarray: a 0-d x gives a numpy scalar)
    np.exp(e, out=e)  # in place: one fresh array for x - m and its exp
    return m, e, e.sum(axis=axis, keepdims=True)


class Softmax(Function):
    """SoftmaxBackward0. y = softmax(x) along dim; dy_i/dx_j = y_i (delta_ij - y_j), so
    dx = y * (g - sum(g * y)). One formula for arrays and Tensors."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        _, e, s = softmax_parts(x._data, dim)
        e /= s
        if not e.flags.c_contiguous:  # torch's softmax is contiguous whatever the input's strides
            e = np.ascontiguousarray(e)
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_values
        return y * (grad - (grad * y).sum(ctx.dim, keepdims=True)), None

    @staticmethod
    def jvp(ctx, tx, _):
        """dy = y * (dx - sum(dx * y)): the Jacobian diag(y) - y y^T is symmetric, so this is
        backward's formula with dx for the gradient."""
        y = ctx.result
        return y * (tx - (tx * y).sum(ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """LogSoftmaxBackward0. y = x - logsumexp(x) along dim; dy_i/dx_j = delta_ij - softmax(x)_j, so
    dx = g - exp(y) * sum(g)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        m, e, s = softmax_parts(x._data, dim)
        out = np.subtract(x._data, m, out=e)  # e is no longer needed: its buffer is reused
        out -= np.log(s)  # (x - m) - log s, shifted first: log_softmax of the max is exactly -log s
        if not out.flags.c_contiguous:  # torch's log_softmax is contiguous whatever the input's strides
            out = np.ascontiguousarray(out)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors  # exp(y) is recorded too, so double backward differentiates it
        return grad - y.exp() * grad.sum(ctx.dim, keepdims=True), None

    @staticmethod
    def jvp(ctx, tx, _):
        """dy = dx - sum(softmax(x) * dx), softmax(x) = exp(y) (the transpose of backward's Jacobian)."""
        return tx - (ctx.result.exp() * tx).sum(ctx.dim, keepdims=True)

    @staticmethod
    def backward_arrays(ctx, grad):
        (y,) = ctx.saved_arrays
        return grad - np.exp(y) * grad.sum(ctx.dim, keepdims=True), None


class Logsumexp(Function):
    """LogsumexpBackward0. out = log sum exp(x) over dims; d out/dx = exp(x - out) = softmax(x)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        m, _, s = softmax_parts(x._data, dims, finite_max=True)
        out = np.log(s) + m
        out = out if keepdim else squeeze_dims(out, dims)
        ctx.save_for_backward(x, out)  # the returned array itself, so double backward flows through it
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return expand_back(grad, ctx) * (x - expand_back(out, ctx)).exp(), None, None

    @staticmethod
    def jvp(ctx, tx, *_):
        """d out = sum over dims of softmax(x) dx, softmax(x) = exp(x - out). Over an empty slice
        (out = -inf) torch's tangent is NaN, and so is ours."""
        x, out = ctx.primals[0], ctx.result
        if x._data.size == 0:
            return Tensor._wrap(np.full(out._data.shape, np.nan, out._data.dtype))
        weighted = tx * (x - expand_back(out, ctx)).exp()
        return (weighted.sum(ctx.dims, keepdim=True) if ctx.dims else weighted.sum()).reshape(out.shape)

    @staticmethod
    def backward_arrays(ctx, grad):
        x, out = ctx.saved_arrays
        return expand_back(grad, ctx) * np.exp(x - expand_back(out, ctx)), None, None


# ---- public functions ------------------------------------------------------------------------------
def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("logsumexp", dim, keepdim, axis, keepdims)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    try:
        kind = input._data.dtype.kind
    except AttributeError:
        check_tensors("logsumexp", input)
        raise
    if kind != "f":  # torch computes integers and bools in the default float dtype
        input = input.to(get_default_dtype())
    return Logsumexp.apply(input, normalize_dims(dim, input._data.ndim), keepdim)


def _softmax_input(x, dim, dtype, kernel):
    """Cast to `dtype` if given; torch has no integer or bool softmax kernel (it does not promote)."""
    try:
        if dtype is not None:
            x = x.to(dtype)
        d = _wrap_dim(dim, x._data.ndim)
    except AttributeError:
        check_tensors(kernel, x)
        raise
    if x._data.dtype.kind != "f":
        lastdim = "_lastdim" if d == x._data.ndim - 1 or x._data.ndim == 0 else ""
        raise NotImplementedError(f'"{kernel}{lastdim}_kernel_impl" not implemented for \'{x.dtype.scalar_name}\'')
    return x, d


def softmax(input, dim, dtype=None):
    return Softmax.apply(*_softmax_input(input, dim, dtype, "softmax"))


def log_softmax(input, dim, dtype=None):
    return LogSoftmax.apply(*_softmax_input(input, dim, dtype, "log_softmax"))
