"""Activation modules (torch.nn.ReLU, GELU, Softmax, ...): each stores its hyper-parameters and calls
the function of the same name in nn.functional with them; extra_repr prints what torch prints (every
hyper-parameter, and `inplace` only when it is True)."""
from .. import functional as F
from .module import Module

__all__ = ["ReLU", "ReLU6", "Hardtanh", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "SELU", "Softplus",
           "SiLU", "Mish", "LogSigmoid", "Softmax", "Softmin", "LogSoftmax"]


class _Activation(Module):
    _fn = None  # the nn.functional function; called as _fn(input, *hyper-parameters in order)

    def __init__(self, **hyper):
        super().__init__()
        self._hyper = tuple(hyper)
        for name, value in hyper.items():
            setattr(self, name, value)

    def forward(self, input):
        return type(self)._fn(input, *[getattr(self, name) for name in self._hyper])

    def extra_repr(self):
        return ", ".join(f"{name}={getattr(self, name)!r}" for name in self._hyper
                         if name != "inplace" or self.inplace)


class ReLU(_Activation):
    """max(x, 0)"""
    _fn = F.relu

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):  # the generic forward, spelled out: ReLU sits in every hot loop
        return type(self)._fn(input, self.inplace)


class ReLU6(ReLU):
    """min(max(x, 0), 6)"""
    _fn = F.relu6


class SELU(ReLU):
    """scale * elu(x, alpha) with torch's fixed alpha and scale"""
    _fn = F.selu


class SiLU(ReLU):
    """x * sigmoid(x)"""
    _fn = F.silu


class Mish(ReLU):
    """x * tanh(softplus(x))"""
    _fn = F.mish


class Sigmoid(_Activation):
    _fn = F.sigmoid


class Tanh(_Activation):
    _fn = F.tanh


class LogSigmoid(_Activation):
    _fn = F.logsigmoid


class Hardtanh(_Activation):
    """clamp(x, min_val, max_val)"""
    _fn = F.hardtanh

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        if min_val > max_val:
            raise ValueError("min_val cannot be greater than max_val")
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)


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


class Softmax(_Activation):
    """exp(x_i) / sum_j exp(x_j) along dim"""
    _fn = F.softmax

    def __init__(self, dim=None):
        super().__init__(dim=dim)

    def forward(self, input):  # the implicit-dim warning points at the caller of the module
        return type(self)._fn(input, self.dim, _stacklevel=5)


class Softmin(Softmax):
    """softmax(-x) along dim"""
    _fn = F.softmin


class LogSoftmax(Softmax):
    """log(softmax(x)) along dim, computed stably"""
    _fn = F.log_softmax
