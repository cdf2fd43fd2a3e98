"""More indexing: take, take_along_dim, index_add, index_copy, index_fill, masked_scatter, put, index_put.

Each is the Index / IndexAdd / IndexPut / Gather machinery of index.py with torch's argument rules
in front (and torch's node name on the result), so each backward is the one already there:

    take(x, i)                 = x.flatten()[i]               dx: g added back at i
    index_add(x, d, i, s, a)   = x + a * (zeros with s added at i along d)    dx = g, ds = a * g[i]
    index_copy(x, d, i, s)     = x with x[.., i, ..] = s      dx = g with zeros at i, ds = g[i]
    index_fill(x, d, i, v)     = x with x[.., i, ..] = v      dx = g with zeros at i, dv = sum of g[i]
    masked_scatter(x, m, s)    = x with its masked places filled from s in order
"""
import numpy as np

from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .index import IndexAdd, IndexPut, getitem, gather
from .reduce_checks import check_tensors

def _long_index(name, index, allow_int32=True):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    d = index._data
    if d.dtype != np.int64 and not (allow_int32 and d.dtype == np.int32):
        kind = {np.dtype(np.float32): "Float", np.dtype(np.float64): "Double", np.dtype(np.int32): "Int",
                np.dtype(np.bool_): "Bool"}.get(d.dtype, str(d.dtype))
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got {kind}")
    return d


def take(input, index):
    check_tensors("take", input)
    idx = _long_index("take", index, allow_int32=False)
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return named(getitem(input.reshape(-1), np.where(idx < 0, idx + n, idx)), "TakeBackward0")


def take_along_dim(input, indices, dim=None):
    check_tensors("take_along_dim", input)
    _long_index("take_along_dim", indices)
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    x, idx = input, indices
    if x._data.ndim != idx._data.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {x._data.ndim} dimensions for input, and {idx._data.ndim} dimensions for indices")
    d = _wrap_dim(dim, x._data.ndim)
    xs, ix = list(x._data.shape), list(idx._data.shape)
    xs[d] = ix[d] = 1
    from .elementwise import _check_broadcast
    _check_broadcast(tuple(xs), tuple(ix))
    shape = np.broadcast_shapes(tuple(xs), tuple(ix))
    xb = x.expand(*shape[:d], x._data.shape[d], *shape[d + 1:])
    ib = idx.expand(*shape[:d], idx._data.shape[d], *shape[d + 1:])
    return gather(xb, d, ib)


def _check_dim_index(name, x, dim, index):
    d = _wrap_dim(dim, max(x._data.ndim, 1))
    idx = _long_index(name, index)
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    size = x._data.shape[d] if x._data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return d, idx.reshape(-1)


def _check_source(name, x, d, idx, source):
    check_tensors(name, x, source)
    s, xs = source._data.shape, x._data.shape
    n = s[d] if source._data.ndim else 1
    if n != idx.size:
        raise RuntimeError(f"{name}(): Number of indices ({idx.size}) should be equal to source.size(dim): ({n}), "
                           f"for dim: {d}")
    if len(s) != len(xs) or any(a != b for k, (a, b) in enumerate(zip(s, xs)) if k != d):
        raise RuntimeError(f"{name}(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {list(xs[:d] + xs[d + 1:])} at dimension {d} and source slice shape: "
                           f"{list(s[:d] + s[d + 1:])} at dimension 0.")
    if source._data.dtype != x._data.dtype:
        raise RuntimeError(f"{name}(): self ({x.dtype.scalar_name}) and source ({source.dtype.scalar_name}) must "
                           f"have the same scalar type")


def _along(d, idx):
    return (slice(None),) * d + (idx,)


def index_add(input, dim, index, source, *, alpha=1):
    d, idx = _check_dim_index("index_add", input, dim, index)
    _check_source("index_add", input, d, idx, source)
    if input._data.ndim == 0:
        return named(input + source.reshape(()) * alpha * float(idx.size), "IndexAddBackward0")
    spread = IndexAdd.apply(source, input._data.shape, _along(d, idx), False)
    out = input + (spread if alpha == 1 else spread * alpha)
    if not out._data.flags.c_contiguous:  # a fresh result: torch's is contiguous
        out._data = np.ascontiguousarray(out._data)
    return named(out, "IndexAddBackward0")


def index_copy(input, dim, index, source):
    d, idx = _check_dim_index("index_copy", input, dim, index)
    _check_source("index_copy", input, d, idx, source)
    if input._data.ndim == 0:
        return named(source.reshape(()).clone(), "IndexCopyBackward0")
    return named(IndexPut.apply(input, _along(d, idx), False, source), "IndexCopyBackward0")


def index_fill(input, dim, index, value):
    d, idx = _check_dim_index("index_fill", input, dim, index)
    name = "IndexFillBackward0"
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        value, name = value.to(input.dtype), "IndexFillBackward1"
    else:
        value = np.asarray(value, dtype=input._data.dtype)
    if input._data.ndim == 0:
        out = IndexPut.apply(input, (), True, value)
    else:
        out = IndexPut.apply(input, _along(d, idx), False, value)
    return named(out, name)


def masked_scatter(input, mask, source):
    check_tensors("masked_scatter", input, mask, source)
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name.replace('torch.', '')}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{input.dtype.scalar_name} and {source.dtype.scalar_name}")
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    x = input.expand(*shape) if input._data.shape != shape else input
    m = np.broadcast_to(mask._data, shape)
    count = int(m.sum())
    if count > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    values = source.reshape(-1)[:count]
    return named(IndexPut.apply(x, (m,), False, values), "MaskedScatterBackward0")


def put(input, index, source, accumulate=False):
    """out-of-place Tensor.put_: the flattened input with source written (or added) at index."""
    check_tensors("put", input, source)
    idx = _long_index("put_", index, allow_int32=False).reshape(-1)
    n = input._data.size
    if idx.size != source._data.size:
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source._data.size}, index.numel() = {idx.size}")
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    idx = np.where(idx < 0, idx + n, idx)
    flat, src = input.reshape(-1), source.reshape(-1).to(input.dtype)
    if accumulate:
        out = flat + IndexAdd.apply(src, (n,), (idx,), False)
    else:
        out = IndexPut.apply(flat, (idx,), False, src)
    return named(out.reshape(input._data.shape), "PutBackward0")


def index_put(input, indices, values, accumulate=False):
    """torch.index_put: input with input[indices] = values (a tuple of index tensors, as advanced
    indexing), or += with accumulate=True (repeated positions summed: IndexAdd, the adjoint of Index)."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    check_tensors("index_put", input, values)
    if values._data.dtype != input._data.dtype:
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "bool": "Bool", "int16": "Short", "int8": "Char", "uint8": "Byte"}
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{names.get(input._data.dtype.name)} for the destination and "
                           f"{names.get(values._data.dtype.name)} for the source.")
    if not accumulate:
        return _put_at(input, tuple(indices), values)
    from .index import normalize_index
    from .shape import expand
    idx, basic = normalize_index(tuple(indices))
    region = input._data[idx].shape
    return named(input + IndexAdd.apply(expand(values, region), input._data.shape, idx, basic), "IndexPutBackward0")


def _put_at(input, indices, values):
    from .index import index_put as _setitem
    return _setitem(input, indices, values)
