"""Indexing: x[idx], x[idx] = v, gather, index_select, masked_fill, and embedding (rows of a table).

Backward of reading x[idx] scatters the gradient back into a zero tensor of x's shape; with
integer-array indices the same element may be read more than once, so the scatter *adds*
(np.add.at) and repeated indices accumulate their gradients.
"""
import numpy as np


from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .view_scatter import _view_of


def normalize_index(index):
    """Turn an index into (numpy index, is_basic). Tensors and lists become arrays.

    numpy and torch differ when integers meet advanced (array) indices: numpy broadcasts the
    integers with the arrays, torch first selects at the integers (basic indexing), then applies
    the advanced index to what remains. Such an index becomes an `IntsFirst`, read in those two
    steps (see `target`)."""
    items = index if isinstance(index, tuple) else (index,)
    out, basic, has_int = [], True, False
    for it in items:
        if isinstance(it, Tensor):
            it = it._data
            if it.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if it.ndim == 0 and it.dtype.kind in "iu":
                it = int(it)
        elif isinstance(it, (list, np.ndarray)):
            it = np.asarray(it)
            if it.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif type(it) is slice and it.step is not None and it.step < 1:
            raise ValueError("step must be greater than zero" if it.step else "slice step cannot be zero")
        if isinstance(it, np.ndarray) or isinstance(it, (bool, np.bool_)):
            basic = False
        elif not has_int and _is_int(it):
            has_int = True
        out.append(it)
    if basic and not any(it is Ellipsis for it in out):
        out.append(Ellipsis)  # keeps x[0] of a 1-D tensor a 0-d *view*, not a numpy scalar copy
    if has_int and not basic and any(isinstance(it, np.ndarray) for it in out):
        return IntsFirst(out), False
    return tuple(out), basic


def _is_int(item):
    return isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_))


class IntsFirst:
    """An index mixing integers and arrays, applied as torch does: `pre` selects at the integers
    (a view), `rest` is the advanced index on that view."""
    __slots__ = ("pre", "rest")

    def __init__(self, items):
        pre, rest = [], []
        for it in items:
            if _is_int(it):
                pre.append(it)
            else:
                rest.append(it)
                if it is Ellipsis:
                    pre.append(Ellipsis)
                elif isinstance(it, np.ndarray):  # a bool mask spans as many dims as it has
                    pre.extend([slice(None)] * (it.ndim if it.dtype == np.bool_ else 1))
                elif isinstance(it, slice):
                    pre.append(slice(None))
        self.pre, self.rest = tuple(pre), tuple(rest)


def _read(array, index):
    try:
        return array[index]
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None


def target(array, index):
    """(the array an index applies to, the index to apply there): a view selected at the integers
    first for an IntsFirst, else the array itself."""
    if type(index) is IntsFirst:
        return _read(array, index.pre), index.rest
    return array, index


class Index(Function):
    """x[index] (SliceBackward0, SelectBackward0, IndexBackward0, ...: named by getitem).
    dx = zeros like x with g added at index (IndexAdd: repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, x, index, basic):
        ctx.shape, ctx.index, ctx.basic = x._data.shape, index, basic
        view, rest = target(x._data, index)
        out = _read(view, rest)
        return out if basic or out.flags.c_contiguous else out.copy()  # torch's advanced index gives a fresh contiguous tensor

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.shape, ctx.index, ctx.basic), None, None

    @staticmethod
    def backward_arrays(ctx, grad):  # IndexAdd's forward, straight on the array
        return _scatter_add(grad, ctx.shape, ctx.index, ctx.basic), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d(x[index]) = dx[index]; a basic index gives a view, and so the tangent is a view of dx."""
        return _index_view(dx, ctx.index, ctx.basic)


def _index_view(t, index, basic):
    """t[index] (a normalized index), a view of t (sharing its version, redoable) when basic."""
    out = Index.apply(t, index, basic)
    return _view_of(out, t, lambda b: _index_view(b, index, basic)) if basic else out


def _scatter_add(values, shape, index, basic):
    """zeros(shape) with `values` added at `index`; repeated integer indices accumulate."""
    out = np.zeros(shape, dtype=values.dtype)
    view, rest = target(out, index)
    if basic:
        view[rest] = values
    else:
        np.add.at(view, rest, values)
    return out


class IndexAdd(Function):
    """IndexAddBackward0 (torch names this adjoint after its caller: IndexPutImplBackward0 for
    x[idx]'s, ScatterAddBackward0 for gather's). y = zeros(shape) with `grad` added at `index`
    (repeats accumulate); dgrad = g[index] (Index: reading back where it was added)."""

    @staticmethod
    def forward(ctx, grad, shape, index, basic):
        ctx.index, ctx.basic = index, basic
        return _scatter_add(grad._data, shape, index, basic)

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, ctx.index, ctx.basic), None, None, None

    @staticmethod
    def jvp(ctx, dgrad, *_):
        """Linear in its input: the same scatter-add of the tangent."""
        return IndexAdd.apply(dgrad, ctx.primals[1], ctx.index, ctx.basic)


