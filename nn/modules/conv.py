"""torch.nn.Conv1d and torch.nn.Conv2d: learnable convolutions (F.conv1d / F.conv2d of nn/_conv.py; the
maths in tinygrad_edu/ops/conv.py). Both share _ConvNd, which differs per dimension only in how many
numbers each size has."""
import math

from .. import functional as F
from .linear import _kaiming_reset, _weight_and_bias
from .module import Module
from tinygrad_edu.device import check_device

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    """torch's _single / _pair: a sequence as a tuple, a number repeated n times."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    """The shared constructor, init, forward and repr of Conv1d and Conv2d; a subclass sets _dims (how many
    spatial dims) and _conv (the functional convolution)."""
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        check_device(device, fname=type(self).__name__)  # only the CPU holds data here
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.kernel_size, self.stride = _ntuple(kernel_size, n), _ntuple(stride, n)
        self.dilation = _ntuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding, self.padding_mode = padding, padding_mode
        self.output_padding, self.transposed = (0,) * n, False
        # F.pad's amounts for padding_mode != 'zeros': (left, right, top, bottom), the last dim first
        if padding == "valid":
            self._reversed_padding_repeated_twice = [0, 0] * n
        elif padding == "same":
            self._reversed_padding_repeated_twice = []
            for d, k in zip(self.dilation[::-1], self.kernel_size[::-1]):
                total = d * (k - 1)
                self._reversed_padding_repeated_twice += [total // 2, total - total // 2]
        else:
            self._reversed_padding_repeated_twice = [p for p in padding[::-1] for _ in range(2)]
        _weight_and_bias(self, (out_channels, in_channels // groups) + self.kernel_size, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _kaiming_reset(self.weight, self.bias, self.in_channels // self.groups * math.prod(self.kernel_size))

    def forward(self, input):
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return type(self)._conv(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return type(self)._conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                                self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """y = conv1d(x, W) + b on (N, C, L) or (C, L), W of shape (out_channels, in_channels / groups, k).

    padding_mode other than 'zeros' pads the input with F.pad first and convolves without padding.
    Default init as torch: W by kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels / groups * k, and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    _dims = 1
    _conv = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """y = conv2d(x, W) + b with W of shape (out_channels, in_channels / groups, kh, kw).

    padding_mode other than 'zeros' pads the input with F.pad first and convolves without padding.
    Default init as torch: W by kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels / groups * kh * kw, and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    _dims = 2
    _conv = staticmethod(F.conv2d)
