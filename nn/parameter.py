"""nn.Parameter (torch.nn.Parameter): a leaf tensor that a Module registers as one of its weights.

A Parameter is an ordinary Tensor whose only difference is its type: assigning one to a Module
attribute registers it, so `module.parameters()` finds it. It shares the numpy array of the
tensor it is made from (no copy) and requires grad by default.
"""
import numpy as np

import tinygrad_edu
from tinygrad_edu.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = Tensor._wrap(np.empty(0, dtype=tinygrad_edu.get_default_dtype().numpy_dtype))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(data) expects a Tensor, got {type(data).__name__}")
        self._data, self.grad, self.grad_fn, self._output_nr = data._data, None, None, 0
        # Share the version counter too: the parameter *is* the data of `data`, seen as a leaf.
        self._version, self._hooks, self._requires_grad, self._view = data._version, None, False, None
        self.requires_grad = requires_grad  # validates: only floating tensors can require grad

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
