"""The fused, differentiable loss operations behind nn.losses (torch's ATen loss kernels).

Each class is an autograd Function: forward computes the loss with numpy in one numerically stable
pass, backward returns the gradient written with Tensor operations, so that `create_graph=True`
(double backward, gradgradcheck) differentiates through it. Cross entropy with class indices, the
training loop's loss, is also array_backward: a plain pass runs its formula on the saved softmax
in numpy. Argument checking happens in
nn/losses.py; the Functions assume valid arguments.

Cross entropy with class dim 1 and per-sample weighted target distribution q (see `_index_q`):

    loss_n = -sum_c q[n, c] * log_softmax(x)[n, c]
    dloss_n/dx[n, c] = (sum_k q[n, k]) * softmax(x)[n, c] - q[n, c]

which is "softmax minus the target distribution, times the weights".
"""
import numpy as np

import tinygrad_edu
from tinygrad_edu.autograd import Function
from tinygrad_edu.autograd.broadcast import unbroadcast

Tensor = tinygrad_edu.Tensor


# ---- helpers shared by the class-index losses -------------------------------------------------------
def pick(a, t):
    """a[n, t[n, ...], ...]: the entry of class dim 1 named by the target (shape of t)."""
    if a.ndim == 2:  # the common (N, C) case: plain fancy indexing is the cheapest pick
        return a[np.arange(a.shape[0]), t]
    return np.take_along_axis(a, np.expand_dims(t, 1), 1).squeeze(1)


def put(a, t, values):
    """a[n, t[n, ...], ...] = values: the inverse of `pick`, in place."""
    if a.ndim == 2:
        a[np.arange(a.shape[0]), t] = values
    else:
        np.put_along_axis(a, np.expand_dims(t, 1), np.expand_dims(values, 1), 1)


def class_shape(ndim, n_classes):
    """Shape that broadcasts a per-class vector along dim 1 of an (N, C, d1, ...) array."""
    return (1, n_classes) + (1,) * (ndim - 2)


def index_weights(target, weight, ignore_index, dtype):
    """Targets safe to index with, per-sample weights w (None = all 1), the not-ignored mask (None =
    nothing ignored) and the 'mean' denominator. ignore_index None: the caller knows that no
    target equals it.

    Ignored samples get target 0 and weight 0. torch divides a 'mean' by the summed weights of the
    samples that are not ignored (their count when there is no class weight).
    """
    valid = None if ignore_index is None else target != ignore_index
    if valid is None or valid.all():
        valid = None
        w = None if weight is None else weight[target]
    else:
        target = np.where(valid, target, 0)
        w = valid.astype(dtype) if weight is None else np.where(valid, weight[target], 0).astype(dtype)
    denom = float(target.size) if w is None else float(np.sum(w, dtype=np.float64))
    return target, w, valid, denom


def reduce_np(loss, reduction, denom):
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    if not denom:  # every target ignored (or zero weights): nan, as torch
        return np.full((), np.nan, loss.dtype)
    return total / denom


def grad_coef(ctx, grad):
    """The incoming gradient (Tensor or ndarray), spread over the samples: divided by the
    denominator for 'mean', given a class dim for 'none'."""
    if ctx.reduction == "mean":  # an all-ignored batch: nan loss, zero gradient (as torch)
        return grad / ctx.denom if ctx.denom else grad * 0.0
    if ctx.reduction == "none":
        return grad.reshape(grad.shape[:1] + (1,) + tuple(grad.shape[1:]))
    return grad


def _index_q(shape, dtype, target, w, valid, weight, smoothing):
    """The weighted target distribution q of class-index targets (a constant of the graph).

    Without smoothing q = w_n onehot(t_n); label smoothing eps mixes in eps / C of every class:
    q = (1 - eps) w_n onehot(t_n) + (eps / C) weight_c, zero for ignored samples (torch's formula).
    """
    q = np.zeros(shape, dtype)
    hot = np.ones(target.shape, dtype) if w is None else w
    if smoothing:
        hot = hot * (1.0 - smoothing)
    put(q, target, hot)
    if smoothing:
        per_class = np.ones(shape[1], dtype) if weight is None else weight
        spread = (smoothing / shape[1]) * per_class.reshape(class_shape(len(shape), shape[1]))
        q += spread if valid is None else spread * np.expand_dims(valid, 1)
    return q


