"""max/min (values and indices), amax/amin, argmax/argmin: the public functions of the selecting
reductions (their Function, Amax, lives in reduce.py, which re-exports these)."""
from collections import namedtuple

import numpy as np

from ..autograd.names import named
from ..tensor import Tensor, _wrap_dim
from .reduce import Amax, normalize_dims, numpy_names
from .reduce_checks import check_tensors, empty_reduction

values_indices = {"max": namedtuple("max", ["values", "indices"]),
                  "min": namedtuple("min", ["values", "indices"])}



def _extreme(x, dim, keepdim, largest, name):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the element-wise maximum
        from .elementwise import maximum, minimum
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


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("max", dim, keepdim, axis, keepdims)
    return _extreme(x, dim, keepdim, True, "max")


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("min", dim, keepdim, axis, keepdims)
    return _extreme(x, dim, keepdim, False, "min")


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


def amax(x, dim=(), keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("amax", dim, keepdim, axis, keepdims, no_dim=())
    return _amax(x, dim, keepdim, True, "amax")


def amin(x, dim=(), keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("amin", dim, keepdim, axis, keepdims, no_dim=())
    return _amax(x, dim, keepdim, False, "amin")


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


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("argmax", dim, keepdim, axis, keepdims)
    return _argextreme(x, dim, keepdim, np.argmax, "argmax")


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = numpy_names("argmin", dim, keepdim, axis, keepdims)
    return _argextreme(x, dim, keepdim, np.argmin, "argmin")
