"""Dropout (torch.nn.functional.dropout, dropout1d/2d/3d): zero elements, or whole channels, with
probability p and scale the rest by 1/(1-p), so the expected value is unchanged. The random mask
comes from tinygrad_edu.random (manual_seed makes it reproducible); backward is the same mask, as
the multiplication by it records it."""
import warnings

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.random import numpy_rng
from tinygrad_edu.tensor import Tensor


def _times(input, inplace, mask):
    """input * mask, written into input when inplace=True."""
    return input._inplace(ops.mul, mask) if inplace else ops.mul(input, mask)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(shape, p, dtype):
    """An array of `shape`: 0 with probability p, else 1/(1-p) (inverted dropout)."""
    if p == 1.0:
        return np.zeros(shape, dtype)
    draw_dtype = np.float32 if dtype != np.float64 else np.float64
    mask = (numpy_rng().random(shape, dtype=draw_dtype) >= p).astype(dtype)
    mask *= 1.0 / (1.0 - p)
    return mask


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (inverted dropout), so
    the expected value is unchanged and eval mode is the identity. The mask is a constant, so the
    gradient is the same mask times the incoming gradient."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    d = input._data
    return _times(input, inplace, Tensor._wrap(_dropout_mask(d.shape, p, d.dtype)))


def _feature_dropout(input, p, training, inplace, channel_dim):
    """torch's feature_dropout: zero whole channels. The mask has the input's size up to channel_dim
    and size 1 after it, so one draw per (sample, channel) broadcasts over the channel's elements."""
    d = input._data
    if not training or p == 0.0 or d.size == 0:
        return input
    if p < 1.0 and d.ndim <= channel_dim:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = d.shape[:channel_dim + 1] + (1,) * (d.ndim - channel_dim - 1)
    return _times(input, inplace, Tensor._wrap(_dropout_mask(shape, p, d.dtype)))


def _warn_dims(n, ndim):
    warnings.warn(f"dropout{n}d: Received a {ndim}-D input to dropout{n}d, which is deprecated and will result in an "
                  f"error in a future release. To retain the behavior and silence this warning, please use dropout "
                  f"instead. Note that dropout{n}d exists to provide channel-wise dropout on inputs with {n} spatial "
                  f"dimensions, a channel dimension, and an optional batch dimension (i.e. {n + 1}D or {n + 2}D "
                  f"inputs).", stacklevel=3)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or unbatched (C, L) input with probability p, scale the rest by 1/(1-p)."""
    _check_p(p)
    ndim = input._data.ndim
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
                           f"exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           f"dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, 1 if ndim == 3 else 0)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input. As torch's, 3-D input is read as (N, C, L) (not as
    unbatched (C, H, W)) with a warning, and any other dims warn and still take dim 1 as the channels."""
    _check_p(p)
    ndim = input._data.ndim
    if ndim not in (3, 4):
        _warn_dims(2, ndim)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, 1)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or unbatched (C, D, H, W) input; as torch's, other dims
    warn, and all but 5-D input are read as unbatched (channels in dim 0)."""
    _check_p(p)
    ndim = input._data.ndim
    if ndim not in (4, 5):
        _warn_dims(3, ndim)
    return _feature_dropout(input, p, training, inplace, 1 if ndim == 5 else 0)
