"""Batch, layer and group normalisation: one fused Function (NormalizeAffine) serving torch's
native_batch_norm, native_layer_norm and native_group_norm; and rms_norm, composed of Tensor ops.
nn/_norm.py checks the arguments and picks the dims. (Not ops/norm.py: that name would hide ops.norm,
the vector norm function, once the submodule is imported.)

All three compute  y = xhat * w + b  with  xhat = (x - mean) / sqrt(var + eps)  (biased variance);
they differ only in which dims the statistics are taken over (batch_norm: every dim but the channel
dim 1; layer_norm: the trailing `normalized_shape` dims; group_norm: each group of channels of each
sample) and in how w and b broadcast.

Backward, with statistics computed from x (means over the statistics dims):
    dxhat = g * w
    dx    = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps)
    dw    = sum(g * xhat),  db = sum(g)   over the dims w and b are broadcast along.
With fixed statistics (batch_norm in eval mode) the mean terms vanish: dx = dxhat / sqrt(var + eps).
"""
import numpy as np

from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor


class NormalizeAffine(Function):
    """NativeBatchNormBackward0 / NativeLayerNormBackward0 / NativeGroupNormBackward0 (named by the
    caller). y = xhat * w + b, xhat = (x - mean) / sqrt(var + eps);
    dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps) with dxhat = g * w
    (dxhat / sqrt(var + eps) for fixed statistics), dw = sum(g * xhat), db = sum(g).

    stats: None to normalise with x's own statistics over `stat_axes`, or (mean, var) constant
    keepdim arrays. running: None, or (running_mean, running_var, momentum) updated in place with
    the batch statistics (the variance unbiased), as torch's kernel does during forward.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stats, eps, stat_axes, param_axes, param_shape, running):
        d = x._data
        if not d.flags.c_contiguous:  # so that the result is contiguous, as torch's
            d = np.ascontiguousarray(d)
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

    @staticmethod
    def backward(ctx, g):
        """On Tensors: the normalisation is rebuilt from x, so a second derivative sees x in it."""
        x, weight = ctx.saved_tensors
        xhat, invstd = _normalized(x, ctx.fixed, ctx.axes[0], ctx.eps)
        return _affine_grads(ctx, g, xhat, invstd, weight)

    @staticmethod
    def backward_arrays(ctx, g):
        """On arrays: forward's xhat and 1/std, as they are."""
        _, weight = ctx.saved_arrays
        return _affine_grads(ctx, g, ctx.xhat, ctx.invstd, weight)

    @staticmethod
    def jvp(ctx, tx, tw, tb, *unused):
        """dy = dxhat w + xhat dw + db with (means over the statistics dims)
        dxhat = (dx - mean(dx) - xhat mean(dx xhat)) / sqrt(var + eps), or dx / sqrt(var + eps) for fixed
        statistics. The running statistics are buffers: no tangent."""
        x, weight = ctx.primals[:2]
        stat_axes, _, param_shape = ctx.axes
        xhat, invstd = _normalized(x, ctx.fixed, stat_axes, ctx.eps)
        dxhat = tx
        if ctx.fixed is None:
            dxhat = tx - tx.mean(stat_axes, keepdim=True) - xhat * (tx * xhat).mean(stat_axes, keepdim=True)
        dxhat = dxhat * invstd
        return tangent_sum(dxhat if weight is None else dxhat * weight.reshape(param_shape),
                           None if tw is None else xhat * tw.reshape(param_shape),
                           None if tb is None else tb.reshape(param_shape))


def _affine_grads(ctx, g, xhat, invstd, weight):
    """dx, dw, db (the class docstring's formulas), from arrays or Tensors alike."""
    stat_axes, param_axes, param_shape = ctx.axes
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


def _normalized(x, fixed, stat_axes, eps):
    """xhat and 1/sqrt(var + eps) as Tensor ops of x."""
    if fixed is not None:  # eval-mode batch norm: the statistics are constants
        mean, invstd = fixed
        invstd = Tensor._wrap(invstd)
        return (x - Tensor._wrap(mean)) * invstd, invstd
    centred = x - x.mean(stat_axes, keepdim=True)
    invstd = ((centred * centred).mean(stat_axes, keepdim=True) + eps).rsqrt()
    return centred * invstd, invstd


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


def rms_norm(x, axes, weight, eps):
    """y = x / sqrt(mean(x^2) + eps) * weight, the mean over `axes`. No centring and no bias; torch
    composes it of ordinary ops too (its grad_fn is MulBackward0), so the engine differentiates it."""
    out = x * ((x * x).mean(axes, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out
