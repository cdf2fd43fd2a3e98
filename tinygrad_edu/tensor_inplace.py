"""In-place operations of Tensor (add_, mul_, zero_, x[i] = v, ...) and how they stay safe.

Every in-place change bumps the tensor's version counter (shared with its views), so backward
can tell that a tensor it saved was changed afterwards. Under grad mode an in-place op on a
tensor that needs a graph is computed out of place by the ordinary op and written back, and the
tensor takes the new node as its grad_fn (torch "rebases" the history the same way); a leaf that
requires grad refuses, as in torch. Under no_grad (the optimizer's and the lecture's manual SGD)
nothing is recorded.
"""
import numpy as np

from . import dtypes as _dt
from .grad_mode import _state

from . import ops
from .tensor import Tensor
from .ops.view_scatter import rebase_view
from .tensor_inplace_dual import dual_involved, take_tangent


class InplaceMethods:
    """The in-place methods of Tensor, gathered here; tensor_methods.py attaches them to Tensor."""

    def _inplace(self, op, *args):
        """Compute `op(self, *args)` and write it into self, as torch's in-place ops do.

        Under grad mode, if the result needs a graph node, self takes that node as its grad_fn
        (torch "rebases" the history); a leaf that requires grad refuses, like torch.
        """
        record = _state.enabled and (self._requires_grad or any(
            isinstance(a, Tensor) and a._requires_grad for a in args))
        if record and self.grad_fn is None and self._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        dual = _state.dual is not None and dual_involved(self, args)
        out = op(_old_value(self) if record else self, *args)
        _write_into(self, out._data)
        if dual:  # forward AD: self (and the tensor it views) take the result's tangent
            take_tangent(self, out)
        if record:
            if self._view is not None:  # the base's history changes too (CopySlices)
                rebase_view(self, out, _old_value)
            else:
                self.grad_fn, self._output_nr, self._requires_grad = out.grad_fn, out._output_nr, True
        self._version[0] += 1
        if record and self._view is not None:  # its grad_fn is current: other views of the base are not
            self._view = self._view[:2] + (self._version[0],)
        return self

    def _arith_(self, ufunc, op, other, *args):
        """add_/sub_/mul_/div_. When nothing is recorded, self is a float tensor and numpy needs no
        promotion or broadcast (other is a Python number, or a tensor of self's shape and dtype),
        one numpy call writes straight into self's array: a manual SGD step
        `w -= lr * w.grad` makes no temporary. Anything else takes the general path."""
        if not (_state.enabled and (self._requires_grad or getattr(other, "_requires_grad", False))) \
                and self._data.flags.writeable and (_state.dual is None or not dual_involved(self, (other,))):
            d = self._data
            if isinstance(other, Tensor):
                o = other._data
                fast = o.dtype == d.dtype and o.shape == d.shape
            else:
                o = other
                fast = type(o) is float or type(o) is int
            if fast and d.dtype.kind == "f":
                ufunc(d, o, out=d)
                self._version[0] += 1
                return self
        return self._inplace(op, other, *args)

    def add_(self, other, *, alpha=1):
        if alpha != 1:
            return self._inplace(ops.add, other, alpha)
        return self._arith_(np.add, ops.add, other)

    def sub_(self, other, *, alpha=1):
        if alpha != 1:
            return self._inplace(ops.sub, other, alpha)
        return self._arith_(np.subtract, ops.sub, other)

    def mul_(self, other):
        return self._arith_(np.multiply, ops.mul, other)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is not None:
            return self._inplace(ops.div, other, rounding_mode)
        return self._arith_(np.true_divide, ops.div, other)

    def pow_(self, exponent):
        return self._inplace(ops.pow, exponent)

    def clamp_(self, min=None, max=None):
        return self._inplace(ops.clamp, min, max)

    clip_ = clamp_

    def relu_(self):
        return self._inplace(ops.relu)

    def masked_fill_(self, mask, value):
        return self._inplace(ops.masked_fill, mask, value)

    def scatter_(self, dim, index, src=None, *, value=None):
        return self._inplace(ops.scatter, dim, index, src if value is None else value)

    def scatter_add_(self, dim, index, src):
        return self._inplace(ops.scatter_add, dim, index, src)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return self._inplace(lambda x, *a: ops.scatter_reduce(x, *a, include_self=include_self), dim, index, src,
                             reduce)

    def tril_(self, diagonal=0):
        return self._inplace(ops.tril, diagonal)

    def triu_(self, diagonal=0):
        return self._inplace(ops.triu, diagonal)

    def copy_(self, src):
        return self._inplace(_copy_source, src)

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        if _state.enabled and (self._requires_grad or isinstance(value, Tensor) and value._requires_grad) \
                or _state.dual is not None and dual_involved(self, (value,)):
            return self._inplace(_fill_source, value)
        _fill_source(self, value)  # validates value
        self._data[...] = value._data if isinstance(value, Tensor) else value
        self._version[0] += 1
        return self

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __setitem__(self, index, value):
        self._inplace(ops.index_put, index, value)

    # In-place random fills (used by nn.init); they write without recording, like torch's.
    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from .random import numpy_rng
        return self._fill_random(numpy_rng(generator).uniform(a, b, self._data.shape))

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from .random import numpy_rng
        return self._fill_random(numpy_rng(generator).normal(mean, std, self._data.shape))

    # the element-wise maths of ops/trig.py, in place (an integer tensor refuses: the result is float)
    def log2_(self):
        return self._inplace(ops.log2)

    def log10_(self):
        return self._inplace(ops.log10)

    def tan_(self):
        return self._inplace(ops.tan)

    def asin_(self):
        return self._inplace(ops.asin)

    def acos_(self):
        return self._inplace(ops.acos)

    def atan_(self):
        return self._inplace(ops.atan)

    def sinh_(self):
        return self._inplace(ops.sinh)

    def cosh_(self):
        return self._inplace(ops.cosh)

    def asinh_(self):
        return _inplace_named(self, ops.asinh, "AsinhBackward1")  # torch's in-place overload name

    def acosh_(self):
        return _inplace_named(self, ops.acosh, "AcoshBackward1")  # torch's in-place overload name

    def atanh_(self):
        return _inplace_named(self, ops.atanh, "AtanhBackward1")  # torch's in-place overload name

    def atan2_(self, other):
        return self._inplace(ops.atan2, other)

    arcsin_, arccos_, arctan_, arctan2_ = asin_, acos_, atan_, atan2_
    arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_

    def _fill_random(self, values):
        if _state.enabled and self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        dual = _state.dual is not None and dual_involved(self)
        self._data[...] = values
        if dual:
            take_tangent(self, None)  # random numbers carry no tangent: zeros, as torch
        self._version[0] += 1
        return self


