"""torch.nn.LayerNorm, GroupNorm and RMSNorm: normalise each sample over its trailing dims, its groups of
channels, or by the root mean square of its trailing dims."""
import numpy as np

import tinygrad_edu
from tinygrad_edu.tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .module import Module
from tinygrad_edu.device import check_device

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm"]


def _filled(shape, value, dtype):
    """A Parameter of `shape` filled with value, float32 unless dtype says."""
    np_dtype = tinygrad_edu.dtypes.to_numpy_dtype(dtype) if dtype is not None \
        else tinygrad_edu.get_default_dtype().numpy_dtype
    return Parameter(Tensor._wrap(np.full(shape, value, np_dtype)))


class LayerNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the last len(normalized_shape)
    dims (biased variance); weight starts at ones, bias at zeros."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
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
        _reset_affine(self.weight, self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over each group of
    num_channels/num_groups channels of each sample (and all their spatial positions); weight and bias
    are per channel, starting at ones and zeros."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.register_parameter("weight", _filled(num_channels, 1, dtype) if affine else None)
        self.register_parameter("bias", _filled(num_channels, 0, dtype) if affine and bias else None)

    def reset_parameters(self):
        _reset_affine(self.weight, self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """y = x / sqrt(mean(x^2) + eps) * weight, the mean over the last len(normalized_shape) dims;
    eps=None means the input dtype's machine epsilon. weight starts at ones; there is no bias."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.register_parameter("weight", _filled(self.normalized_shape, 1, dtype) if elementwise_affine else None)

    def reset_parameters(self):
        _reset_affine(self.weight, None)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


def _reset_affine(weight, bias):
    """The identity transform: weight ones, bias zeros (either may be None)."""
    if weight is not None:
        weight._data[...] = 1
    if bias is not None:
        bias._data[...] = 0
