"""Identity, Linear and Bilinear (torch.nn.Identity, torch.nn.Linear, torch.nn.Bilinear)."""
import math

import numpy as np

import tinygrad_edu
from tinygrad_edu.tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from tinygrad_edu.device import check_device

__all__ = ["Identity", "Linear", "Bilinear"]


def _empty_parameter(shape, dtype):
    """An uninitialised float Parameter (reset_parameters fills it), float32 unless dtype says."""
    np_dtype = tinygrad_edu.dtypes.to_numpy_dtype(dtype) if dtype is not None \
        else tinygrad_edu.get_default_dtype().numpy_dtype
    return Parameter(Tensor._wrap(np.empty(shape, dtype=np_dtype)))


def _weight_and_bias(module, weight_shape, bias, dtype):
    """Register module.weight and module.bias (or a None bias), uninitialised; reset_parameters fills them."""
    module.weight = _empty_parameter(weight_shape, dtype)
    if bias:
        module.bias = _empty_parameter(weight_shape[:1], dtype)
    else:
        module.register_parameter("bias", None)


def _kaiming_reset(weight, bias, fan_in):
    """torch's default for Linear and Conv: weight kaiming_uniform_(a=sqrt(5)), which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from the same range."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are accepted and ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features).

    Default init as torch: W ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a=sqrt(5)),
    b ~ U(-1/sqrt(in), 1/sqrt(in))."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        _weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _kaiming_reset(self.weight, self.bias, self.in_features)

    def forward(self, input):
        # `self.weight` finds a Parameter only after normal attribute lookup has failed, through
        # Module.__getattr__: slow enough to matter in this hot path, so read the registry directly,
        # unless the parameters were deleted (and maybe replaced by plain attributes, as torch allows)
        params = self._parameters
        if "weight" in params and "bias" in params:
            return F.linear(input, params["weight"], params["bias"])
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y[..., o] = x1^T A_o x2 + b_o with A of shape (out_features, in1_features, in2_features).

    Default init as torch: A and b ~ U(-1/sqrt(in1), 1/sqrt(in1))."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        _weight_and_bias(self, (out_features, in1_features, in2_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        if self.in1_features <= 0:
            raise ValueError(f"in1_features must be > 0, but got (in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
