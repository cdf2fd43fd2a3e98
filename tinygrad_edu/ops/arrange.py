"""Rearranging without computing: roll, repeat_interleave, and the triangles tril / triu."""
import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .reduce_checks import not_tensor


class Roll(Function):
    """RollBackward0. out[(i + s) mod n] = x[i] along each rolled dim (over the flattened tensor when
    dims is None); dx = g rolled by -s (rolling is a permutation, its adjoint rolls back)."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        out = np.roll(x._data, shifts, axis=dims).reshape(x._data.shape)
        return out if out.flags.c_contiguous else out.copy()

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.dims), None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        return np.roll(grad, tuple(-s for s in ctx.shifts), axis=ctx.dims).reshape(grad.shape), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d roll(x) = roll(dx) (a permutation of the elements)."""
        return Roll.apply(dx, ctx.shifts, ctx.dims)


class Tril(Function):
    """TrilBackward0. out[..., i, j] = x[..., i, j] if j - i <= diagonal else 0 (the lower triangle);
    dx = tril(g, diagonal)."""

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return np.ascontiguousarray(np.tril(x._data, diagonal))

    @staticmethod
    def backward(ctx, grad):
        return Tril.apply(grad, ctx.diagonal), None

    @staticmethod
    def backward_arrays(ctx, grad):
        return np.tril(grad, ctx.diagonal), None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d tril(x) = tril(dx)."""
        return Tril.apply(dx, ctx.diagonal)


class Triu(Function):
    """TriuBackward0. out[..., i, j] = x[..., i, j] if j - i >= diagonal else 0 (the upper triangle);
    dx = triu(g, diagonal)."""

    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return np.ascontiguousarray(np.triu(x._data, diagonal))

    @staticmethod
    def backward(ctx, grad):
        return Triu.apply(grad, ctx.diagonal), None

    @staticmethod
    def backward_arrays(ctx, grad):
        return np.triu(grad, ctx.diagonal), None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d triu(x) = triu(dx)."""
        return Triu.apply(dx, ctx.diagonal)


# ---- public functions ----------------------------------------------------------------------------------
def _int_tuple(name, arg, position, value):
    items = value if isinstance(value, (tuple, list)) else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be tuple of ints, not "
                            f"{type(v).__name__}")
    return tuple(int(v) for v in items)


def roll(input, shifts, dims=None):
    """torch.roll: elements shifted along dims (wrapping around); dims=None rolls the flattened tensor."""
    if not isinstance(input, Tensor):
        raise not_tensor("roll", input)
    shifts = _int_tuple("roll", "shifts", 2, shifts)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts, None)
    dims = _int_tuple("roll", "dims", 3, dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    nd = input._data.ndim
    if nd == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return Roll.apply(input, shifts, tuple(_wrap_dim(d, nd) for d in dims))


def _triangle(name, cls, input, diagonal):
    if not isinstance(input, Tensor):
        raise not_tensor(name, input)
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'diagonal' (position 2) must be int, not {type(diagonal).__name__}")
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions (got shape "
                           f"{list(input._data.shape)})")
    return cls.apply(input, int(diagonal))


def tril(input, diagonal=0):
    """torch.tril: the lower triangle of the last two dims (j - i <= diagonal), zeros above."""
    return _triangle("tril", Tril, input, diagonal)


def triu(input, diagonal=0):
    """torch.triu: the upper triangle of the last two dims (j - i >= diagonal), zeros below."""
    return _triangle("triu", Triu, input, diagonal)


def _repeats_array(repeats, size, dim):
    """repeats (int or int tensor) as an int64 array of `size` counts, with torch's refusals."""
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu":
            from ..dtypes import from_numpy_dtype
            raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                      f"'{from_numpy_dtype(r.dtype).scalar_name}'")
        if r.ndim > 1:
            raise RuntimeError(f"repeats must be 0-dim or 1-dim tensor (got shape {list(r.shape)})")
        if r.size == 1:
            r = np.full(size, int(r.reshape(-1)[0]), np.int64)
        elif r.shape[0] != size:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{r.shape[0]} and input.size({dim}) = {size}")
        if r.size and r.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return r.astype(np.int64, copy=False)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)):
        raise TypeError(f"repeat_interleave() received an invalid combination of arguments - got (Tensor, "
                        f"{type(repeats).__name__}), but expected one of: (Tensor input, Tensor repeats, int dim, "
                        f"*, int output_size), (Tensor repeats, *, int output_size), (Tensor input, int repeats, "
                        f"int dim, *, int output_size)")
    if repeats < 0:
        raise RuntimeError(f"Repeats must be non-negative (got {repeats})")
    return np.full(size, int(repeats), np.int64)


def _check_output_size(counts, output_size):
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got {output_size}")


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """torch.repeat_interleave: each element (or slice along dim) repeated `repeats` times, in place
    (1 1 2 2, where repeat gives 1 2 1 2). repeat_interleave(repeats) alone gives
    0 repeated repeats[0] times, 1 repeated repeats[1] times, ... ."""
    if not isinstance(input, Tensor):
        raise not_tensor("repeat_interleave", input)
    if repeats is None:
        r = input._data
        if r.dtype.kind in "iu" and r.ndim != 1:
            raise RuntimeError(f"repeat_interleave only accept 1D vector as repeat (got shape {list(r.shape)})")
        counts = _repeats_array(input, r.shape[0] if r.ndim == 1 else 0, 0)
        _check_output_size(counts, output_size)
        return Tensor._wrap(np.repeat(np.arange(r.shape[0], dtype=np.int64), counts))
    x = input
    if dim is None:
        x, d = input.reshape(-1), 0
    elif input._data.ndim == 0:  # torch unsqueezes a 0-d input after dim: only dim 0 / -1 of a 1-d view
        d = _wrap_dim(dim, 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {d + 1})")
    else:
        d = _wrap_dim(dim, input._data.ndim)
    counts = _repeats_array(repeats, x._data.shape[d], d)
    _check_output_size(counts, output_size)
    positions = np.repeat(np.arange(x._data.shape[d], dtype=np.int64), counts)
    from .index import getitem
    out = getitem(x, (slice(None),) * d + (positions,))
    return named(out, "IndexSelectBackward0" if isinstance(repeats, Tensor) else "ViewBackward0")