class IndexPut(Function):
    """IndexPutBackward0. out = x with out[index] = v. dx = g with zeros where x was overwritten;
    dv = g[index], summed down to v's shape where v was broadcast."""

    @staticmethod
    def forward(ctx, x, index, basic, v):
        out = x._data.copy(order="K")  # in x's layout, as torch's (a transposed x gives a transposed result)
        view, rest = target(out, index)
        _assign(view, rest, v._data if isinstance(v, Tensor) else v)
        ctx.index, ctx.basic = index, basic
        ctx.v_shape = v._data.shape if isinstance(v, Tensor) else None
        return out

    @staticmethod
    def backward(ctx, grad):
        keep = np.ones(grad._data.shape, dtype=grad._data.dtype)
        view, rest = target(keep, ctx.index)
        view[rest] = 0
        gx = grad * Tensor._wrap(keep)
        gv = None
        if ctx.v_shape is not None and ctx.needs_input_grad[3]:
            from ..autograd.broadcast import unbroadcast
            gv = unbroadcast(Index.apply(grad, ctx.index, ctx.basic), ctx.v_shape)
        return gx, None, None, gv

    @staticmethod
    def jvp(ctx, dx, _i, _b, dv):
        """d out = dx with d out[index] = dv (0 where a number was written)."""
        return IndexPut.apply(dx, ctx.index, ctx.basic, 0 if dv is None else dv)


def _open_mesh(index_array, dim):
    """Numpy index that picks out[i][j][k] = x[i][index[i][j][k]][k] (for dim=1), as gather does."""
    mesh = list(np.indices(index_array.shape, sparse=True))
    mesh[dim] = index_array
    return tuple(mesh)


class Gather(Function):
    """GatherBackward0. out[i][j][k] = x[i][index[i][j][k]][k] (for dim=1);
    dx = zeros like x with g added at those positions (IndexAdd: repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, x, dim, index):
        idx, ctx.scalar = index._data, x._data.ndim == 0  # a 0-d x reads as 1-d, the result has index's shape
        ctx.shape, ctx.out_shape = x._data.shape, idx.shape
        ctx.mesh = _open_mesh(idx.reshape(-1) if ctx.scalar else idx, dim)
        out = _read(x._data.reshape(-1) if ctx.scalar else x._data, ctx.mesh)
        out = out.reshape(idx.shape)
        return out if out.flags.c_contiguous else out.copy()

    @staticmethod
    def backward(ctx, grad):
        if ctx.scalar:
            return IndexAdd.apply(grad.reshape(-1), (1,), ctx.mesh, False).reshape(()), None, None
        return IndexAdd.apply(grad, ctx.shape, ctx.mesh, False), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d gather(x, dim, index) = gather(dx, dim, index)."""
        return Gather.apply(dx, ctx.primals[1], ctx.primals[2])


class EmbeddingLookup(Function):
    """EmbeddingBackward0 (torch.embedding). out = weight[idx]; dW = zeros like weight with the rows
    of g added at idx (repeats accumulate), each row scaled by 1 / (how often its index occurs) when
    scale_grad_by_freq, and none for padding_idx. (The gradient is always dense.)"""

    @staticmethod
    def forward(ctx, weight, idx, padding_idx, scale_grad_by_freq):
        ctx.shape, ctx.idx, ctx.padding_idx, ctx.by_freq = weight._data.shape, idx, padding_idx, scale_grad_by_freq
        return weight._data[idx]

    @staticmethod
    def backward(ctx, g):
        scale = _embedding_scale(ctx, g._data.dtype)
        if scale is not None:
            g = g * Tensor._wrap(scale)
        return IndexAdd.apply(g, ctx.shape, (ctx.idx,), False), None, None, None

    @staticmethod
    def backward_arrays(ctx, g):
        scale = _embedding_scale(ctx, g.dtype)
        return _scatter_add(g * scale if scale is not None else g, ctx.shape, (ctx.idx,), False), None, None, None

    @staticmethod
    def jvp(ctx, dweight, *_):
        """d weight[idx] = dweight[idx] (scale_grad_by_freq and padding_idx only change the gradient)."""
        return EmbeddingLookup.apply(dweight, ctx.idx, None, False)


def _embedding_scale(ctx, dtype):
    """The per-row factor (idx.shape + (1,)) of the gradient, or None when every row counts once."""
    if ctx.padding_idx is None and not ctx.by_freq:
        return None
    idx = ctx.idx
    scale = np.ones(idx.shape, dtype)
    if ctx.by_freq:  # divide each row's gradient by how often its index occurs in the batch
        scale /= np.bincount(idx.ravel(), minlength=ctx.shape[0])[idx]
    if ctx.padding_idx is not None:
        scale[idx == ctx.padding_idx] = 0
    return scale[..., None]


