"""Reductions over dims (int, tuple of ints or None = all; negative dims allowed; keepdim).

Backward of a reduction sends the gradient back to every input element that contributed:
`expand` copies it back over the reduced dims (summing's adjoint is copying).
"""
import math

import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .reduce_checks import check_tensors, empty_reduction, numpy_names, other_or_dim, repeated_dim, values_indices


def normalize_dims(dim, ndim):
    """None -> None (all dims); int or sequence -> sorted tuple of non-negative dims."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        wrapped = [_wrap_dim(d, ndim) for d in dim]
        dims = tuple(sorted(set(wrapped)))
        if len(dims) != len(wrapped):
            raise repeated_dim(wrapped)
    else:
        dims = (_wrap_dim(dim, ndim),)
    # a 0-d tensor accepts dim 0 / -1 (as torch does) but has no axis to name: reduce "all" of it
    return dims if dims and ndim else None


def kept_shape(shape, dims):
    """The shape a reduction over `dims` has with keepdim=True."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def squeeze_dims(kept, dims):
    return kept.reshape(()) if dims is None else np.squeeze(kept, axis=dims)


def expand_to(grad, shape):
    """Copy `grad` along broadcast dims up to `shape` (the adjoint of unbroadcast): a read-only
    view for an ndarray, Tensor.expand for a Tensor."""
    if isinstance(grad, (np.ndarray, np.generic)):  # np.generic: numpy returns 0-d results as scalars
        return grad if grad.shape == shape else broadcast_array(grad, shape)
    return grad.expand(shape)


def broadcast_array(data, shape):
    """`data` broadcast to `shape`: a view for big results, a copy for small ones (np.broadcast_to
    costs ~2 us of setup, more than copying a few thousand numbers)."""
    if math.prod(shape) > 4096:
        return np.broadcast_to(data, shape)
    out = np.empty(shape, data.dtype)
    out[...] = data
    return out


def expand_back(grad, ctx):
    """Reshape a reduced gradient to keepdim form, then copy it over the reduced dims."""
    if not ctx.keepdim and ctx.dims is not None:
        grad = grad.reshape(kept_shape(ctx.shape, ctx.dims))
    return expand_to(grad, ctx.shape)


class Sum(Function):
    """SumBackward0 (SumBackward1 over dims). d(sum x)/dx_i = 1: the gradient is copied back over the
    reduced dims."""
    array_backward = True
    graph_inputs = (0,)  # dims and keepdim are options

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        if dims is not None:
            ctx.torch_name = "SumBackward1"  # sum(dim) is torch's second overload of sum
        return x._data.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad, ctx), None, None

    @staticmethod
    def jvp(ctx, tx, dims, keepdim):
        """d(sum x) = sum dx (a linear op)."""
        return Sum.apply(tx, ctx.dims, ctx.keepdim)


class Mean(Function):
    """MeanBackward0 (MeanBackward1 over dims). mean = sum / n, so d mean/dx_i = 1/n: every input
    gets grad / n."""
    array_backward = True
    graph_inputs = (0,)  # dims and keepdim are options

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        ctx.n = x._data.size if dims is None else int(np.prod([x._data.shape[d] for d in dims]))
        if dims is not None:
            ctx.torch_name = "MeanBackward1"
        return x._data.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad / ctx.n, ctx), None, None

    @staticmethod
    def jvp(ctx, tx, dims, keepdim):
        """d(mean x) = mean dx."""
        return Mean.apply(tx, ctx.dims, ctx.keepdim)