def _inplace_named(t, op, name):
    """t._inplace(op), the node it records named `name` (torch names some in-place overloads apart)."""
    before = t.grad_fn
    t._inplace(op)
    if t.grad_fn is not None and t.grad_fn is not before:
        t.grad_fn.torch_name = name
    return t


def _old_value(t):
    """t's value before an in-place op, for the op to save: a copy of its array with t's place in
    the graph (grad_fn, output_nr) and a version counter of its own. The op may then save its input
    (mul_ saves it for the other operand's gradient, scatter_reduce_ for prod and amax) although the
    result overwrites t, as torch's in-place ops keep the original self."""
    old = Tensor._wrap(t._data.copy(), t._requires_grad)
    old.grad_fn, old._output_nr = t.grad_fn, t._output_nr
    if _state.dual is not None and _state.dual.get(t) is not None:  # and t's tangent (forward AD)
        _state.dual.set(old, _state.dual.get(t))
    return old


def _write_into(t, data):
    if data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
                           f"{list(data.shape)}")
    if data.dtype != t._data.dtype and not np.can_cast(data.dtype, t._data.dtype, "same_kind"):
        raise RuntimeError(f"result type {_dt._BY_NUMPY[data.dtype].scalar_name} can't be cast to the desired "
                           f"output type {t.dtype.scalar_name}")
    if not t._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers "
                           "to a single memory location. Please clone() the tensor before performing the "
                           "operation.")
    if data is not t._data:
        np.copyto(t._data, data, casting="unsafe")


def _copy_source(t, src):
    """copy_: the new value is src (cast, broadcast); gradient flows to src, none to t's old value."""
    src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    out = ops.expand(ops.cast(src, t._data.dtype), t._data.shape)
    return ops.clone(out) if out._requires_grad else out


def _fill_source(t, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return _copy_source(t, value)
    if _state.enabled and t._requires_grad or _state.dual is not None and dual_involved(t):  # keep t in the graph with a zero gradient
        return ops.add(ops.mul(t, 0), value)  # (and a zero tangent), as torch does
    return None
