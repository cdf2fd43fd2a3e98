"""torch.autograd.Variable: the wrapper of torch before 0.4, kept (as torch keeps it) for old scripts.

Since torch 0.4 a Variable *is* a Tensor: `Variable(t, requires_grad=True)` returns a Tensor (a new
leaf sharing t's data, outside t's graph), and `isinstance(x, Variable)` is true for every tensor.
`volatile=True` no longer does anything and warns (use `with torch.no_grad():`).
"""
import warnings

import numpy as np

from ..tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor)

    def __call__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            data = Tensor._wrap(np.zeros(0, np.float32))
        if not isinstance(data, Tensor):
            kind = type(data)
            name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
            raise TypeError(f"Variable data has to be a tensor, but got {name}")
        leaf = data.detach()
        if requires_grad:
            if leaf._data.dtype.kind != "f":
                raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients "
                                   f"(Variable of dtype {data.dtype})")
            leaf.requires_grad = True
        return leaf


class Variable(metaclass=_VariableMeta):
    """Variable(data=None, requires_grad=False, volatile=False): returns a Tensor (see the module docstring)."""