def _log_softmax_np(xd):
    """x - max, exp of it and the sum of that: log_softmax = shifted - log(s), softmax = e / s."""
    shifted = xd - xd.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=1, keepdims=True)


# ---- cross entropy ------------------------------------------------------------------------------------
class CrossEntropyIndex(Function):
    """cross_entropy with class-index targets: log-softmax and NLL in one pass (torch's
    log_softmax + nll_loss_nd). Picks log p at the target instead of forming log p everywhere."""
    torch_name = "NllLossBackward0"  # torch: log_softmax then nll_loss, whose node comes last

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, smoothing):
        xd = x._data
        shifted, e, s = _log_softmax_np(xd)
        log_s = np.log(s)
        t, w, valid, denom = index_weights(target, weight, ignore_index, xd.dtype)
        nll = log_s.squeeze(1) - pick(shifted, t)  # -log p[target]
        if w is not None:
            nll = nll * w
        if smoothing:
            logp = shifted - log_s
            wlogp = logp if weight is None else logp * weight.reshape(class_shape(xd.ndim, xd.shape[1]))
            smooth = -np.sum(wlogp, axis=1)
            if valid is not None:
                smooth = np.where(valid, smooth, 0)
            nll = (1.0 - smoothing) * nll + (smoothing / xd.shape[1]) * smooth
        ctx.reduction, ctx.denom = reduction, denom
        ctx.q_args = (t, w, valid, weight, smoothing)
        if smoothing:  # torch mixes the smoothing term in with an add
            ctx.torch_name = "AddBackward0"
        ctx.save_for_backward(x, e / s if ctx.needs_input_grad[0] else None)
        return reduce_np(nll, reduction, denom)

    array_backward = True

    @staticmethod
    def backward(ctx, grad):
        x, sm = ctx.saved_values
        if isinstance(x, np.ndarray):  # a plain backward: the formula on the saved softmax, in numpy
            t, w, _, _, smoothing = ctx.q_args
            if w is None and not smoothing:  # q is one-hot (sum 1): softmax minus 1 at the target
                gx = sm.copy()
                put(gx, t, pick(sm, t) - 1)
                gx *= grad_coef(ctx, grad)
            else:
                q = _index_q(x.shape, x.dtype, *ctx.q_args)
                gx = (sm * np.sum(q, axis=1, keepdims=True) - q) * grad_coef(ctx, grad)
        else:  # create_graph: recompute softmax(x) so that it is differentiated
            q = _index_q(x._data.shape, x._data.dtype, *ctx.q_args)
            qsum = np.sum(q, axis=1, keepdims=True)
            gx = (x.softmax(1) * Tensor._wrap(qsum) - Tensor._wrap(q)) * grad_coef(ctx, grad)
        return gx, None, None, None, None, None


