"""clamp (clip), clamp_min, clamp_max: x limited to [min, max]; the bounds are numbers or tensors.
The derivatives are masks: constant arrays computed from x and the bounds."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import where


class Clamp(Function):
    """ClampBackward1 (ClampBackward0 with tensor bounds; ClampMin/ClampMaxBackward0/1 for clamp_min,
    clamp_max: `name`). d clamp(x)/dx = 1 where min <= x <= max (bounds included, as torch), else 0.
    Tensor bounds: d/dmin = 1 where x < min (and min < max), d/dmax = 1 where x > max or max < min
    (clamp is then max everywhere). Constant masks, from forward."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, lo, hi, name=None):
        d = x._data
        lo = lo._data if isinstance(lo, Tensor) else lo
        hi = hi._data if isinstance(hi, Tensor) else hi
        needs = ctx.needs_input_grad
        if True in needs:  # a node is recorded (tensor bounds may be what requires grad)
            ctx.save_for_backward(*_clamp_masks(d, lo, hi, needs))
        tensor_bounds = isinstance(lo, np.ndarray) or isinstance(hi, np.ndarray)
        # torch's node lists the tensor overload's operands: (x, min, max), or x and the one bound
        ctx.graph_inputs = ((0, 1, 2) if name is None else (0, 1 if hi is None else 2)) if tensor_bounds else (0,)
        ctx.torch_name = name or ("ClampBackward0" if tensor_bounds else None)
        out = d if lo is None else np.maximum(d, lo)
        out = out if hi is None else np.minimum(out, hi)
        return out if out is not d else out.copy()

    @staticmethod
    def backward(ctx, grad):
        inside, below, above = ctx.saved_values
        return (grad * inside, (None if below is None else grad * below),
                (None if above is None else grad * above), None)

    @staticmethod
    def jvp(ctx, tx, tlo, thi, _):
        """Number bounds: d clamp(x) = dx where min <= x <= max, else 0 (backward's mask, as torch).
        Tensor bounds, as torch's forward rules (which settle ties unlike its backward): the tangent
        of whichever is the output, dmax where max < min, else dmin where x < min, dmax where
        x > max, dx otherwise; with one tensor bound, a tie x == bound takes the bound's tangent
        in clamp, x's in clamp_min and clamp_max."""
        x, lo, hi = ctx.primals[:3]
        d = x._data
        if not isinstance(lo, Tensor) and not isinstance(hi, Tensor):
            return where(Tensor._wrap(_clamp_masks(d, lo, hi, (True, False, False))[0]), tx, 0.0)
        tlo, thi = (0.0 if t is None else t for t in (tlo, thi))  # a number bound has no tangent
        lo, hi = (b._data if isinstance(b, Tensor) else b for b in (lo, hi))
        to_x = ctx.torch_name in ("ClampMinBackward1", "ClampMaxBackward1")

        def mask(m):
            return Tensor._wrap(np.asarray(m))
        if hi is None:
            return where(mask(d >= lo if to_x else d > lo), tx, tlo)
        if lo is None:
            return where(mask(d <= hi if to_x else d < hi), tx, thi)
        return where(mask(lo > hi), thi, where(mask(d < lo), tlo, where(mask(d > hi), thi, tx)))


def _clamp_masks(d, lo, hi, needs):
    """Where the gradient goes: to x inside the bounds, to a tensor bound where it is the one active."""
    inside = np.ones(d.shape, dtype=bool)
    if lo is not None:
        inside = inside & (d >= lo)
    if hi is not None:
        inside = inside & (d <= hi)
    below = above = None
    if needs[1]:
        below = (d < lo) if hi is None else (d < lo) & (lo < hi)
    if needs[2]:
        above = (d > hi) if lo is None else (d > hi) | (hi < lo)
    return inside, below, above


def _bound(b):
    """A clamp bound: None, a Tensor or a real number (numpy scalars as Python numbers: weak)."""
    if b is None or isinstance(b, Tensor):
        return b
    b = _dt.weak_scalar(b)
    if isinstance(b, complex):
        raise RuntimeError("value cannot be converted to type double without overflow")
    if not isinstance(b, (int, float)):
        raise TypeError(f"clamp(): argument 'min' / 'max' must be a Number or Tensor, not {_dt.type_name(b)}")
    return b


def _clamp_dtype(x, lo, hi):
    """torch's result dtype of clamp(x, lo, hi): promotion over the three operands."""
    target, dimmed = x._data.dtype, x._data.ndim > 0
    for b in (lo, hi):
        if isinstance(b, Tensor):
            target = _dt.promote_arrays(target, b._data.dtype, not dimmed, b._data.ndim == 0)
            dimmed = dimmed or b._data.ndim > 0
        elif b is not None:
            target = _dt.promote_with_scalar(target, b)
    return target


def _clamp(input, min, max, name):
    if not isinstance(input, Tensor):
        raise _dt.not_tensor_error("clamp", input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if (type(min) is not float and type(min) is not int) or (type(max) is not float and type(max) is not int):
        min, max = _bound(min), _bound(max)
    target = _clamp_dtype(input, min, max)
    if target != input._data.dtype:
        input = input.to(target)  # an integer tensor clamped to float bounds is promoted, as in torch
    min, max = (b.to(target) if isinstance(b, Tensor) and b._data.dtype != target else b for b in (min, max))
    return Clamp.apply(input, min, max, name)


def clamp(input, min=None, max=None):
    _check_bound_kinds("clamp", input, min, max)
    return _clamp(input, min, max, None)


def clip(input, min=None, max=None):
    _check_bound_kinds("clip", input, min, max)
    return _clamp(input, min, max, None)


def _check_bound_kinds(name, input, lo, hi):
    """torch takes two tensor bounds or two number bounds (either may be None), not one of each."""
    if lo is not None and hi is not None and isinstance(lo, Tensor) != isinstance(hi, Tensor):
        got = ", ".join(type(a).__name__ for a in (input, lo, hi))
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        f" * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                        f" * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")


def clamp_min(input, min):
    return _clamp(input, min, None, "ClampMinBackward1" if isinstance(min, Tensor) else "ClampMinBackward0")


def clamp_max(input, max):
    return _clamp(input, None, max, "ClampMaxBackward1" if isinstance(max, Tensor) else "ClampMaxBackward0")
