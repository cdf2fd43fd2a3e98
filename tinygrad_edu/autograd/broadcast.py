"""The one place where broadcasting is undone in backward (and redone: `expand_to`), and
`as_array`, the numpy array of a saved value.

The helpers take an ndarray or a Tensor (see Function.array_backward): backward formulas call
them the same way whether the engine runs them on arrays or records them on Tensors.
"""
import math

import numpy as np


def as_array(x):
    """The ndarray of a saved tensor, in either kind of backward pass (an array already, or a
    Tensor's ._data): for masks and other constants that backward computes in numpy."""
    return x if isinstance(x, np.ndarray) else x._data


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`.

    Forward broadcasting copies an input along new leading dims and along its size-1 dims; the
    gradient of a copy is the sum of the copies' gradients, so backward sums over those dims.
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if dims:
        grad = grad.sum(dims)
    return grad.reshape(shape)


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
