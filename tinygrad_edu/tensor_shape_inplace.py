"""The in-place shape methods of Tensor: unsqueeze_, squeeze_, t_, transpose_, and resize_.

unsqueeze_/squeeze_/t_/transpose_ make `self` the view that the out-of-place op would return (the
same memory, another shape), as torch does, and bump the version counter: a tensor saved for
backward before the change is then refused, naming the op. Under grad mode a tensor in the graph
takes the view's node as its grad_fn, with torch's name for the in-place overload
(UnsqueezeBackward1, SqueezeBackward3/4, TBackward1, TransposeBackward1); a leaf that requires grad
refuses, as in torch (under no_grad it is allowed). tensor_methods.py attaches them to Tensor.
"""
import math

import numpy as np

from . import ops
from .grad_mode import _state
from .size import parse_size


def _reshape_self(self, op, name, *args):
    """Make self the result of op(self, *args), a view of self's array."""
    record = _state.enabled and self._requires_grad
    if record and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    tangent = _state.dual.get(self) if _state.dual is not None else None
    out = op(self, *args)  # (forward AD: the op gives out the view of self's tangent)
    if tangent is not None:
        _state.dual.set(self, _state.dual.get(out))
    if record and out is self:  # nothing to change (squeeze_ of a size > 1 dim): torch still records a node
        out = ops.view(self, self._data.shape)
    self._data = out._data
    if record and out is not self and out.grad_fn is not None:
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        out.grad_fn.torch_name = name
    self._version[0] += 1
    return self


def unsqueeze_(self, dim):
    return _reshape_self(self, ops.unsqueeze, "UnsqueezeBackward1", dim)


def squeeze_(self, dim=None):
    return _reshape_self(self, ops.squeeze, "SqueezeBackward3" if dim is None else "SqueezeBackward4", dim)


def transpose_(self, dim0, dim1):
    return _reshape_self(self, ops.transpose, "TransposeBackward1", dim0, dim1)


def t_(self):
    if self._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
    return _reshape_self(self, ops.t, "TBackward1")


def resize_(self, *sizes, memory_format=None):
    """Give self the shape `sizes`, keeping its elements in order: fewer elements keep the first ones,
    more add uninitialised ones (here: zeros). Refused for a tensor that requires grad, as torch."""
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if _state.dual is not None and _state.dual.get(self) is not None:
        raise RuntimeError("cannot resize variables that has a forward grad")
    shape = parse_size(sizes)
    if shape == self._data.shape:
        return self  # no change, and no new version (as torch)
    n, flat = math.prod(shape), self._data.reshape(-1)
    if n <= flat.size and self._data.flags.c_contiguous:
        self._data = flat[:n].reshape(shape)  # still self's memory, as torch's resize_ keeps the storage
    else:
        data = np.zeros(n, self._data.dtype)
        data[:min(n, flat.size)] = flat[:n]
        self._data = data.reshape(shape)
    self._version[0] += 1
    return self


METHODS = {"unsqueeze_": unsqueeze_, "squeeze_": squeeze_, "transpose_": transpose_, "t_": t_,
           "swapaxes_": transpose_, "resize_": resize_}
