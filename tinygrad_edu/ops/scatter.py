"""Writing at indices along a dim: scatter (src or value) and scatter_add, gather's two adjoints.

For dim=0 on 2-D tensors, scatter writes out[index[i][j]][j] = src[i][j] and scatter_add adds it
there; every other element of out is the input's. `index` may be smaller than src (only its first
index.shape elements of src are read) and, apart from dim, than the input.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .index import Gather, IndexAdd, _open_mesh
from .reduce_checks import not_tensor


def _src_part(src, idx_shape):
    """The part of src that is read: its first idx_shape elements (a basic index)."""
    return tuple(slice(0, n) for n in idx_shape)


def _src_grad(grad, ctx):
    """d src = g gathered at index (Gather), in zeros of src's shape beyond index's shape."""
    picked = Gather.apply(grad, ctx.dim, Tensor._wrap(ctx.idx))
    if ctx.src_shape == ctx.idx.shape:
        return picked
    return IndexAdd.apply(picked, ctx.src_shape, _src_part(None, ctx.idx.shape), True)


class Scatter(Function):
    """ScatterBackward0 (src tensor), ScatterBackward1 (a number value). out = x, then
    out[index[i][j]][j] = src[i][j] (dim 0). dx = g with zeros where something was written;
    dsrc[i][j] = g[index[i][j]][j] (a gather), zero for the elements of src that were not read."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        idx = index._data
        ctx.dim, ctx.idx, ctx.mesh = dim, idx, _open_mesh(idx, dim)
        out = np.array(x._data, order="C")
        if isinstance(src, Tensor):
            ctx.src_shape = src._data.shape
            out[ctx.mesh] = src._data[_src_part(src, idx.shape)]
        else:
            ctx.torch_name, ctx.src_shape = "ScatterBackward1", None
            out[ctx.mesh] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        keep = np.ones(grad.shape, dtype=grad._data.dtype)
        keep[ctx.mesh] = 0
        gsrc = _src_grad(grad, ctx) if ctx.src_shape is not None and ctx.needs_input_grad[3] else None
        return grad * Tensor._wrap(keep), None, None, gsrc

    @staticmethod
    def jvp(ctx, dx, _d, _i, dsrc):
        """d out = dx with dsrc written at index (zeros where a number was written)."""
        return Scatter.apply(dx, ctx.dim, ctx.primals[2], 0 if dsrc is None else dsrc)


class ScatterAdd(Function):
    """ScatterAddBackward0. out = x, then out[index[i][j]][j] += src[i][j] (dim 0; repeated indices
    accumulate). dx = g; dsrc[i][j] = g[index[i][j]][j] (a gather), zero where src was not read."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        idx = index._data
        ctx.dim, ctx.idx, ctx.src_shape = dim, idx, src._data.shape
        out = np.array(x._data, order="C")
        np.add.at(out, _open_mesh(idx, dim), src._data[_src_part(src, idx.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None, (_src_grad(grad, ctx) if ctx.needs_input_grad[3] else None)

    @staticmethod
    def jvp(ctx, dx, _d, _i, dsrc):
        """Linear: d out = scatter_add(dx, dim, index, dsrc)."""
        return ScatterAdd.apply(dx, ctx.dim, ctx.primals[2], dsrc)


_REDUCE_AT = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dtype):
    """What a position starts from when include_self=False: the reduction's neutral element."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    big = np.inf if dtype.kind == "f" else info.max
    return -big if reduce == "amax" and dtype.kind == "f" else (info.min if reduce == "amax" else big)


