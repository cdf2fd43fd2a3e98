"""Loss functions (torch.nn.functional's losses): argument checks with torch's errors, then either a
fused Function of tinygrad_edu/ops/loss.py (cross entropy, NLL, BCE, BCE with logits) or a few Tensor ops.

Every loss is computed per element / per sample and then reduced: reduction='none' keeps them,
'sum' adds them, 'mean' averages them (for the class-index losses: a weighted average, divided by
the summed weights of the targets that are not ignored, as torch does).
"""
import warnings

import numpy as np

import tinygrad_edu
from tinygrad_edu.autograd.names import named
from tinygrad_edu.ops import loss as loss_ops
from tinygrad_edu.ops import loss_elemwise
from tinygrad_edu.ops.elementwise import _check_broadcast as check_broadcast

Tensor = tinygrad_edu.Tensor

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]

def _name(t):
    """torch's ScalarType name of t's dtype (Float, Long, ...), as its error messages print it."""
    return t.dtype.scalar_name


# ---- reductions -------------------------------------------------------------------------------------
def legacy_reduction(size_average, reduce, emit_warning=True):
    """Map the deprecated size_average / reduce flags to a reduction string (torch's _Reduction)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if emit_warning:
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                      stacklevel=3)
    return ret


def _reduction(reduction, size_average=None, reduce=None, allowed=("none", "mean", "sum")):
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_broadcast(shape, target_shape, what="target"):
    """torch broadcasts `what` to `shape` (and never the other way round)."""
    try:
        out = np.broadcast_shapes(shape, target_shape)
    except ValueError:
        out = None
    if out != tuple(shape):
        raise RuntimeError(f"{what} of shape {list(target_shape)} cannot be broadcast to the input shape "
                           f"{list(shape)}")


# ---- cross entropy and NLL --------------------------------------------------------------------------
def _check_floating(x, kernel):
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_name(x)}'")


def _check_weight(weight, n_classes, prefix=""):
    """The class weights as an ndarray (None stays None), checked like torch's nll_loss."""
    if weight is None:
        return None
    if weight._data.ndim != 1 or weight._data.size != n_classes:
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {n_classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    return weight._data


def _index_target(x, target, weight, ignore_index):
    """Check class-index targets against an (N, C, d1, ...) or (C,) input (torch's nll_loss_nd).

    Returns the target and class weights as ndarrays, and ignore_index, or None when no target
    can equal it (then the loss needs no mask of the ignored targets).
    """
    shape, t = x._data.shape, target._data
    if len(shape) < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {len(shape)})")
    if len(shape) == 1:
        if t.ndim == 1 and t.size != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.size}")
    elif shape[0] != (t.shape[0] if t.ndim else 0):
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target batch_size "
                         f"({t.shape[0] if t.ndim else 0}).")
    if len(shape) > 2 and t.shape != shape[:1] + shape[2:]:
        raise RuntimeError(f"Expected target size {[shape[0], *shape[2:]]}, got {list(t.shape)}")
    if len(shape) <= 2 and t.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if t.dtype != np.int64:
        if t.dtype != np.uint8:
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_name(target)}")
        t = t.astype(np.int64)
    n_classes = shape[1] if len(shape) > 1 else shape[0]
    w = _check_weight(weight, n_classes)
    if w is not None and w.dtype != x._data.dtype:
        raise RuntimeError(f"expected scalar type {_name(x)} but found {_name(weight)}")
    # One reduction tests the range: viewed as unsigned, a negative target is a huge number. Only
    # when it fails is the culprit searched for (targets equal to ignore_index may be anything).
    if t.size and t.view(np.uint64).max() >= n_classes:
        bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise IndexError(f"Target {t[bad][0]} is out of bounds.")
    elif not 0 <= ignore_index < n_classes:
        ignore_index = None  # every target is a class, so none equals ignore_index
    return t, w, ignore_index


def _require_tensor(target, kernel):
    if not isinstance(target, Tensor):
        raise TypeError(f"{kernel}(): argument 'target' (position 2) must be Tensor, not {type(target).__name__}")


