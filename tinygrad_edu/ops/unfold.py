"""Sliding windows: Tensor.unfold(dimension, size, step), a view of every window of `size` elements,
`step` apart, along one dim (torch's name; not F.unfold, which is built on it in nn/).

The result replaces that dim by the number of windows, (n - size) // step + 1, and appends the
window as a new last dim: x.unfold(0, 3, 2) of [0 1 2 3 4 5 6] is [[0 1 2] [2 3 4] [4 5 6]]. An
element that lies in several windows is several elements of the view, so the gradient of an
input element is the sum over the windows that hold it (the adjoint, UnfoldBackward below, adds
each window position back; its own adjoint is unfold again, for second derivatives).
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim


def _windows(a, dim, size, step):
    """The numpy view: windows along dim, the window as the last dim (read-only: elements repeat)."""
    view = np.lib.stride_tricks.sliding_window_view(a, size, axis=dim)
    return view[(slice(None),) * dim + (slice(None, None, step),)]


def _fold_back(g, shape, dim, size, step):
    """unfold's adjoint on arrays: zeros of `shape`, each window's values added back where they came
    from (one vectorised add per window position, not per element)."""
    out = np.zeros(shape, g.dtype)
    count = g.shape[dim]
    lead = (slice(None),) * dim
    for k in range(size):
        out[lead + (slice(k, k + step * (count - 1) + 1, step),)] += g[..., k]
    return out


class Unfold(Function):
    """UnfoldBackward0. The view of the windows; backward adds each window's gradient back."""

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.args = (x._data.shape, dim, size, step)
        if x._data.ndim == 0:  # torch: one window, of `size` (0 or 1) copies of the one element
            return x._data.reshape(1)[:size]
        return _windows(x._data, dim, size, step)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.args[0]:
            return grad.sum(), None, None, None
        return UnfoldBackward.apply(grad, *ctx.args), None, None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        if not ctx.args[0]:
            return np.asarray(grad.sum()), None, None, None
        return _fold_back(grad, *ctx.args), None, None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d unfold(x) = unfold(dx): the windows of the tangent (a view of it)."""
        return unfold(dx, *ctx.primals[1:])


class UnfoldBackward(Function):
    """UnfoldBackwardBackward0. The adjoint of Unfold (windows added back into `shape`); its
    gradient is the windows of the incoming gradient."""

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        return _fold_back(g._data, shape, dim, size, step)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, *ctx.args), None, None, None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        return _windows(grad, *ctx.args), None, None, None, None

    @staticmethod
    def jvp(ctx, dg, *_):
        """Linear: the tangent's windows added back the same way."""
        return UnfoldBackward.apply(dg, *ctx.primals[1:])


def unfold(input, dimension, size, step):
    """input.unfold(dimension, size, step); a 0-d tensor counts as one element along dim 0."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold(): argument 'self' must be Tensor, not {type(input).__name__}")
    for name, v in (("dimension", dimension), ("size", size), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"unfold(): argument '{name}' must be int, not {type(v).__name__}")
    d = _wrap_dim(dimension, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    out = Unfold.apply(input, d, int(size), int(step))
    if np.may_share_memory(out._data, input._data):
        out._version = input._version
    return out