class ScatterReduce(Function):
    """ScatterReduceBackward0. out[p] = reduce({x[p]} (if include_self) and the src elements scattered to p),
    for reduce in sum, prod, mean, amax, amin; positions nothing is scattered to keep x. Gradients, per
    position p with members m (x[p] if included, and its src elements):
    sum: dm = g[p]; mean: dm = g[p] / (number of members);
    amax/amin: dm = g[p] / k for the k members equal to out[p], 0 for the others (k counts x[p] when
    it equals out[p] even if include_self=False, as torch does);
    prod: dm = g[p] * (product of the other members), multiplied out without dividing by zeros.
    An x[p] left out (include_self=False) at a scattered p gets 0; an unscattered x[p] gets g[p]."""

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        idx = index._data
        part = src._data[_src_part(src, idx.shape)]
        mesh = _open_mesh(idx, dim)
        ctx.dim, ctx.idx, ctx.src_shape, ctx.reduce, ctx.include_self = dim, idx, src._data.shape, reduce, include_self
        out = np.array(x._data, order="C")
        hit = np.zeros(out.shape, bool)
        hit[mesh] = True
        if not include_self:
            out[hit] = _identity(reduce, out.dtype)
        _REDUCE_AT[reduce].at(out, mesh, part)
        counts = np.zeros(out.shape, np.int64)
        np.add.at(counts, mesh, 1)
        counts += 1 if include_self else 0
        counts[~hit] = 1
        if reduce == "mean":
            out = out / counts.astype(out.dtype) if out.dtype.kind == "f" else out // counts
        ctx.hit, ctx.counts = hit, counts
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, src, out = ctx.saved_tensors
        keep = Tensor._wrap((~ctx.hit if not ctx.include_self else np.ones(ctx.hit.shape, bool)).astype(grad._data.dtype))
        gather = lambda t: Gather.apply(t, ctx.dim, Tensor._wrap(ctx.idx))  # noqa: E731
        part = src[_src_part(src, ctx.idx.shape)] if ctx.src_shape != ctx.idx.shape else src
        if ctx.reduce in ("sum", "mean"):
            share = grad / Tensor._wrap(ctx.counts.astype(grad._data.dtype)) if ctx.reduce == "mean" else grad
            gx, gsrc = share * keep, gather(share)
        elif ctx.reduce == "prod":
            gx, gsrc = _prod_grads(ctx, x, part, grad, keep)
        else:
            gx, gsrc = _extreme_grads(ctx, x, part, out, grad, keep)
        if ctx.src_shape != ctx.idx.shape:
            gsrc = IndexAdd.apply(gsrc, ctx.src_shape, _src_part(None, ctx.idx.shape), True)
        return gx, None, None, gsrc, None, None

    @staticmethod
    def jvp(ctx, dx, _d, _i, dsrc, *_):
        """out[p] depends only on its members m, so d out[p] = sum_m (d out[p] / d m) dm, the
        derivatives being backward's gradients for g = 1: cx * dx + scatter_add(0, cs * dsrc)."""
        ones = Tensor._wrap(np.ones(ctx.result._data.shape, ctx.result._data.dtype))
        cx, _, _, cs, _, _ = ScatterReduce.backward(ctx, ones)
        spread = ScatterAdd.apply(Tensor._wrap(np.zeros_like(ones._data)), ctx.dim, ctx.primals[2], cs * dsrc)
        return cx * dx + spread


def _extreme_grads(ctx, x, part, out, grad, keep):
    """amax/amin: the members equal to the result share its gradient evenly."""
    dtype = grad._data.dtype
    self_wins = x._data == out._data  # counted also when include_self=False, as torch counts it
    src_wins = part._data == np.take_along_axis(out._data, ctx.idx, ctx.dim)
    winners = self_wins.astype(dtype)
    np.add.at(winners, _open_mesh(ctx.idx, ctx.dim), src_wins.astype(dtype))
    share = grad / Tensor._wrap(np.maximum(winners, 1))
    gsrc = Gather.apply(share, ctx.dim, Tensor._wrap(ctx.idx)) * Tensor._wrap(src_wins.astype(dtype))
    return share * Tensor._wrap(self_wins.astype(dtype)) * keep, gsrc


def _prod_grads(ctx, x, part, grad, keep):
    """prod: each member's derivative is the product of the other members of its position. With
    nz = the product of a position's non-zero members and z = how many are zero, a non-zero member's
    is nz / m if z == 0 (else 0), a zero member's is nz if z == 1 (else 0)."""
    from .elementwise import where
    mesh, dtype = _open_mesh(ctx.idx, ctx.dim), grad._data.dtype
    x_zero, s_zero = x._data == 0, part._data == 0
    zeros = (x_zero & keep._data.astype(bool)).astype(np.int64)  # a left-out x is no member
    np.add.at(zeros, mesh, s_zero.astype(np.int64))
    one = Tensor._wrap(np.ones((), dtype))
    nz = ScatterReduce.apply(where(Tensor._wrap(x_zero), one, x), ctx.dim, Tensor._wrap(ctx.idx),
                             where(Tensor._wrap(s_zero), one, part), "prod", ctx.include_self)
    z_at_src = np.take_along_axis(zeros, ctx.idx, ctx.dim)

    def others(member, is_zero, z):
        nonzero_case = nz_at(member) / where(Tensor._wrap(is_zero), one, member) * Tensor._wrap((z == 0).astype(dtype))
        return where(Tensor._wrap(is_zero), nz_at(member) * Tensor._wrap((z == 1).astype(dtype)), nonzero_case)
    nz_at = lambda m: nz if m is x else Gather.apply(nz, ctx.dim, Tensor._wrap(ctx.idx))  # noqa: E731
    gx = grad * others(x, x_zero, zeros) * keep
    gsrc = Gather.apply(grad, ctx.dim, Tensor._wrap(ctx.idx)) * others(part, s_zero, z_at_src)
    return gx, gsrc


