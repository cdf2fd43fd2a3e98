"""Diagonals: diagonal (a view of one diagonal of every matrix of a batch), diag_embed (its adjoint:
vectors written onto a diagonal of zero matrices) and diag (1-D -> 2-D by diag_embed, 2-D -> 1-D by
diagonal, copied).

As in torch, diagonal(x, offset, dim1, dim2) removes dims dim1 and dim2 and appends the diagonal as
the last dim; offset > 0 is above the main diagonal, offset < 0 below. diag_embed(v, offset, dim1,
dim2) is built so that diagonal(diag_embed(v, o, d1, d2), o, d1, d2) is v again: the two are each
other's adjoint, so each one's backward is the other.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .view_scatter import _view_of


def diagonal_view(a, offset, dim1, dim2):
    """The writable numpy view of a's diagonal (np.diagonal's is read-only): a basic slice that moves
    the start to the diagonal, then np.diagonal's shape and strides on it."""
    index = [slice(None)] * a.ndim
    if offset >= 0:
        index[dim2] = slice(offset, None)
    else:
        index[dim1] = slice(-offset, None)
    start = a[tuple(index)]
    d = np.diagonal(start, 0, dim1, dim2)
    return np.lib.stride_tricks.as_strided(start, d.shape, d.strides, writeable=start.flags.writeable)


def _scatter_diagonal(v, shape, offset, dim1, dim2):
    """Zeros of `shape` with v written onto the diagonal (offset, dim1, dim2)."""
    out = np.zeros(shape, v.dtype)
    diagonal_view(out, offset, dim1, dim2)[...] = v
    return out


class Diagonal(Function):
    """DiagonalBackward0 (DiagonalBackward0_copy for diag of a matrix, a copy). The gradient is
    written back onto the same diagonal of zeros of the input's shape (diag_embed's forward)."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2, copy=False):
        ctx.args, ctx.in_shape = (offset, dim1, dim2), x._data.shape
        if copy:
            ctx.torch_name = "DiagonalBackward0_copy"
            return np.diagonal(x._data, offset, dim1, dim2).copy()
        return diagonal_view(x._data, offset, dim1, dim2)  # writable: in-place changes rebase x (view_scatter.py)

    @staticmethod
    def backward(ctx, grad):
        return (DiagEmbed.apply(grad, ctx.in_shape, *ctx.args),) + (None,) * 4

    @staticmethod
    def backward_arrays(ctx, grad):
        return (_scatter_diagonal(grad, ctx.in_shape, *ctx.args),) + (None,) * 4

    @staticmethod
    def jvp(ctx, dx, *_):
        """d diagonal(x) = diagonal(dx) (a view of the tangent, or a copy for diag's)."""
        copy = ctx.primals[4] if len(ctx.primals) > 4 else False
        return Diagonal.apply(dx, *ctx.args, True) if copy else diagonal(dx, *ctx.args)


class DiagEmbed(Function):
    """DiagEmbedBackward0. v onto the diagonal (offset, dim1, dim2) of zeros of `shape`; the gradient
    is that diagonal of the incoming gradient."""

    @staticmethod
    def forward(ctx, v, shape, offset, dim1, dim2):
        ctx.args = (offset, dim1, dim2)
        return _scatter_diagonal(v._data, shape, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return (Diagonal.apply(grad, *ctx.args, False),) + (None,) * 4

    @staticmethod
    def backward_arrays(ctx, grad):
        return (np.diagonal(grad, *ctx.args),) + (None,) * 4

    @staticmethod
    def jvp(ctx, dv, *_):
        """Linear: d diag_embed(v) = diag_embed(dv)."""
        return DiagEmbed.apply(dv, ctx.primals[1], *ctx.args)


# ---- public functions ----------------------------------------------------------------------------
def _check(fname, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _int_arg(fname, name, pos, v):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be int, not {type(v).__name__}")
    return int(v)


def _dims(n, dim1, dim2):
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input, offset=0, dim1=0, dim2=1):
    _check("diagonal", input)
    offset = _int_arg("diagonal", "offset", 2, offset)
    d1, d2 = _dims(input._data.ndim, dim1, dim2)
    return _view_of(Diagonal.apply(input, offset, d1, d2, False), input, lambda b: diagonal(b, offset, d1, d2))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    _check("diag_embed", input)
    offset = _int_arg("diag_embed", "offset", 2, offset)
    n = input._data.ndim + 1
    d1, d2 = _dims(n, dim1, dim2)  # a 0-d input has no dim -2 of its result: IndexError, as torch
    size = input._data.shape[-1] + abs(offset)
    rest = iter(input._data.shape[:-1])
    shape = tuple(size if i in (d1, d2) else next(rest) for i in range(n))
    return DiagEmbed.apply(input, shape, offset, d1, d2)


def diag(input, diagonal=0):
    """A vector onto the diagonal of a square matrix (of side n + |diagonal|), or a matrix's diagonal
    as a new vector."""
    _check("diag", input)
    diagonal = _int_arg("diag", "diagonal", 2, diagonal)
    ndim = input._data.ndim
    if ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if ndim == 2:
        return Diagonal.apply(input, diagonal, 0, 1, True)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
