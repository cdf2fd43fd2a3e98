"""torch.nn.LayerNorm: normalise each sample over its trailing `normalized_shape` dims."""
import numpy as np

import tinygrad_edu
from tinygrad_edu.tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["LayerNorm"]


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the last len(normalized_shape)
    dims (biased variance); weight starts at ones, bias at zeros."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        np_dtype = tinygrad_edu.dtypes.to_numpy_dtype(dtype) if dtype is not None \
            else tinygrad_edu.get_default_dtype().numpy_dtype
        if elementwise_affine:
            self.weight = Parameter(Tensor._wrap(np.ones(self.normalized_shape, np_dtype)))
            if bias:
                self.bias = Parameter(Tensor._wrap(np.zeros(self.normalized_shape, np_dtype)))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