def _check_ignore_index(ignore_index, kernel):
    """torch's TypeError for an ignore_index that is not an integer (a float, a bool)."""
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{kernel}(): argument 'ignore_index' (position 5) must be int, not "
                        f"{type(ignore_index).__name__}")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """torch.nn.functional.cross_entropy: -sum_c q_c log_softmax(input)_c over the class dim 1.

    `target` holds class indices (int64/uint8, shape (N, d1, ...), or 0-d for a (C,) input) or class
    probabilities (floating, same shape as input). One fused Function computes the stable
    log-softmax and the NLL together; its gradient is softmax minus the weighted target distribution.
    """
    reduction = _reduction(reduction, size_average, reduce)
    _require_tensor(target, "cross_entropy_loss")
    if type(ignore_index) is not int:
        _check_ignore_index(ignore_index, "cross_entropy_loss")
    _check_floating(input, "log_softmax_lastdim_kernel_impl")
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    smoothing = float(label_smoothing) if label_smoothing > 0.0 else 0.0  # torch ignores a negative one
    if input._data.shape == target._data.shape:
        return _cross_entropy_prob(input, target, weight, ignore_index, reduction, smoothing)
    t, w, ignore = _index_target(input, target, weight, ignore_index)
    if input._data.ndim == 1:
        out = loss_ops.CrossEntropyIndex.apply(input.reshape(1, -1), t.reshape(1), w, ignore, reduction, smoothing)
        return out.reshape(()) if reduction == "none" else out
    return loss_ops.CrossEntropyIndex.apply(input, t, w, ignore, reduction, smoothing)


