"""torch.nn.functional.batch_norm, layer_norm, group_norm and rms_norm: torch's signatures, argument
checks and messages, and which dims each one normalises over. The maths is in
tinygrad_edu/ops/normalization.py: one fused NormalizeAffine for the first three (named after torch's
kernel for each), rms_norm composed of Tensor ops.
"""
import math

import numpy as np

from tinygrad_edu.autograd.names import named
from tinygrad_edu.ops import normalization as norm_ops


_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _not_implemented(kernel, input):
    dt = input._data.dtype
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_TYPE_NAMES.get(dt.name, dt.name)}\'')


def _check_mixed(input, params):
    """torch's CPU kernels refuse parameters of another dtype than the input (a half input with float32
    parameters is the one mix they accept)."""
    dt = input._data.dtype
    for p in params:
        if p is None or p._data.dtype == dt or (dt == np.float16 and p._data.dtype == np.float32):
            continue
        if dt == np.float32:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _check_channels(name, t, c):
    if t is not None and t._data.size != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t._data.size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """torch.nn.functional.batch_norm over dim 1 of (N, C), (N, C, L) or (N, C, H, W) input.

    training (or no running statistics): normalise with the batch's mean and biased variance and
    update running_mean/running_var in place; otherwise normalise with the running statistics."""
    shape = input._data.shape
    if len(shape) < 2:
        raise ValueError(f"Expected 2D or higher input to batch_norm (got {len(shape)}D input)")
    c = shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channels(name, t, c)
    if input._data.dtype.kind != "f":
        _not_implemented("batch_norm", input)
    _check_mixed(input, (running_mean, running_var, weight, bias))
    ndim = len(shape)
    stat_axes = (0,) + tuple(range(2, ndim))
    param_shape = (1, c) + (1,) * (ndim - 2)
    if training or running_mean is None or running_var is None:
        if training and input._data.size // max(c, 1) == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{input.size()}")
        running = (running_mean, running_var, momentum) if training else None
        stats = None
    else:
        running = None
        stats = (running_mean._data.reshape(param_shape), running_var._data.reshape(param_shape))
    out = norm_ops.NormalizeAffine.apply(input, weight, bias, stats, eps, stat_axes, stat_axes, param_shape, running)
    return named(out, "NativeBatchNormBackward0")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm: normalise over the trailing dims given by normalized_shape."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    shape, nd = input._data.shape, len(normalized_shape)
    if nd == 0 or shape[len(shape) - nd:] != normalized_shape or len(shape) < nd:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size{list(shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t._data.shape != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t._data.shape)} and normalized_shape = {list(normalized_shape)}")
    _check_mixed(input, (weight, bias))
    if input._data.dtype.kind != "f":
        _not_implemented("LayerNormKernelImpl", input)
    ndim = len(shape)
    stat_axes = tuple(range(ndim - nd, ndim))
    out = norm_ops.NormalizeAffine.apply(input, weight, bias, None, eps, stat_axes, tuple(range(ndim - nd)),
                                normalized_shape, None)
    return named(out, "NativeLayerNormBackward0")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.group_norm: split the C channels of (N, C, *) input into num_groups groups
    of C/G channels and normalise each group of each sample over its channels and spatial positions;
    weight and bias are per channel.

    On the view (N, C, *) -> (N, G, C/G, L) with L = prod(*), the statistics are over dims (2, 3),
    and w, b (C,) viewed as (G, C/G) broadcast along dims (0, 3): NormalizeAffine as it is."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {len(shape)}")
    n, c, spatial = shape[0], shape[1], shape[2:]
    if n * c // num_groups * math.prod(spatial) == 1:  # torch's _verify_batch_size, on [N*C/G, G, *]
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{[n * c // num_groups, num_groups, *spatial]}")
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(shape)} and num_groups={num_groups}")
    # torch's message for a wrong bias prints weight's shape ([0] when there is no weight): copied as is
    for name, t, shown in (("weight", weight, weight), ("bias", bias, weight)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(shown._data.shape) if shown is not None else [0]} "
                               f"and input of shape {list(shape)}")
    _check_mixed(input, (weight, bias))
    if input._data.dtype.kind != "f":
        _not_implemented("GroupNormKernelImpl", input)
    g = num_groups
    grouped = input.reshape(n, g, c // g, math.prod(spatial))
    per_group = [t.reshape(g, c // g) if t is not None else None for t in (weight, bias)]
    out = norm_ops.NormalizeAffine.apply(grouped, *per_group, None, eps, (2, 3), (0, 3), (1, g, c // g, 1), None)
    return named(out.reshape(shape), "NativeGroupNormBackward0")


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """torch.nn.functional.rms_norm: y = x / sqrt(mean(x^2) + eps) * weight, the mean over the trailing
    `normalized_shape` dims; eps=None means the dtype's machine epsilon (torch.finfo(dtype).eps)."""
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError(f"rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    normalized_shape, shape = tuple(normalized_shape), input._data.shape
    nd, ndim = len(normalized_shape), len(shape)
    if nd == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    if weight is not None and weight._data.shape != normalized_shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight._data.shape)} and normalized_shape = {list(normalized_shape)}")
    if ndim < nd:
        raise ValueError(f"Input tensor must have at least {nd} dimensions, but got {ndim}")
    if shape[ndim - nd:] != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*{', '.join(map(str, normalized_shape))}], but got input of size{list(shape)}")
    if input._data.dtype.kind != "f":
        _not_implemented("rms_norm", input)
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    out = norm_ops.rms_norm(input.contiguous(), tuple(range(ndim - nd, ndim)), weight, eps)
    return out if out._data.dtype == input._data.dtype else out.to(input.dtype)  # torch: the input's dtype
