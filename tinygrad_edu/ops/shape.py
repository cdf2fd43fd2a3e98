"""Shape ops: reshape/view, permute/transpose, expand, repeat, cat, flip, and what is built on them.

reshape, permute, expand, squeeze and unsqueeze return *views* (numpy views of the same memory),
which share the version counter of their base, as torch's views do.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from ..autograd.broadcast import unbroadcast
from .reduce import broadcast_array
from .view_scatter import _view_of
from .reduce_checks import numpy_names


class Reshape(Function):
    """ViewBackward0 (view, reshape, flatten, squeeze, unsqueeze: named by the caller). The same
    numbers in another shape: the gradient is reshaped back."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, shape, copy_ok):
        ctx.in_shape = x._data.shape
        try:
            out = np.reshape(x._data, shape, copy=None if copy_ok else False)
        except ValueError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        if copy_ok and not x._data.flags.c_contiguous and not np.may_share_memory(out, x._data):  # a copy
            ctx.torch_name = "UnsafeViewBackward0"
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None, None

    @staticmethod
    def jvp(ctx, dx, *_):
        """d(view(x)) = view(dx): the tangent of a view is the same view of the tangent."""
        return reshape(dx, ctx.result._data.shape)


class Permute(Function):
    """PermuteBackward0. The gradient is permuted back with the inverse permutation."""

    @staticmethod
    def forward(ctx, x, dims):
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        ctx.inverse = tuple(inverse)
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return Permute.apply(grad, ctx.inverse), None

    @staticmethod
    def backward_arrays(ctx, grad):
        return grad.transpose(ctx.inverse), None

    @staticmethod
    def jvp(ctx, dx, _):
        """d(permute(x)) = permute(dx) (a view of the tangent)."""
        return permute(dx, ctx.primals[1])


class Expand(Function):
    """ExpandBackward0. Broadcast to a larger shape; backward sums the copies (unbroadcast)."""
    array_backward = True
    graph_inputs = (0,)  # the shape is an option

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x._data.shape
        out = broadcast_array(x._data, shape)
        out.flags.writeable = False  # read-only, like torch's expand (small results are copies)
        return out

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.in_shape), None

    @staticmethod
    def jvp(ctx, dx, _):
        """d(expand(x)) = expand(dx) (a view of the tangent)."""
        return expand(dx, ctx.primals[1])


class Repeat(Function):
    """RepeatBackward0. Tile the tensor; each input element's gradient is the sum over its tiles."""

    @staticmethod
    def forward(ctx, x, reps):
        padded = (1,) * (len(reps) - x._data.ndim) + x._data.shape
        ctx.in_shape, ctx.padded, ctx.reps = x._data.shape, padded, reps
        return np.tile(x._data.reshape(padded), reps)

    @staticmethod
    def backward(ctx, grad):
        split = []
        for r, s in zip(ctx.reps, ctx.padded):
            split += [r, s]
        summed = grad.reshape(tuple(split)).sum(tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.in_shape), None

    @staticmethod
    def jvp(ctx, dx, _):
        """d(repeat(x)) = repeat(dx)."""
        return Repeat.apply(dx, ctx.reps)


class Cat(Function):
    """CatBackward0. Concatenate along `dim`; backward hands each input its slice of the gradient.
    `skip[i]`: input i is a legacy empty (0,)-shaped tensor that torch leaves out (its gradient is empty)."""

    @staticmethod
    def forward(ctx, dim, skip, *xs):
        ctx.dim, ctx.skip = dim, skip
        ctx.bounds = np.cumsum([0] + [0 if k else x._data.shape[dim] for x, k in zip(xs, skip)])
        kept = [x._data for x, k in zip(xs, skip) if not k]
        return np.concatenate(kept, axis=dim) if kept else np.concatenate([x._data for x in xs])

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        b = ctx.bounds
        return (None, None) + tuple(None if not need else grad.reshape(-1)[0:0] if ctx.skip[i] else
                                    grad[lead + (slice(int(b[i]), int(b[i + 1])),)]
                                    for i, need in enumerate(ctx.needs_input_grad[2:]))

    @staticmethod
    def jvp(ctx, _dim, _skip, *dxs):
        """d(cat(xs)) = cat(dxs) (zeros stand for an input without tangent)."""
        return None if any(d is None for d in dxs) else Cat.apply(ctx.dim, ctx.skip, *dxs)


class Flip(Function):
    """FlipBackward0. Reverse the order along dims; the gradient is flipped back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x._data, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None

    @staticmethod
    def jvp(ctx, dx, _):
        """d(flip(x)) = flip(dx)."""
        return Flip.apply(dx, ctx.dims)


# ---- public functions --------------------------------------------------------------------------------
def _shape_arg(args, name="reshape"):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if type(a) is not int:
            _check_size_item(a, args, name)
    return tuple(int(a) for a in args)


def _check_size_item(a, args, name):
    """torch's TypeError for a size that is not an integer (a float, a str, None, a bool)."""
    if isinstance(a, (bool, np.bool_)) or not hasattr(a, "__index__"):
        if isinstance(a, str) and len(args) == 1:
            raise TypeError(f"{name}(): argument 'shape' (position 1) must be tuple of ints, not str")
        raise TypeError(f"{name}(): argument 'shape' (position 1) must be tuple of ints, but found element of "
                        f"type {type(a).__name__} at pos {list(args).index(a)}")


