"""Three-operand element-wise ops: addcmul, addcdiv, lerp (torch's fused forms of x + v t1 t2,
x + v t1 / t2 and start + w (end - start)). Operands broadcast together; the engine sums each
gradient back to its operand's shape."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.forward_ad import tangent_sum
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import _check_broadcast, in_layout_of
from .unary import cast


class Addcmul(Function):
    """AddcmulBackward0. out = x + v t1 t2; d/dx = 1, d/dt1 = v t2, d/dt2 = v t1."""
    graph_inputs = (0, 1, 2)
    array_backward = True

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        needs = ctx.needs_input_grad
        ctx.value = value
        ctx.save_for_backward(t2 if needs[1] else None, t1 if needs[2] else None)
        return in_layout_of(x._data, x._data + value * (t1._data * t2._data))

    @staticmethod
    def backward(ctx, grad):
        t2, t1 = ctx.saved_values
        needs, v = ctx.needs_input_grad, ctx.value
        return (grad if needs[0] else None), (grad * t2 * v if needs[1] else None), \
            (grad * t1 * v if needs[2] else None), None

    @staticmethod
    def jvp(ctx, tx, tt1, tt2, _):
        """d (x + v t1 t2) = dx + v (dt1 t2 + t1 dt2)."""
        (_, t1, t2, v), given = ctx.primals, ctx.has_tangent  # (terms without tangent left out: 0 * inf)
        product = tangent_sum(tt1 * t2 if given[1] else None, t1 * tt2 if given[2] else None)
        return tangent_sum(tx if given[0] else None, None if product is None else product * v)


class Addcdiv(Function):
    """AddcdivBackward0. out = x + v t1 / t2; d/dx = 1, d/dt1 = v / t2, d/dt2 = -v t1 / t2^2."""
    graph_inputs = (0, 1, 2)
    array_backward = True

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.value = value
        ctx.save_for_backward(t1 if ctx.needs_input_grad[2] else None, t2)
        return in_layout_of(x._data, x._data + value * (t1._data / t2._data))

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_values
        needs, v = ctx.needs_input_grad, ctx.value
        return (grad if needs[0] else None), (grad * v / t2 if needs[1] else None), \
            (-grad * v * t1 / (t2 * t2) if needs[2] else None), None

    @staticmethod
    def jvp(ctx, tx, tt1, tt2, _):
        """d (x + v t1 / t2) = dx + v (dt1 - (t1 / t2) dt2) / t2."""
        (_, t1, t2, v), given = ctx.primals, ctx.has_tangent  # (terms without tangent left out: 0 * inf)
        quotient = tangent_sum(tt1 if given[1] else None, -(t1 / t2) * tt2 if given[2] else None)
        return tangent_sum(tx if given[0] else None, None if quotient is None else quotient / t2 * v)


def lerp_arrays(start, end, weight):
    """start + w (end - start), computed from the nearer end as torch does (exact at w = 0 and w = 1)."""
    diff = end - start
    small = np.abs(weight) < 0.5
    out = np.where(small, start + weight * diff, end - diff * (1 - weight))
    return np.asarray(out, dtype=np.result_type(start, end))


class Lerp(Function):
    """LerpBackward0 (scalar weight) / LerpBackward1 (tensor weight). out = s + w (e - s);
    d/ds = 1 - w, d/de = w, d/dw = e - s."""
    array_backward = True

    @staticmethod
    def forward(ctx, start, end, weight):
        w = weight._data if isinstance(weight, Tensor) else weight
        if isinstance(weight, Tensor):
            ctx.torch_name = "LerpBackward1"
        else:
            ctx.graph_inputs = (0, 1)
        needs = ctx.needs_input_grad
        ctx.save_for_backward(weight, start if needs[2:3] == (True,) else None,
                              end if needs[2:3] == (True,) else None)
        return in_layout_of(start._data, lerp_arrays(start._data, end._data, w))

    @staticmethod
    def backward(ctx, grad):
        w, start, end = ctx.saved_values
        needs = ctx.needs_input_grad
        gw = grad * (end - start) if needs[2:3] == (True,) else None
        return (grad * (1 - w) if needs[0] else None), (grad * w if needs[1] else None), gw

    @staticmethod
    def jvp(ctx, ts, te, tw):
        """d lerp(s, e, w) = ds + w (de - ds) + (e - s) dw (a number weight has no tangent)."""
        start, end, w = ctx.primals
        # written as torch's, ds + w (de - ds): with an infinite w, (1 - w) ds + w de would be inf - inf
        return tangent_sum(ts + w * (te - ts), tw * (end - start) if tw is not None and ctx.has_tangent[2] else None)


# ---- public functions ------------------------------------------------------------------------------
def _common(fname, names, tensors):
    """torch's checks and promotion for tensor operands that broadcast together: the result dtype
    over all of them (0-d tensors weak against dimensioned ones of their category)."""
    for i, (name, t) in enumerate(zip(names, tensors), 1):
        if not isinstance(t, Tensor):
            raise _dt.not_tensor_error(fname, t, i, name)
    shapes = [t._data.shape for t in tensors]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        for a in range(len(shapes)):
            for b in range(a + 1, len(shapes)):
                _check_broadcast(shapes[a], shapes[b])
    target, dimmed = tensors[0]._data.dtype, tensors[0]._data.ndim > 0
    for t in tensors[1:]:
        target = _dt.promote_arrays(target, t._data.dtype, not dimmed, t._data.ndim == 0)
        dimmed = dimmed or t._data.ndim > 0
    return target, [cast(t, target) for t in tensors]


def _value(fname, value, target):
    value = _dt.weak_scalar(value)
    if isinstance(value, Tensor) or not isinstance(value, (bool, int, float)):
        raise TypeError(f"{fname}(): argument 'value' must be Number, not {_dt.type_name(value)}")
    if target.kind in "iu":
        return int(value)  # torch casts the value to the integer dtype (0.5 becomes 0)
    return value


def addcmul(input, tensor1, tensor2, *, value=1):
    target, (x, t1, t2) = _common("addcmul", ("input", "tensor1", "tensor2"), (input, tensor1, tensor2))
    return Addcmul.apply(x, t1, t2, _value("addcmul", value, target))


def addcdiv(input, tensor1, tensor2, *, value=1):
    for i, (name, t) in enumerate((("input", input), ("tensor1", tensor1), ("tensor2", tensor2)), 1):
        if not isinstance(t, Tensor):
            raise _dt.not_tensor_error("addcdiv", t, i, name)
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                           "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
                           "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter implementation: "
                           "(input + value * tensor1 / tensor2), for all dtypes.")
    target, (x, t1, t2) = _common("addcdiv", ("input", "tensor1", "tensor2"), (input, tensor1, tensor2))
    return Addcdiv.apply(x, t1, t2, _value("addcdiv", value, target))


def lerp(input, end, weight):
    """torch.lerp: start and end of one float dtype; weight a number or a tensor of that dtype (a 0-d
    weight of another float dtype is cast)."""
    for i, (name, t) in enumerate((("input", input), ("end", end)), 1):
        if not isinstance(t, Tensor):
            raise _dt.not_tensor_error("lerp", t, i, name)
    dt = input._data.dtype
    if dt.kind != "f":
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dt._BY_NUMPY[dt].scalar_name}'")
    if end._data.dtype != dt:
        raise RuntimeError(f"expected dtype {input.dtype.scalar_name.lower()} for `end` but got dtype "
                           f"{end.dtype.scalar_name.lower()}")
    if isinstance(weight, Tensor):
        if weight._data.dtype != dt:
            if weight._data.ndim:
                raise RuntimeError(f"expected dtype {input.dtype.scalar_name.lower()} for `weight` but got "
                                   f"dtype {weight.dtype.scalar_name.lower()}")
            weight = cast(weight, dt)
        _, (input, end, weight) = _common("lerp", ("input", "end", "weight"), (input, end, weight))
        return Lerp.apply(input, end, weight)
    weight = _dt.weak_scalar(weight)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool):
        raise TypeError(f"lerp(): argument 'weight' (position 3) must be Number or Tensor, not "
                        f"{_dt.type_name(weight)}")
    _common("lerp", ("input", "end"), (input, end))
    return Lerp.apply(input, end, float(weight))