# ---- public functions ----------------------------------------------------------------------------------
def _shape_error(idx, x, d, src):
    message = f"Expected index {list(idx.shape)} to be no larger than self {list(x.shape)} apart from dimension {d}"
    if src is not None:
        message += f" and to be no larger size than src {list(src.shape)}"
    return RuntimeError(message)


def check_scatter(name, x, dim, index, src):
    """torch's refusals of scatter's arguments; returns the wrapped dim."""
    if not isinstance(x, Tensor):
        raise not_tensor(name, x)
    if not isinstance(index, Tensor):
        raise not_tensor(name, index, "index", 3)
    data, idx = x._data, index._data
    d = _wrap_dim(dim, data.ndim)
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    s = src._data if isinstance(src, Tensor) else None
    if s is not None and s.dtype != data.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (self {x.dtype}, src "
                           f"{src.dtype})")
    if idx.size == 0:
        return d
    if data.ndim == 0 and idx.ndim <= 1:  # a 0-d input reads as one element, as do a 0-d index and src
        idx, data, s = idx.reshape(-1), data.reshape(1), (s.reshape(-1) if s is not None and s.ndim == 0 else s)
    if idx.ndim != data.ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as self tensor (index "
                           f"{idx.ndim}-D, self {data.ndim}-D)")
    if s is not None and s.ndim != idx.ndim:
        _wrap_dim(idx.ndim - 1, s.ndim)  # torch reads src.size(k) for each of index's dims: IndexError
    shape = data.shape
    if any(n > shape[k] for k, n in enumerate(idx.shape) if k != d) or (
            s is not None and any(n > s.shape[k] for k, n in enumerate(idx.shape))):
        raise _shape_error(idx, data, d, s)
    lo, hi = idx.min(), idx.max()
    if lo < 0 or hi >= shape[d]:
        raise RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for dimension {d} with size {shape[d]}")
    return d


def _as_1d(fn, x, d, index, src):
    """torch reads a 0-d input (and its 0-d index and src) as one element."""
    if x._data.ndim:
        return fn(x, d, index, src)
    src = src.reshape(1) if isinstance(src, Tensor) else src
    inner = fn(x.reshape(1), d, index.reshape(-1), src)
    out = inner.reshape(())
    return named(out, inner.grad_fn.name()) if inner.grad_fn is not None else out  # torch's node name


def _value_or_src(name, src, value):
    if src is None:
        src = value
    if src is None:
        raise TypeError(f"{name}() missing required argument 'src' or 'value'")
    if isinstance(src, Tensor):
        return src
    if isinstance(src, (bool, int, float, np.number)):
        return src
    raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, int, Tensor, "
                    f"{type(src).__name__}), but expected one of: (Tensor input, int dim, Tensor index, "
                    f"Tensor src), (Tensor input, int dim, Tensor index, Number value)")


def scatter(input, dim, index, src=None, *, value=None):
    """torch.scatter(input, dim, index, src) or (input, dim, index, value): a copy of input with src's
    elements (or the number value) written at index along dim."""
    src = _value_or_src("scatter", src, value)
    if isinstance(src, Tensor) and src._data.ndim == 0 and index._data.ndim != 0:
        src = src._data.item()  # torch takes a 0-d src as the value overload
    d = check_scatter("scatter", input, dim, index, src)
    return _as_1d(Scatter.apply, input, d, index, src)


def scatter_add(input, dim, index, src):
    """torch.scatter_add: a copy of input with src's elements added at index along dim."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")
    d = check_scatter("scatter_add", input, dim, index, src)
    return _as_1d(ScatterAdd.apply, input, d, index, src)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """torch.scatter_reduce: a copy of input where each position that index sends src elements to holds
    their reduction ("sum", "prod", "mean", "amax", "amin"), with input's own value when include_self."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")
    if reduce not in _REDUCE_AT:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(include_self, bool):
        raise TypeError(f"scatter_reduce(): argument 'include_self' must be bool, not {type(include_self).__name__}")
    d = check_scatter("scatter_reduce", input, dim, index, src)
    return _as_1d(lambda x, d_, i, s: ScatterReduce.apply(x, d_, i, s, reduce, include_self), input, d, index, src)