class Amax(Function):
    """AmaxBackward0 / AminBackward0 (MaxBackward1 / MinBackward1 for max() and min() without dim).
    d max/dx_i = 1/k for the k elements equal to the max (ties share the gradient evenly), else 0:
    a constant `share`, computed in forward."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        ctx.torch_name = "AmaxBackward0" if largest else "AminBackward0"
        reduce = np.max if largest else np.min
        out = reduce(x._data, axis=dims, keepdims=True)
        if ctx.needs_input_grad[0]:
            winners = x._data == out
            ctx.save_for_backward((winners / np.sum(winners, axis=dims, keepdims=True)).astype(x._data.dtype))
        return out if keepdim else squeeze_dims(out, dims)

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_values
        return expand_back(grad, ctx) * share, None, None, None

    @staticmethod
    def jvp(ctx, tx, dims, keepdim, largest):
        """d max = the mean of dx over the positions that hold the max (torch's rule on ties):
        sum(dx * share) with backward's share."""
        x, out = ctx.primals[0]._data, ctx.result._data
        winners = x == out.reshape(kept_shape(ctx.shape, ctx.dims))
        share = Tensor._wrap((winners / np.sum(winners, axis=ctx.dims, keepdims=True)).astype(x.dtype))
        return Sum.apply(tx * share, ctx.dims, ctx.keepdim)


class Prod(Function):
    """ProdBackward0 (ProdBackward1 over a dim). d(prod x)/dx_i = product of the other elements:
    out / x_i where no x is 0, otherwise multiplied out without dividing by zeros."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.shape, ctx.keepdim = x._data.shape, keepdim
        ctx.dims = None if dim is None else (dim,)
        if dim is not None:
            ctx.torch_name = "ProdBackward1"  # prod(dim) is torch's second overload of prod
        out = np.prod(x._data, axis=dim, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return expand_back(grad, ctx) * _others(ctx, x, out), None, None

    @staticmethod
    def jvp(ctx, tx, dim, keepdim):
        """d(prod x) = sum_i dx_i prod_{j != i} x_j (zeros in x handled as in backward)."""
        dims = ctx.dims if ctx.shape else None  # prod(0-d x, dim=0)
        return Sum.apply(tx * _others(ctx, ctx.primals[0], ctx.result), dims, ctx.keepdim)


def _others(ctx, x, out):
    """prod_{j != i} x_j over the reduced dim(s), in x's shape: out / x where no x is 0."""
    if np.all(x._data != 0):  # the differentiable formula: out / x
        return expand_back(out, ctx) / x
    if not ctx.shape:  # a 0-d x is its own product: the empty product of the others is 1
        return Tensor._wrap(np.ones((), x._data.dtype))
    if ctx.dims is None:
        return _prod_of_others(x.reshape(-1), 0).reshape(ctx.shape)
    return _prod_of_others(x, ctx.dims[0])


def _prod_of_others(x, axis):
    """prod_{j != i} x_j along `axis`, for every i, in Tensor ops (so double backward works with zeros).

    A new axis copies the row n times; copy i has its own element i replaced by 1 and is multiplied out.
    It costs n times the memory of x, and is used only when x contains zeros.
    """
    shape, n = x._data.shape, x._data.shape[axis]
    copies = x.unsqueeze(axis).expand(shape[:axis] + (n,) + shape[axis:])  # copies[.., i, j, ..] = x[.., j, ..]
    diagonal = np.eye(n, dtype=bool).reshape((1,) * axis + (n, n) + (1,) * (len(shape) - axis - 1))
    return copies.masked_fill(Tensor._wrap(diagonal), 1.0).prod(axis + 1)


class Cumsum(Function):
    """CumsumBackward0. y_i = sum_{j<=i} x_j; dx_j = sum_{i>=j} g_i (a reversed cumulative sum)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        # a 0-d tensor (dim 0 allowed, as in torch) is its own cumulative sum
        # torch's result is contiguous whatever the input's strides (numpy keeps a transposed layout)
        return np.ascontiguousarray(np.cumsum(x._data, axis=dim)) if x._data.ndim else x._data.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None

    @staticmethod
    def jvp(ctx, tx, dim):
        """d(cumsum x) = cumsum dx."""
        return Cumsum.apply(tx, ctx.dim)


# ---- public functions ------------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("sum", dim, keepdim, axis, keepdims)
    try:
        if dtype is not None:
            input = input.to(dtype)
        elif input._data.dtype.kind in "bui" and input._data.dtype != np.int64:
            input = input.to(np.int64)  # torch sums bools and small ints as int64
    except AttributeError:
        check_tensors("sum", input)
        raise
    return Sum.apply(input, normalize_dims(dim, input._data.ndim), keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_names("mean", dim, keepdim, axis, keepdims)
    try:
        if dtype is not None:
            input = input.to(dtype)
        kind = input._data.dtype.kind
    except AttributeError:
        check_tensors("mean", input)
        raise
    if kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {input.dtype.name}")
    return Mean.apply(input, normalize_dims(dim, input._data.ndim), keepdim)


def _extreme(x, dim, keepdim, largest, name):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the element-wise maximum
        from .minmax import maximum, minimum
        return maximum(x, dim) if largest else minimum(x, dim)
    try:
        size = x._data.size
    except AttributeError:
        check_tensors(name, x)
        raise
    torch_name = "MaxBackward" if largest else "MinBackward"
    if dim is None:  # max() is torch's overload 1, max(dim) overload 0
        if size == 0:
            raise empty_reduction(name, x._data.shape, None)
        return named(Amax.apply(x, None, False, largest), torch_name + "1")
    d = _wrap_dim(dim, x._data.ndim)
    if size == 0 and x._data.ndim and x._data.shape[d] == 0:
        raise empty_reduction(name, x._data.shape, (d,))
    if x._data.ndim == 0:  # a 0-d tensor is its own max: a copy (a new tensor, as torch returns)
        return values_indices[name](named(x.clone(), torch_name + "0"), Tensor._wrap(np.zeros((), np.int64)))
    pick = np.argmax if largest else np.argmin
    idx = np.expand_dims(pick(x._data, axis=d), d)
    values = x.gather(d, Tensor._wrap(idx))  # the gradient goes to the chosen index only, as torch
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return values_indices[name](named(values, torch_name + "0"), Tensor._wrap(idx))


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """torch.max(input), max(input, dim, keepdim) and max(input, other) (the element-wise maximum)."""
    dim, keepdim = numpy_names("max", dim, keepdim, axis, keepdims)
    return _extreme(input, other_or_dim("max", dim, other), keepdim, True, "max")


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """torch.min(input), min(input, dim, keepdim) and min(input, other) (the element-wise minimum)."""
    dim, keepdim = numpy_names("min", dim, keepdim, axis, keepdims)
    return _extreme(input, other_or_dim("min", dim, other), keepdim, False, "min")



def _amax(x, dim, keepdim, largest, name):
    try:
        data = x._data
    except AttributeError:
        check_tensors(name, x)
        raise
    dims = normalize_dims(dim if dim != () else None, data.ndim)
    if data.size == 0:
        error = empty_reduction(name, data.shape, dims)
        if error is not None:
            raise error
    return Amax.apply(x, dims, keepdim, largest)


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("amax", dim, keepdim, axis, keepdims, no_dim=())
    return _amax(input, dim, keepdim, True, "amax")


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("amin", dim, keepdim, axis, keepdims, no_dim=())
    return _amax(input, dim, keepdim, False, "amin")


def _argextreme(x, dim, keepdim, pick, name):
    """argmax/argmin: numpy's pick, with torch's IndexError where there is nothing to pick from."""
    try:
        data = x._data
    except AttributeError:
        check_tensors(name, x)
        raise
    d = None if dim is None else _wrap_dim(dim, data.ndim)
    try:
        if d is None:
            return Tensor._wrap(np.asarray(pick(data)))
        return Tensor._wrap(np.asarray(pick(data, axis=d if data.ndim else None, keepdims=keepdim)))
    except ValueError:  # numpy: "attempt to get argmax of an empty sequence"
        raise empty_reduction(name, data.shape, None if d is None else (d,), IndexError) from None


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("argmax", dim, keepdim, axis, keepdims)
    return _argextreme(input, dim, keepdim, np.argmax, "argmax")


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("argmin", dim, keepdim, axis, keepdims)
    return _argextreme(input, dim, keepdim, np.argmin, "argmin")


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    dim, keepdim = numpy_names("prod", dim, keepdim, axis, keepdims)
    if not isinstance(input, Tensor):
        check_tensors("prod", input)
    if dtype is not None:
        input = input.to(dtype)
    return Prod.apply(input, None if dim is None else _wrap_dim(dim, input._data.ndim), keepdim)


def cumsum(input, dim=None, *, dtype=None, axis=None):
    dim, _ = numpy_names("cumsum", dim, False, axis, None)
    if dim is None:
        raise TypeError("cumsum() missing 1 required positional argument: 'dim'")
    if not isinstance(input, Tensor):
        check_tensors("cumsum", input)
    if dtype is not None:
        input = input.to(dtype)
    return Cumsum.apply(input, _wrap_dim(dim, input._data.ndim))


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("all", dim, keepdim, axis, keepdims)
    if not isinstance(input, Tensor):
        check_tensors("all", input)
    return Tensor._wrap(np.asarray(np.all(input._data, axis=normalize_dims(dim, input._data.ndim), keepdims=keepdim)))


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("any", dim, keepdim, axis, keepdims)
    if not isinstance(input, Tensor):
        check_tensors("any", input)
    return Tensor._wrap(np.asarray(np.any(input._data, axis=normalize_dims(dim, input._data.ndim), keepdims=keepdim)))