# ---- public functions ----------------------------------------------------------------------------------
def getitem(x, index):
    idx, basic = normalize_index(index)
    out = Index.apply(x, idx, basic)
    if basic:
        _view_of(out, x, lambda b: getitem(b, index))  # a basic index is a view, as in torch
        if out.grad_fn is not None:
            out.grad_fn.torch_name = _basic_index_name(idx)
    return out


def _basic_index_name(idx):
    """torch applies a basic index one item at a time (select for an int, slice, unsqueeze for None);
    the last one that does something names the node."""
    for item in reversed(idx):
        if isinstance(item, (int, np.integer)):
            return "SelectBackward0"
        if item is None:
            return "UnsqueezeBackward0"
        if isinstance(item, slice) and item != slice(None):
            return "SliceBackward0"
    return "SliceBackward0" if any(isinstance(item, slice) for item in idx) else "AliasBackward0"


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _value_for(x, value):
    if value is None or isinstance(value, (str, bytes)):
        kind = _TYPE_NAMES.get(x._data.dtype.name, "")
        raise TypeError(f"can't assign a {type(value).__name__} to a torch.{kind}Tensor")
    if isinstance(value, Tensor):
        return value if value._data.dtype == x._data.dtype else value.to(x._data.dtype)
    return np.asarray(value, dtype=x._data.dtype) if not isinstance(value, (int, float, bool)) else value


def index_put(x, index, value):
    """Out-of-place x[index] = value; Tensor.__setitem__ writes the result back into x."""
    idx, basic = normalize_index(index)
    return IndexPut.apply(x, idx, basic, _value_for(x, value))


def write_index(x, index, value):
    """x._data[index] = value with no graph (no_grad, or nothing requires grad)."""
    idx, _ = normalize_index(index)
    v = _value_for(x, value)
    view, rest = target(x._data, idx)
    _assign(view, rest, v._data if isinstance(v, Tensor) else v)


def _assign(view, rest, value):
    """view[rest] = value, with torch's RuntimeError where the value does not broadcast (numpy's is
    a ValueError)."""
    try:
        view[rest] = value
    except ValueError:
        if np.ndim(value) == 0:
            raise
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(value))} cannot be broadcast "
                           f"to indexing result of shape {list(view[rest].shape)}") from None


def _index_tensor(fname, index, expected):
    """torch's refusals of an index argument that is not an int32/int64 Tensor."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' (position 3) must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{fname}(): Expected dtype {expected} for index")
    return index._data


def gather(input, dim, index, *, sparse_grad=False):
    """torch.gather. `sparse_grad=True` asks torch for a sparse gradient; here it is dense (same values)."""
    idx = _index_tensor("gather", index, "int32/int64")
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    if idx.ndim != nd and not (nd == 0 and idx.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(nd):
        if k != d and idx.shape[k] > input._data.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(idx.shape)} "
                               f"to be smaller than self {list(input._data.shape)} apart from dimension {d}")
    if idx.size:
        size = input._data.shape[d] if nd else 1
        lo, hi = idx.min(), idx.max()
        if lo < 0 or hi >= size:
            raise RuntimeError(f"index {lo if lo < 0 else hi} is out of bounds for dimension {d} with size {size}")
    return Gather.apply(input, d, index)


def index_select(input, dim, index):
    idx = _index_tensor("index_select", index, "int32 or int64")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:  # torch reads a 0-d input as one value: the index must be a single 0
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
        if int(idx.reshape(-1)[0]) != 0:
            raise IndexError("index out of range in self")
        return named(getitem(input, ()), "IndexSelectBackward0")
    if idx.size and (idx.min() < 0 or idx.max() >= input._data.shape[d]):
        raise IndexError("index out of range in self")
    return named(getitem(input, (slice(None),) * d + (idx.reshape(-1),)), "IndexSelectBackward0")


def masked_fill(input, mask, value):
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"masked_fill() received an invalid combination of arguments - got (Tensor, "
                        f"{type(value).__name__}), but expected one of: (Tensor mask, Tensor value), "
                        f"(Tensor mask, Number value)")
    if mask._data.shape != input._data.shape:
        from .elementwise import _check_broadcast
        _check_broadcast(mask._data.shape, input._data.shape)
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        value = value.to(input._data.dtype)
    from .elementwise import where
    out = where(mask, value if isinstance(value, Tensor) else
                Tensor._wrap(np.asarray(value, dtype=input._data.dtype)), input)
    if not out._data.flags.c_contiguous:  # a fresh result: torch's is contiguous
        out._data = out._data.copy()
    return named(out, "MaskedFillBackward0")


def masked_select(input, mask):
    return getitem(input, mask)


