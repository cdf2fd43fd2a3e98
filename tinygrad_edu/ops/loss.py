"""The fused loss operations behind nn/losses.py (torch's ATen loss kernels), one Function each.

Forward computes the loss with numpy in one numerically stable pass. `backward` is written in
Tensor operations (so create_graph=True differentiates through it; cross entropy then recomputes
softmax(x) as a graph node); `backward_arrays` computes the same in numpy for a plain backward()
from what forward saved (cross entropy: the softmax itself). Argument checks are in nn/losses.py:
these classes assume valid arguments (targets as int64 ndarrays, class weights as ndarrays). The
element-wise losses (binary cross entropy, mean squared error) are in loss_elemwise.py.

Cross entropy with class dim 1 and a per-sample weighted target distribution q (see `_index_q`):

    loss_n = -sum_c q[n, c] * log_softmax(x)[n, c]
    dloss_n/dx[n, c] = (sum_k q[n, k]) * softmax(x)[n, c] - q[n, c]

which is "softmax minus the target distribution, times the weights".
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .softmax import LogSoftmax, Softmax, softmax_parts


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


def reduce_tangent(t, reduction, denom):
    """A per-sample tangent reduced as the loss is: kept ('none'), summed, or summed / denom ('mean';
    nan when nothing counts, as the loss and torch's tangent)."""
    if reduction == "none":
        return t
    total = t.sum()
    if reduction == "sum":
        return total
    return total / denom if denom else total * float("nan")


def grad_coef(ctx, grad):
    """The incoming gradient spread over the samples: divided by the denominator for 'mean', given
    a class dim for 'none'. Arithmetic and reshape only: the same lines for arrays and Tensors."""
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


# ---- cross entropy ------------------------------------------------------------------------------------
class CrossEntropyIndex(Function):
    """NllLossBackward0 (AddBackward0 with label smoothing): torch runs log_softmax then nll_loss,
    whose node comes last. Fused here: log p is picked at the target instead of formed everywhere.
    dloss_n/dx = (sum_c q[n, c]) softmax(x)[n] - q[n]; for plain one-hot targets softmax - onehot."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, smoothing):
        xd = x._data
        m, e, s = softmax_parts(xd, 1)
        log_s = np.log(s)
        t, w, valid, denom = index_weights(target, weight, ignore_index, xd.dtype)
        nll = log_s.squeeze(1) - (pick(xd, t) - m.squeeze(1))  # -log p[target], shifted first (no cancellation)
        if w is not None:
            nll = nll * w
        if smoothing:
            logp = xd - m
            logp -= log_s
            wlogp = logp if weight is None else logp * weight.reshape(class_shape(xd.ndim, xd.shape[1]))
            smooth = -np.sum(wlogp, axis=1)
            if valid is not None:
                smooth = np.where(valid, smooth, 0)
            nll = (1.0 - smoothing) * nll + (smoothing / xd.shape[1]) * smooth
            ctx.torch_name = "AddBackward0"  # torch mixes the smoothing term in with an add
        ctx.reduction, ctx.denom = reduction, denom
        ctx.q_args = (t, w, valid, weight, smoothing)
        # softmax = e / s, left undivided: backward scales e by (coef / s) in its one pass anyway
        ctx.save_for_backward(x, e if ctx.needs_input_grad[0] else None, s)
        return reduce_np(nll, reduction, denom)

    @staticmethod
    def backward(ctx, grad):
        x, _, _ = ctx.saved_tensors  # softmax(x) recomputed as a node, so that it is differentiated
        q = _index_q(x._data.shape, x._data.dtype, *ctx.q_args)
        qsum = Tensor._wrap(np.sum(q, axis=1, keepdims=True))
        gx = (Softmax.apply(x, 1) * qsum - Tensor._wrap(q)) * grad_coef(ctx, grad)
        return gx, None, None, None, None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        x, e, s = ctx.saved_arrays  # softmax = e / s
        if getattr(ctx, "e_used", False):  # a second backward (retain_graph): e's buffer became dx
            _, e, s = softmax_parts(x, 1)
        t, w, _, _, smoothing = ctx.q_args
        coef = grad_coef(ctx, grad)
        if w is None and not smoothing:  # q is one-hot (sum 1): softmax * coef, minus coef at the target
            # one pass, written over e (the logits' size: a fresh buffer costs more than the arithmetic)
            gx = np.multiply(e, (coef / s).astype(e.dtype, copy=False), out=e)
            ctx.e_used = True
            coef_t = coef if np.ndim(coef) == 0 else pick(np.broadcast_to(coef, gx.shape), t)  # 'none': per sample
            put(gx, t, pick(gx, t) - coef_t)
        else:
            q = _index_q(e.shape, e.dtype, *ctx.q_args)
            gx = (e / s * np.sum(q, axis=1, keepdims=True) - q) * coef
        return gx, None, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, *unused):
        """dloss_n = sum_c ((sum_k q[n, k]) softmax(x)[n, c] - q[n, c]) dx[n, c], reduced as the loss
        (the target is class indices and the weights constants: no tangent)."""
        x = ctx.primals[0]
        q = _index_q(x._data.shape, x._data.dtype, *ctx.q_args)
        coef = Softmax.apply(x, 1) * Tensor._wrap(np.sum(q, axis=1, keepdims=True)) - Tensor._wrap(q)
        return reduce_tangent((coef * tx).sum(1), ctx.reduction, ctx.denom)


def _prob_q(t, weight_c, smoothing, n_classes):
    """q = weight_c ((1 - eps) t + eps / C). Arithmetic only: t and weight_c (class-shaped) are both
    arrays or both Tensors."""
    if smoothing:
        t = t * (1.0 - smoothing) + smoothing / n_classes
    return t if weight_c is None else t * weight_c


def _prob_target_grad(logp, weight_c, smoothing, coef):
    """dloss/dt = -(1 - eps) weight_c log_softmax(x), times the incoming gradient (arrays or Tensors)."""
    if weight_c is not None:
        logp = logp * weight_c
    gt = -(logp * coef)
    return gt * (1.0 - smoothing) if smoothing else gt


class CrossEntropyProb(Function):
    """DivBackward1 for 'mean', NegBackward0 otherwise (torch's last op). cross_entropy with class
    probabilities t (same shape as x): loss_n = -sum_c q[n, c] log_softmax(x)[n, c] with
    q = weight_c ((1 - eps) t + eps / C); dx = (sum_c q) softmax(x) - q, dt = -(1 - eps) weight_c
    log_softmax(x), times the incoming gradient. 'mean' divides by the number of samples N * d1 * ..."""

    @staticmethod
    def forward(ctx, x, target, weight, reduction, smoothing):
        xd = x._data
        m, e, s = softmax_parts(xd, 1)
        logp = xd - m  # (x - m) - log s: shifted first, so that log p of the max is accurate
        logp -= np.log(s)
        ctx.weight_c = None if weight is None else weight.reshape(class_shape(xd.ndim, xd.shape[1]))
        loss = -np.sum(_prob_q(target._data, ctx.weight_c, smoothing, xd.shape[1]) * logp, axis=1)
        ctx.reduction, ctx.denom, ctx.smoothing = reduction, float(loss.size), smoothing
        ctx.torch_name = "DivBackward1" if reduction == "mean" else "NegBackward0"
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x, target, np.divide(e, s, out=e) if needs[0] else None, logp if needs[1] else None)
        return reduce_np(loss, reduction, ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        x, t, _, _ = ctx.saved_tensors  # softmax and log_softmax recomputed as nodes
        coef, n_classes = grad_coef(ctx, grad), x._data.shape[1]
        weight_c = None if ctx.weight_c is None else Tensor._wrap(ctx.weight_c)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            q = _prob_q(t, weight_c, ctx.smoothing, n_classes)
            gx = (Softmax.apply(x, 1) * q.sum(1, keepdims=True) - q) * coef
        if ctx.needs_input_grad[1]:
            gt = _prob_target_grad(LogSoftmax.apply(x, 1), weight_c, ctx.smoothing, coef)
        return gx, gt, None, None, None

    @staticmethod
    def backward_arrays(ctx, grad):
        _, t, sm, logp = ctx.saved_arrays
        coef = grad_coef(ctx, grad)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            q = _prob_q(t, ctx.weight_c, ctx.smoothing, t.shape[1])
            gx = (sm * q.sum(1, keepdims=True) - q) * coef
        if ctx.needs_input_grad[1]:
            gt = _prob_target_grad(logp, ctx.weight_c, ctx.smoothing, coef)
        return gx, gt, None, None, None

    @staticmethod
    def jvp(ctx, tx, tt, *unused):
        """dloss_n = sum_c ((sum_k q[n, k]) softmax(x) - q) dx - (1 - eps) weight_c log_softmax(x) dt,
        summed over the classes, reduced as the loss."""
        x, t = ctx.primals[:2]
        weight_c = None if ctx.weight_c is None else Tensor._wrap(ctx.weight_c)
        q = _prob_q(t, weight_c, ctx.smoothing, x._data.shape[1])
        dx = (Softmax.apply(x, 1) * q.sum(1, keepdims=True) - q) * tx
        if ctx.has_tangent[1]:  # (a target without tangent adds nothing: not 0 * log_softmax = 0 * -inf)
            dx = dx + _prob_target_grad(LogSoftmax.apply(x, 1), weight_c, ctx.smoothing, tt)
        return reduce_tangent(dx.sum(1), ctx.reduction, ctx.denom)


class NllLoss(Function):
    """NllLossBackward0. loss_n = -weight[t_n] x[n, t_n]: linear in x, so dloss/dx = -q with
    q = w_n onehot(t_n), a constant saved by forward, times the incoming gradient."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        xd = x._data
        t, w, valid, denom = index_weights(target, weight, ignore_index, xd.dtype)
        loss = -pick(xd, t)
        if w is not None:
            loss = loss * w
        ctx.reduction, ctx.denom = reduction, denom
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(-_index_q(xd.shape, xd.dtype, t, w, valid, weight, 0.0))
        return reduce_np(loss, reduction, denom)

    @staticmethod
    def backward(ctx, grad):
        (minus_q,) = ctx.saved_values
        return grad_coef(ctx, grad) * minus_q, None, None, None, None

    @staticmethod
    def jvp(ctx, tx, *unused):
        """Linear in x: the loss of the tangent, dloss = nll_loss(dx, t) (same weights, ignore_index, reduction)."""
        return NllLoss.apply(tx, *ctx.primals[1:])