def _infer(shape, numel):
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = math.prod([s for s in shape if s != -1])
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, *sizes, shape=None):
    """torch.reshape(input, shape); also x.reshape(2, 3), x.reshape((2, 3)) and x.reshape(shape=(2, 3))."""
    if shape is not None:
        if sizes:
            raise TypeError("reshape() got multiple values for argument 'shape'")
        sizes = (shape,)
    shape = _infer(_shape_arg(sizes), input._data.size)
    if shape == input._data.shape:
        return input
    return _view_of(Reshape.apply(input, shape, True), input, lambda b: reshape(b, shape))


def view(input, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        return input.to(shape[0])  # view(dtype) with the same itemsize is not supported; treat as a cast
    shape = _infer(_shape_arg(shape, "view"), input._data.size)
    return _view_of(Reshape.apply(input, shape, False), input, lambda b: view(b, shape))


def flatten(input, start_dim=0, end_dim=-1):
    if input._data.ndim == 0:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, input._data.ndim), _wrap_dim(end_dim, input._data.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input._data.shape
    return reshape(input, shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:])


def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        dims = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = {_wrap_dim(d, input._data.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        dims = {d for d in dims if input._data.ndim and shape[d] == 1}
    out = reshape(input, tuple(n for i, n in enumerate(shape) if i not in dims))
    return named(out, "SqueezeBackward0" if dim is None else
                 "SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1", input)


def unsqueeze(input, dim):
    d = _wrap_dim(dim, input._data.ndim + 1)
    shape = input._data.shape
    return named(reshape(input, shape[:d] + (1,) + shape[d:]), "UnsqueezeBackward0", input)


def permute(input, *sizes, dims=None):
    """torch.permute(input, dims); also x.permute(1, 0), x.permute((1, 0)) and x.permute(dims=(1, 0))."""
    if dims is not None:
        if sizes:
            raise TypeError("permute() got multiple values for argument 'dims'")
        sizes = (dims,)
    dims = _shape_arg(sizes, "permute")
    if len(dims) != input._data.ndim:
        raise RuntimeError(f"permute(): number of dims don't match in permute: the tensor has {input._data.ndim} "
                           f"dimensions but {len(dims)} were given ({list(dims)})")
    dims = tuple(_wrap_dim(d, input._data.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {list(dims)}")
    return _view_of(Permute.apply(input, dims), input, lambda b: permute(b, dims))


def transpose(input, dim0, dim1):
    n = input._data.ndim
    if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    dims = list(range(n))
    a, b = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    dims[a], dims[b] = dims[b], dims[a]
    out = _view_of(Permute.apply(input, tuple(dims)), input, lambda b: transpose(b, dim0, dim1))  # always a view
    return named(out, "TransposeBackward0")


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return named(transpose(input, 0, -1), "TBackward0") if input._data.ndim == 2 else input


def expand(input, *sizes):
    sizes = _shape_arg(sizes, "expand")
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(tensor{list(shape)}, size={list(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        have = shape[i - lead] if i >= lead else None
        if s == -1:
            if have is None:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension {i}")
            s = have
        elif have is not None and have != 1 and have != s:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({have}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shape)}")
        target.append(s)
    target = tuple(target)
    if target == shape:
        return input
    return _view_of(Expand.apply(input, target), input)


def repeat(input, *reps):
    reps = _shape_arg(reps, "repeat")
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    return Repeat.apply(input, reps)


def _tensor_list(tensors, name):
    """torch's refusals for the `tensors` argument of cat/stack: a Tensor, an element that is not one."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def cat(tensors, dim=0, *, axis=None):
    dim, _ = numpy_names("cat", dim, False, axis, None, no_dim=0)
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # a legacy empty tensor (shape (0,)) is left out when another input has more dimensions, as in torch
    skip = tuple(t._data.shape == (0,) for t in tensors)
    kept = [t for t, k in zip(tensors, skip) if not k]
    if not any(skip) or all(t._data.ndim == 1 for t in tensors):
        skip, kept = (False,) * len(tensors), tensors
    ref = kept[0]._data
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(tensors[1:], 1):
        if skip[i]:
            continue
        s = t._data.shape
        if len(s) != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {len(s)}")
        for k in range(ref.ndim):
            if k != d and s[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {s[k]} for tensor number {i} in the list.")
    dtype = tensors[0]._data.dtype
    for t in tensors[1:]:  # torch's promotion (int64 with float32 gives float32, not numpy's float64)
        dtype = _dt.promote_arrays(dtype, t._data.dtype)
    return Cat.apply(d, skip, *[t.to(dtype) for t in tensors])


def stack(tensors, dim=0, *, axis=None):
    dim, _ = numpy_names("stack", dim, False, axis, None, no_dim=0)
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(first)} at entry 0 "
                               f"and {list(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(first) + 1)
    return named(cat([unsqueeze(t, d) for t in tensors], d), "StackBackward0")


def flip(input, dims):
    if isinstance(dims, int):  # (the method takes x.flip(0) and x.flip(0, 1): flip_method)
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    dims = tuple(_wrap_dim(d, input._data.ndim) for d in dims)
    return Flip.apply(input, dims if input._data.ndim else ())  # a 0-d tensor has nothing to flip


def flip_method(self, *dims, **kwargs):
    """Tensor.flip: dims as one tuple, as separate ints (x.flip(0, 1)), or dims=."""
    if "dims" in kwargs:
        return flip(self, kwargs.pop("dims"), **kwargs)
    return flip(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    from .unary import Clone
    return Clone.apply(input)  # row-major


def movedim(input, source, destination):
    dims = list(range(input._data.ndim))
    s, d = _wrap_dim(source, input._data.ndim), _wrap_dim(destination, input._data.ndim)
    dims.insert(d, dims.pop(s))
    return permute(input, dims)

