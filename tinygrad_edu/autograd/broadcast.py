"""The one place where broadcasting is undone in backward, and `as_array`, the numpy array of a
saved value.

The helpers take an ndarray or a Tensor (see Function.array_backward): backward formulas call
them the same way whether the engine runs them on arrays or records them on Tensors.
"""
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
