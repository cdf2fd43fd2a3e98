"""Batch, layer and group normalisation: one fused Function, three public functions; and rms_norm.

All three compute  y = xhat * w + b  with  xhat = (x - mean) / sqrt(var + eps)  (biased variance);
they differ only in which dims the statistics are taken over (batch_norm: every dim but the channel
dim 1; layer_norm: the trailing `normalized_shape` dims; group_norm: each group of channels of each
sample) and in how w and b broadcast. rms_norm does not centre, so it is written with Tensor ops.

Backward, with statistics computed from x (means over the statistics dims):
    dxhat = g * w
    dx    = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps)
    dw    = sum(g * xhat),  db = sum(g)   over the dims w and b are broadcast along.
With fixed statistics (batch_norm in eval mode) the mean terms vanish: dx = dxhat / sqrt(var + eps).
"""
import math

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.autograd.function import named
from tinygrad_edu.tensor import Tensor


def _normalized(x, fixed, stat_axes, eps):
    """xhat and 1/sqrt(var + eps) as Tensor ops of x, so that a second derivative sees x in them."""
    if fixed is not None:  # eval-mode batch norm: the statistics are constants
        mean, invstd = fixed
        invstd = Tensor._wrap(invstd)
        return (x - Tensor._wrap(mean)) * invstd, invstd
    centred = x - x.mean(stat_axes, keepdim=True)
    invstd = ((centred * centred).mean(stat_axes, keepdim=True) + eps).rsqrt()
    return centred * invstd, invstd


class NormalizeAffine(Function):
    """torch.batch_norm / torch.layer_norm / torch.group_norm as one node.

    stats: None to normalise with x's own statistics over `stat_axes`, or (mean, var) constant
    keepdim arrays. running: None, or (running_mean, running_var, momentum) updated in place with
    the batch statistics (the variance unbiased), as torch's kernel does during forward.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stats, eps, stat_axes, param_axes, param_shape, running):
        d = x._data
        if stats is None:
            mean = d.mean(stat_axes, keepdims=True)
            xhat = d - mean
            var = np.mean(xhat * xhat, stat_axes, keepdims=True)
            if running is not None:
                _update_running(running, mean, var, d.size // mean.size)
        else:
            mean, var = stats
            xhat = d - mean
        invstd = 1 / np.sqrt(var + eps)
        xhat *= invstd
        out = xhat * weight._data.reshape(param_shape) if weight is not None else xhat.copy()
        if bias is not None:
            out += bias._data.reshape(param_shape)
        ctx.xhat, ctx.invstd, ctx.eps = xhat, invstd, eps
        ctx.fixed = None if stats is None else (mean, invstd)
        ctx.axes = (stat_axes, param_axes, param_shape)
        ctx.save_for_backward(x, weight)
        return out

    array_backward = True  # one formula below, on arrays in a plain pass and on Tensors when recorded

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_values
        stat_axes, param_axes, param_shape = ctx.axes
        if isinstance(g, np.ndarray):  # a plain pass: forward's xhat and 1/std, as they are
            xhat, invstd = ctx.xhat, ctx.invstd
        else:  # create_graph=True: rebuild the normalisation from x, so it is differentiated too
            xhat, invstd = _normalized(x, ctx.fixed, stat_axes, ctx.eps)
        needs = ctx.needs_input_grad
        gx = gw = gb = None
        if needs[0]:
            dxhat = g * weight.reshape(param_shape) if weight is not None else g
            if ctx.fixed is None:
                dxhat = dxhat - dxhat.mean(stat_axes, keepdims=True) \
                    - xhat * (dxhat * xhat).mean(stat_axes, keepdims=True)
            gx = dxhat * invstd
        if needs[1]:
            gw = _sum_over(g * xhat, param_axes)  # (C,) or normalized_shape
        if needs[2]:
            gb = _sum_over(g, param_axes)
        return gx, gw, gb


def _sum_over(t, axes):
    return t.sum(axes) if axes else t  # sum(()) would mean "all dims"


def _update_running(running, mean, var, n):
    """running = (1 - momentum) running + momentum batch_stat, on the buffers' arrays in place."""
    running_mean, running_var, momentum = running
    if running_mean is not None:
        rm = running_mean._data
        rm *= 1 - momentum
        rm += (mean * momentum).reshape(rm.shape)
    if running_var is not None:
        rv = running_var._data
        rv *= 1 - momentum
        rv += (var * (momentum * n / max(n - 1, 1))).reshape(rv.shape)


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
    out = NormalizeAffine.apply(input, weight, bias, stats, eps, stat_axes, stat_axes, param_shape, running)
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
    ndim = len(shape)
    stat_axes = tuple(range(ndim - nd, ndim))
    out = NormalizeAffine.apply(input, weight, bias, None, eps, stat_axes, tuple(range(ndim - nd)),
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
    g = num_groups
    grouped = input.reshape(n, g, c // g, math.prod(spatial))
    per_group = [t.reshape(g, c // g) if t is not None else None for t in (weight, bias)]
    out = NormalizeAffine.apply(grouped, *per_group, None, eps, (2, 3), (0, 3), (1, g, c // g, 1), None)
    return named(out.reshape(shape), "NativeGroupNormBackward0")


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """torch.nn.functional.rms_norm: y = x / sqrt(mean(x^2) + eps) * weight, the mean over the trailing
    `normalized_shape` dims; eps=None means the dtype's machine epsilon (torch.finfo(dtype).eps).

    No centring and no bias. torch composes it of ordinary ops too (its grad_fn is MulBackward0), so
    it is written as Tensor ops here: the engine differentiates them, to any order."""
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
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    axes = tuple(range(ndim - nd, ndim))
    out = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out