class CrossEntropyProb(Function):
    """cross_entropy with class-probability targets t (same shape as the input):
    q = weight_c ((1 - eps) t + eps / C); 'mean' divides by the number of samples N * d1 * ..."""

    @staticmethod
    def forward(ctx, x, target, weight, reduction, smoothing):
        xd = x._data
        shifted, e, s = _log_softmax_np(xd)
        logp = shifted - np.log(s)
        q = _prob_q(target._data, weight, smoothing, xd.shape[1])
        loss = -np.sum(q * logp, axis=1)
        ctx.reduction, ctx.denom = reduction, float(loss.size)
        ctx.weight, ctx.smoothing = weight, smoothing
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x, target, e / s if needs[0] else None, logp if needs[1] else None)
        return reduce_np(loss, reduction, ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        x, t, sm, logp = ctx.saved_tensors
        coef = grad_coef(ctx, grad)
        recording = tinygrad_edu.is_grad_enabled()
        q = _prob_q(t if recording else t._data, ctx.weight, ctx.smoothing, x._data.shape[1])
        q = q if isinstance(q, Tensor) else Tensor._wrap(q)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            sm = x.softmax(1) if recording else sm  # recorded backward: differentiate through softmax
            gx = (sm * q.sum(1, keepdim=True) - q) * coef
        if ctx.needs_input_grad[1]:
            if recording:
                logp = x.log_softmax(1)
            scale = 1.0 - ctx.smoothing
            if ctx.weight is not None:
                logp = logp * Tensor._wrap(ctx.weight.reshape(class_shape(x._data.ndim, x._data.shape[1])))
            gt = -(logp * coef) * scale if scale != 1.0 else -(logp * coef)
        return gx, gt, None, None, None


def _prob_q(t, weight, smoothing, n_classes):
    """Works on ndarrays (forward, plain backward) and Tensors (recorded backward) alike."""
    if smoothing:
        t = t * (1.0 - smoothing) + smoothing / n_classes
    if weight is not None:
        w = weight.reshape(class_shape(t.ndim, n_classes))
        t = t * (w if isinstance(t, np.ndarray) else Tensor._wrap(w))
    return t


class NLLLoss(Function):
    """nll_loss: loss_n = -weight[t_n] * x[n, t_n]; linear in x, so its gradient is the constant
    -w_n onehot(t_n) times the incoming gradient."""
    torch_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xd = x._data
        t, w, valid, denom = index_weights(target, weight, ignore_index, xd.dtype)
        loss = -pick(xd, t)
        if w is not None:
            loss = loss * w
        ctx.reduction, ctx.denom = reduction, denom
        ctx.shape, ctx.dtype, ctx.q_args = xd.shape, xd.dtype, (t, w, valid, weight, 0.0)
        return reduce_np(loss, reduction, denom)

    @staticmethod
    def backward(ctx, grad):
        q = _index_q(ctx.shape, ctx.dtype, *ctx.q_args)
        return Tensor._wrap(-q) * grad_coef(ctx, grad), None, None, None, None


# ---- binary cross entropy -----------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """Element-wise -(t log x + (1 - t) log(1 - x)), each log clamped at -100 as torch (so x = 0 or 1
    gives a finite loss). dx = (x - t) / max(x (1 - x), 1e-12), dt = log(1 - x) - log x (clamped)."""

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
            with np.errstate(divide="ignore"):
                gt = grad * ((1 - x).log().clamp(min=-100.0) - x.log().clamp(min=-100.0))
        return gx, gt


def _softplus_neg(x):
    """log(1 + exp(-x)) = max(-x, 0) + log1p(exp(-|x|)): never overflows (Tensor ops)."""
    return (-x).relu() + tinygrad_edu.log1p((-x.abs()).exp())


class BinaryCrossEntropyWithLogits(Function):
    """Element-wise sigmoid + BCE, stable for any logit: with sp = log(1 + exp(-x)) and
    l = 1 + (pos_weight - 1) t, loss = (1 - t) x + l sp  (= max(x, 0) - x t + log1p(exp(-|x|))
    without pos_weight). dx = l sigmoid(x) - pos_weight t, dt = (pos_weight - 1) sp - x,
    dpos_weight = t sp."""

    @staticmethod
    def forward(ctx, x, t, pos_weight):
        xd, td = x._data, t._data
        sp = np.maximum(-xd, 0) + np.log1p(np.exp(-np.abs(xd)))
        ctx.save_for_backward(x, t, pos_weight)
        if pos_weight is None:
            return (1 - td) * xd + sp
        return (1 - td) * xd + (1 + (pos_weight._data - 1) * td) * sp

    @staticmethod
    def backward(ctx, grad):
        x, t, pw = ctx.saved_tensors
        needs = ctx.needs_input_grad
        gx = gt = gpw = None
        if needs[0]:
            sig = x.sigmoid()
            gx = grad * (sig - t) if pw is None else grad * ((1 + (pw - 1) * t) * sig - pw * t)
        if needs[1] or (pw is not None and needs[2]):
            sp = _softplus_neg(x)
            if needs[1]:
                gt = -grad * x if pw is None else grad * ((pw - 1) * sp - x)
            if pw is not None and needs[2]:
                gpw = unbroadcast(grad * t * sp, pw._data.shape)
        return gx, gt, gpw
