"""Activation modules (torch.nn.ReLU, GELU, Softmax, ...): each stores its hyper-parameters and calls
the function of the same name in nn.functional with them; extra_repr prints what torch prints (every
hyper-parameter, and `inplace` only when it is True).

They share the private base `_Activation`, not each other: the class relations are torch's, where
every activation Module derives from Module directly, except ReLU6, which is a Hardtanh fixed to
[0, 6] (so `isinstance(nn.ReLU6(), nn.Hardtanh)` is True and `isinstance(nn.SiLU(), nn.ReLU)` is
False, in torch and here)."""
import warnings

from .. import functional as F
from .module import Module

__all__ = ["ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "SELU", "Softplus",
           "SiLU", "Mish", "LogSigmoid", "Softmax", "Softmin", "LogSoftmax"]


class _Activation(Module):
    """What the activation Modules share: hyper-parameters kept as attributes (in torch's argument
    order), a forward that calls one nn.functional function with them, and torch's extra_repr."""
    _fn = None  # the nn.functional function; called as _fn(input, *hyper-parameters in order)

    def __init__(self, **hyper):
        super().__init__()
        self._hyper = tuple(hyper)
        for name, value in hyper.items():
            setattr(self, name, value)

    def forward(self, input):
        return type(self)._fn(input, *[getattr(self, name) for name in self._hyper])

    def extra_repr(self):
        # torch formats values with str() (np.float64(0.2) prints 0.2), quotes strings, and prints
        # `inplace=True` for any true inplace flag and nothing for a false one
        parts = []
        for name in self._hyper:
            value = getattr(self, name)
            if name == "inplace":
                if value:
                    parts.append("inplace=True")
            else:
                parts.append(f"{name}={value!r}" if isinstance(value, str) else f"{name}={value}")
        return ", ".join(parts)


class ReLU(_Activation):
    """max(x, 0)"""
    _fn = F.relu

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):  # the generic forward, spelled out: ReLU sits in every hot loop
        return F.relu(input, self.inplace)


class Hardtanh(_Activation):
    """clamp(x, min_val, max_val)"""
    _fn = F.hardtanh

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        if not max_val > min_val:  # torch asserts this (F.hardtanh allows min_val == max_val)
            raise AssertionError(f"max_val ({max_val}) must be greater than min_val ({min_val})")
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): a Hardtanh from 0 to 6, as in torch (its forward reads min_val/max_val)"""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(_Activation):
    """x if x > 0 else negative_slope * x"""
    _fn = F.leaky_relu

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__(negative_slope=negative_slope, inplace=inplace)


class ELU(_Activation):
    """x if x > 0 else alpha * (exp(x) - 1)"""
    _fn = F.elu

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(alpha=alpha, inplace=inplace)


class SELU(_Activation):
    """scale * elu(x, alpha) with torch's fixed alpha and scale"""
    _fn = F.selu

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)


class SiLU(_Activation):
    """x * sigmoid(x)"""
    _fn = F.silu

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)


class Mish(_Activation):
    """x * tanh(softplus(x))"""
    _fn = F.mish

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)


class Sigmoid(_Activation):
    _fn = F.sigmoid


class Tanh(_Activation):
    _fn = F.tanh


class LogSigmoid(_Activation):
    _fn = F.logsigmoid


class GELU(_Activation):
    """x * Phi(x), or its tanh approximation"""
    _fn = F.gelu

    def __init__(self, approximate="none"):
        super().__init__(approximate=approximate)


class Softplus(_Activation):
    """log(1 + exp(beta * x)) / beta, linear above threshold"""
    _fn = F.softplus

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__(beta=beta, threshold=threshold)


class _SoftmaxAlongDim(_Activation):
    """Softmax, Softmin and LogSoftmax: one `dim` (None: torch's implicit choice, with its warning)."""

    def __init__(self, dim=None):
        super().__init__(dim=dim)

    def forward(self, input):  # the implicit-dim warning points at the caller of the module
        return type(self)._fn(input, self.dim, _stacklevel=5)


class Softmax(_SoftmaxAlongDim):
    """exp(x_i) / sum_j exp(x_j) along dim"""
    _fn = F.softmax


class Softmin(_SoftmaxAlongDim):
    """softmax(-x) along dim"""
    _fn = F.softmin


class LogSoftmax(_SoftmaxAlongDim):
    """log(softmax(x)) along dim, computed stably"""
    _fn = F.log_softmax
