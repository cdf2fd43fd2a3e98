"""The one place where broadcasting is undone in backward."""


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`.

    Forward broadcasting copies an input along new leading dims and along its size-1 dims; the
    gradient of a copy is the sum of the copies' gradients, so backward sums over those dims.
    """
    gshape = grad.data.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if dims:
        grad = grad.sum(dims)
    return grad.reshape(shape)
