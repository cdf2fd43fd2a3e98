"""More shape ops, each a composition of shape.py's (so each backward is already there): tile,
broadcast_to / broadcast_tensors / broadcast_shapes, atleast_1d/2d/3d, hstack / vstack / dstack /
column_stack / row_stack, tensor_split / hsplit / vsplit / dsplit, fliplr / flipud / rot90,
unflatten, sum_to_size; split / chunk / narrow / unbind (views, by indexing)."""
import numpy as np

from ..autograd.names import named
from ..size import Size
from ..tensor import Tensor, _wrap_dim
from .reduce_checks import check_tensors
from .shape import Reshape, _shape_arg, _tensor_list, cat, expand, flip, repeat, reshape, transpose


def split(tensor, split_size_or_sections, dim=0):
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(tensor, d, start, s))
        start += s
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input._data.shape[_wrap_dim(dim, input._data.ndim)]
    if n == 0:  # torch gives `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


def narrow(input, dim, start, length):
    d = _wrap_dim(dim, input._data.ndim)
    return input[(slice(None),) * d + (slice(start, start + length),)]


def unbind(input, dim=0):
    d = _wrap_dim(dim, input._data.ndim)
    return tuple(input[(slice(None),) * d + (i,)] for i in range(input._data.shape[d]))


def tile(input, *dims):
    dims = _shape_arg(dims, "tile")
    if any(d < 0 for d in dims):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(dims)}: {list(dims)}")
    dims = (1,) * (input._data.ndim - len(dims)) + tuple(dims)
    return repeat(input, dims)


def broadcast_to(input, shape):
    return expand(input, *shape)


def broadcast_shapes(*shapes):
    """The broadcast of the shapes (each a sequence of sizes or one int), as a Size."""
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    result = []
    for shape_nr, shape in enumerate(shapes):
        for i in range(1, len(shape) + 1):
            if shape[-i] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {shape[-i]}: {list(shape)}")
            if i > len(result):
                result.insert(0, shape[-i])
            elif result[-i] == 1:
                result[-i] = shape[-i]
            elif shape[-i] != 1 and shape[-i] != result[-i]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[-i]} at -{i}! Mismatching "
                                   f"argument at index {shape_nr} had {tuple(shape)}; but expected shape should be "
                                   f"broadcastable to {result}")
    return Size(result)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        check_tensors("broadcast_tensors", t)
    shape = tuple(broadcast_shapes(*[t._data.shape for t in tensors]))
    return tuple(t if t._data.shape == shape else expand(t, *shape) for t in tensors)


def _atleast(n, tensors):
    one = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    items = tensors if not (len(tensors) == 1 and isinstance(tensors[0], (list, tuple))) else tuple(tensors[0])
    out = []
    for t in items:
        check_tensors(f"atleast_{n}d", t)
        k = t._data.ndim
        if k == 0:
            t = reshape(t, (1,) * n)
        elif k < n:  # torch's unsqueezes: a row for 2-D; (1, n, 1) and (m, n, 1) for 3-D
            t = t.unsqueeze(0) if n == 2 or k == 1 else t
            t = t.unsqueeze(-1) if n == 3 else t
        out.append(t)
    return out[0] if one else tuple(out)


def atleast_1d(*tensors):
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    return _atleast(3, tensors)


def hstack(tensors):
    tensors = _atleast(1, (_tensor_list(tensors, "hstack"),))
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat(_atleast(2, (_tensor_list(tensors, "vstack"),)), 0)


row_stack = vstack


def dstack(tensors):
    return cat(_atleast(3, (_tensor_list(tensors, "dstack"),)), 2)


def column_stack(tensors):
    tensors = _tensor_list(tensors, "column_stack")
    return cat([t.reshape(-1, 1) if t._data.ndim <= 1 else t for t in tensors], 1)


def tensor_split(input, indices_or_sections, dim=0):
    """n pieces (the first n % size one element longer), or pieces cut before each listed index."""
    check_tensors("tensor_split", input)
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu" or ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have a long dtype and be 0-D or "
                               "1-D")
        ios = int(ios._data) if ios._data.ndim == 0 else [int(i) for i in ios._data]
    if isinstance(ios, (int, np.integer)):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        base, extra = divmod(size, int(ios))
        bounds = np.cumsum([0] + [base + 1] * extra + [base] * (int(ios) - extra))
    else:
        cuts = [min(max(i + size if i < 0 else i, 0), size) for i in ios]
        bounds = [0] + cuts + [size]
    return tuple(narrow(input, d, int(a), max(int(b) - int(a), 0)) for a, b in zip(bounds[:-1], bounds[1:]))


def _split_along(name, need, dim, input, ios):
    check_tensors(name, input)
    if input._data.ndim < need:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {need} dimension, but got a tensor with "
                           f"{input._data.ndim} dimensions!")
    if isinstance(ios, (int, np.integer)):
        size = input._data.shape[dim]
        if ios == 0 or size % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{size} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    return _split_along("hsplit", 1, 0 if input._data.ndim == 1 else 1, input, indices_or_sections)


def vsplit(input, indices_or_sections):
    return _split_along("vsplit", 2, 0, input, indices_or_sections)


def dsplit(input, indices_or_sections):
    return _split_along("dsplit", 3, 2, input, indices_or_sections)


def fliplr(input):
    check_tensors("fliplr", input)
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    check_tensors("flipud", input)
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by k quarter turns from dims[0] towards dims[1]: a flip and a transpose."""
    check_tensors("rot90", input)
    dims = list(dims)
    n = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = _wrap_dim(dims[0], n), _wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        out = transpose(flip(input, (d1,)), d0, d1)
    elif k == 2:
        out = flip(input, (d0, d1))
    elif k == 3:
        out = transpose(flip(input, (d0,)), d0, d1)
    else:
        out = input.clone()
    return named(out, "Rot90Backward0")  # (a transposed view for odd k, as torch's)


def unflatten(input, dim, sizes):
    check_tensors("unflatten", input)
    d = _wrap_dim(dim, input._data.ndim)
    sizes = list(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input._data.shape[d]
    known = int(np.prod([s for s in sizes if s != -1]))
    filled = [n // known if s == -1 and known else s for s in sizes]
    if sizes.count(-1) > 1 or int(np.prod(filled)) != n:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({n}) in "
                           f"the input tensor")
    s = input._data.shape
    return reshape(input, s[:d] + tuple(filled) + s[d + 1:])


def sum_to_size(input, *size):
    """The sum over the dims where `size` is 1 (and over leading dims it lacks): the adjoint of expand."""
    size = tuple(_shape_arg(size, "sum_to_size"))
    shape = input._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    if not dims:
        return input
    out = input.sum(dims, keepdim=True)
    return Reshape.apply(out, size, False) if lead else out  # a view node, as torch's