def _cross_entropy_prob(x, target, weight, ignore_index, reduction, smoothing):
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got {_name(target)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if x._data.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    n_classes = x._data.shape[1] if x._data.ndim > 1 else x._data.shape[0]
    w = _check_weight(weight, n_classes, prefix="cross_entropy: ")
    # other dtypes: as torch, log_softmax in the logits' dtype, its product with the targets promoted
    if target._data.dtype != x._data.dtype and np.result_type(x._data.dtype, target._data.dtype) == x._data.dtype:
        target = target.to(x.dtype)
    if w is not None and w.dtype != x._data.dtype:
        w = w.astype(x._data.dtype)
    if x._data.ndim == 1:
        out = loss_ops.CrossEntropyProb.apply(x.reshape(1, -1), target.reshape(1, -1), w, reduction, smoothing)
        return out.reshape(()) if reduction == "none" else out
    return loss_ops.CrossEntropyProb.apply(x, target, w, reduction, smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """torch.nn.functional.nll_loss: -weight[t] * input[n, t] for log-probability inputs (N, C, d1, ...)."""
    reduction = _reduction(reduction, size_average, reduce)
    _require_tensor(target, "nll_loss_nd")
    if type(ignore_index) is not int:
        _check_ignore_index(ignore_index, "nll_loss_nd")
    t, w, ignore = _index_target(input, target, weight, ignore_index)
    _check_floating(input, "nll_loss_out_frame")
    if input._data.ndim == 1:
        out = loss_ops.NllLoss.apply(input.reshape(1, -1), t.reshape(1), w, ignore, reduction)
        return out.reshape(()) if reduction == "none" else out
    return loss_ops.NllLoss.apply(input, t, w, ignore, reduction)


# ---- binary cross entropy ---------------------------------------------------------------------------
def _weighted(loss, weight, reduction):
    if weight is not None:
        _check_broadcast(loss._data.shape, weight._data.shape, "weight")
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.binary_cross_entropy: -w (t log x + (1 - t) log(1 - x)), logs clamped at -100."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_name(target)} but expected {_name(input)}")
    xd, td = input._data, target._data
    if not np.all((xd >= 0) & (xd <= 1)):  # written so that nan fails too, as in torch
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not np.all((td >= 0) & (td <= 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    return named(_weighted(loss_elemwise.BinaryCrossEntropy.apply(input, target), weight, reduction),
                 "BinaryCrossEntropyBackward0")  # torch's one node, whatever the weight and reduction


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """torch.nn.functional.binary_cross_entropy_with_logits: BCE of sigmoid(input), computed stably as
    max(x, 0) - x t + log1p(exp(-|x|)); pos_weight p scales the positive term: t log sigmoid(x) * p."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"result type {_name(input)} can't be cast to the desired output type {_name(target)}")
    # other dtypes: as torch, log(sigmoid(x)) in the logits' dtype, the rest promoted with the targets
    if pos_weight is not None:
        _check_broadcast(input._data.shape, pos_weight._data.shape, "pos_weight")
        pos_weight = pos_weight.to(np.result_type(input._data.dtype, target._data.dtype))
    loss = loss_elemwise.BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    return named(_weighted(loss, weight, reduction), "BinaryCrossEntropyWithLogitsBackward0")


# ---- regression losses: a function of the difference ------------------------------------------------
def _broadcast_shape(input, target, stacklevel=4):
    """The shape input and target broadcast to; torch's warning when they differ (it names the
    user's call: loss function -> this helper's caller -> here), its RuntimeError when they cannot
    ("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0")."""
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=stacklevel)
    check_broadcast(input._data.shape, target._data.shape)
    return np.broadcast_shapes(input._data.shape, target._data.shape)


def _pointwise(input, target, reduction, weight, of_difference, mean_by_weight=True):
    """Warn (as torch) when the shapes differ, broadcast, apply `of_difference(input - target)`,
    then weight and reduce. torch's weighted 'mean' divides by the summed weights for mse/l1."""
    _broadcast_shape(input, target)
    loss = of_difference(input - target)
    if weight is None:
        return _reduce(loss, _reduction(reduction))
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _square(d):
    return d ** 2


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """torch.nn.functional.mse_loss: (input - target)^2, reduced. As torch's graph: one MseLoss node
    on the operands broadcast to one shape (ExpandBackward0 on an operand that needed it); with a
    weight, the composition torch uses ((input - target) ** 2 * weight, summed, / weight.sum())."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if weight is not None:
        return _pointwise(input, target, reduction, weight, _square)
    reduction = _reduction(reduction)
    shape = _broadcast_shape(input, target, stacklevel=3)
    input = input if input._data.shape == shape else input.expand(shape)
    target = target if target._data.shape == shape else target.expand(shape)
    return loss_elemwise.MseLoss.apply(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """torch.nn.functional.l1_loss: |input - target|, reduced (gradient sign(d), 0 at d = 0)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    return _pointwise(input, target, reduction, weight, Tensor.abs)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """torch.nn.functional.smooth_l1_loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.
    beta = 0 is the L1 loss."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return _pointwise(input, target, reduction, None, Tensor.abs)

    def smooth(d):
        a = d.abs()
        return tinygrad_edu.where(a < beta, (0.5 / beta) * (d * d), a - 0.5 * beta)
    return _pointwise(input, target, reduction, None, smooth)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """torch.nn.functional.huber_loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)
    (= delta * smooth_l1 with beta = delta). A weighted 'mean' is a plain mean here, as torch."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def huber(d):
        a = d.abs()
        return tinygrad_edu.where(a < delta, 0.5 * (d * d), delta * (a - 0.5 * delta))
    return _pointwise(input, target, reduction, weight, huber, mean_by_weight=False)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch.nn.functional.kl_div for log-probability `input`: target (log target - input), i.e.
    xlogy(t, t) - t input (0 where t = 0); with log_target: exp(t) (t - input).
    'batchmean' divides the sum by the batch size (the KL divergence); 'mean' by every element."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    else:
        reduction = _reduction(reduction, allowed=("none", "mean", "sum", "batchmean"))
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        nonzero = target != 0
        safe = tinygrad_edu.where(nonzero, target, 1.0)  # keeps log(0) out of the graph (no 0 * inf)
        loss = tinygrad_edu.where(nonzero, target * safe.log(), 0.0) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)
