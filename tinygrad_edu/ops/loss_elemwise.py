"""The element-wise losses behind nn/losses.py: binary cross entropy (on probabilities and on
logits) and mean squared error, one Function each (the class-index losses are in loss.py).

Each is a formula per element; binary cross entropy leaves the reduction (and the per-element weight)
to nn/losses.py's Tensor ops, mean squared error reduces itself (one MseLossBackward0 node, as torch).
"""
import numpy as np

from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..dtypes import promote_arrays
from .activation import Sigmoid, sigmoid_numpy


# ---- binary cross entropy -----------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """BinaryCrossEntropyBackward0. Element-wise -(t log x + (1 - t) log(1 - x)), each log clamped at
    -100 as torch (so x = 0 or 1 gives a finite loss).
    dx = (x - t) / max(x (1 - x), 1e-12), dt = log(1 - x) - log x (each clamped at -100)."""

    @staticmethod
    def forward(ctx, x, t):
        xd, td = x._data, t._data
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(xd), -100.0)
            log_1mx = np.maximum(np.log1p(-xd), -100.0)
        ctx.save_for_backward(x, t)
        return -(td * (log_x - log_1mx) + log_1mx)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - t) / ((1 - x) * x).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            gt = grad * ((1 - x).log().clamp(min=-100.0) - x.log().clamp(min=-100.0))
        return gx, gt

    @staticmethod
    def backward_arrays(ctx, grad):
        x, t = ctx.saved_arrays
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - t) / np.maximum((1 - x) * x, 1e-12)
        if ctx.needs_input_grad[1]:
            gt = grad * (np.maximum(np.log(1 - x), -100.0) - np.maximum(np.log(x), -100.0))
        return gx, gt

    @staticmethod
    def jvp(ctx, tx, tt):
        """dloss = (x - t) / max(x (1 - x), 1e-12) dx + (log(1 - x) - log x) dt (logs clamped at -100)."""
        x, t = ctx.primals
        dx = tx * (x - t) / ((1 - x) * x).clamp(min=1e-12)
        return dx + tt * ((1 - x).log().clamp(min=-100.0) - x.log().clamp(min=-100.0))


def _softplus_neg(x):
    """log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)), which never overflows (numpy)."""
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))


class BinaryCrossEntropyWithLogits(Function):
    """BinaryCrossEntropyWithLogitsBackward0. Element-wise sigmoid + BCE, stable for any logit: with
    sp = log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)) and l = 1 + (pos_weight - 1) t,
    loss = (1 - t) x + l sp (= max(x, 0) - x t + log1p(exp(-|x|)) without pos_weight).
    dx = l sigmoid(x) - pos_weight t, dt = (pos_weight - 1) sp - x, dpos_weight = t sp (the engine sums
    it down to pos_weight's shape)."""

    @staticmethod
    def forward(ctx, x, t, pos_weight):
        xd, td = x._data, t._data
        sp = _softplus_neg(xd)
        ctx.save_for_backward(x, t, pos_weight)
        if pos_weight is not None:
            sp = sp * (1 + (pos_weight._data - 1) * td)
        if td.dtype == xd.dtype:
            return (1 - td) * xd + sp
        # mixed dtypes, as torch's kernel: -log(sigmoid(x)) (scaled) in x's dtype, then (1 - t) * x + it
        # written in place into (1 - t), so that the loss has the target's dtype
        return (((1 - td) * xd).astype(td.dtype) + sp.astype(xd.dtype)).astype(td.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, t, pw = ctx.saved_tensors
        sig = Sigmoid.apply(x) if ctx.needs_input_grad[0] else None
        sp = (-x).relu() + (-x.abs()).exp().log1p() if any(ctx.needs_input_grad[1:]) else None  # as Tensor ops
        return _logits_grads(ctx.needs_input_grad, grad, x, t, pw, sig, sp)

    @staticmethod
    def backward_arrays(ctx, grad):
        x, t, pw = ctx.saved_arrays
        sig = sigmoid_numpy(x) if ctx.needs_input_grad[0] else None
        sp = _softplus_neg(x) if any(ctx.needs_input_grad[1:]) else None
        return _logits_grads(ctx.needs_input_grad, grad, x, t, pw, sig, sp)

    @staticmethod
    def jvp(ctx, tx, tt, tpw):
        """dloss = (l sigmoid(x) - pos_weight t) dx + ((pos_weight - 1) sp - x) dt + t sp dpos_weight
        (the backward's three coefficients, each times its tangent)."""
        x, t, pw = ctx.primals
        sp = (-x).relu() + (-x.abs()).exp().log1p()
        gx, gt, gpw = _logits_grads((True, True, pw is not None), 1.0, x, t, pw, Sigmoid.apply(x), sp)
        out = tangent_sum(gx * tx, None if tt is None else gt * tt, None if tpw is None else gpw * tpw)
        return out if out.dtype == ctx.result.dtype else out.to(ctx.result.dtype)


def _logits_grads(needs, grad, x, t, pw, sig, sp):
    """BinaryCrossEntropyWithLogits's three gradients from sigmoid(x) and sp (arithmetic only)."""
    gx = gt = gpw = None
    if needs[0]:
        gx = grad * (sig - t) if pw is None else grad * ((1 + (pw - 1) * t) * sig - pw * t)
    if needs[1]:
        gt = -grad * x if pw is None else grad * ((pw - 1) * sp - x)
    if pw is not None and needs[2]:
        gpw = grad * t * sp
    return gx, gt, gpw


# ---- mean squared error -------------------------------------------------------------------------------
class MseLoss(Function):
    """MseLossBackward0. (x - t)^2 per element, then reduced ('mean', 'sum' or 'none'), in the promoted
    dtype; x and t have one shape (nn/losses.py broadcasts them first, as torch does).
    dx = norm (x - t) grad with norm = 2 / N for 'mean' and 2 otherwise (torch's rounding order);
    dt = -dx."""
    array_backward = True
    graph_inputs = (0, 1)  # the reduction is an option, not a graph input: two edges, as torch's node

    @staticmethod
    def forward(ctx, x, t, reduction):
        xd, td = x._data, t._data
        dtype = promote_arrays(xd.dtype, td.dtype)
        d = xd.astype(dtype, copy=False) - td.astype(dtype, copy=False)
        loss = d * d
        ctx.norm = 2.0 / d.size if reduction == "mean" else 2.0
        ctx.save_for_backward(x, t)
        if reduction == "none":
            return loss
        return loss.mean() if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_values
        gx = ctx.norm * (x - t) * grad
        return gx, (-gx if ctx.needs_input_grad[1] else None), None

    @staticmethod
    def jvp(ctx, tx, tt, _):
        """dloss = norm (x - t)(dx - dt), summed unless 'none' (norm = 2 / N for 'mean', 2 otherwise)."""
        x, t, reduction = ctx.primals
        d = ctx.norm * (x - t) * tangent_sum(tx, None if tt is None else -tt)
        return d if reduction == "none" else d.sum()
