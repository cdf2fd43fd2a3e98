"""The namespaces `m` that ops/rnn.py's step formulas run on: the few operations numpy arrays, Tensors
and dual pairs spell differently (sigmoid, tanh, relu, cat, linear, transposed, ...). Everything
else the steps use (+, -, *, @, slicing, .shape) is spelled the same on all three.

DualMath runs the steps on `Dual` pairs (value, tangent) of Tensors: every operation computes its
value and, by the product rule, its tangent, so one scan of the sequence on Duals gives the layer's
outputs and their forward-mode tangents at once (the layers' `jvp`). Both halves are Tensor ops,
so the tangents can be differentiated in reverse mode.
"""
import numpy as np

from ..tensor import Tensor
from .activation import Relu, Sigmoid, ThresholdBackward, sigmoid_numpy
from .matmul import Addmm
from .shape import cat
from .unary import tanh


class ArrayMath:
    """The few operations numpy and Tensors spell differently, for arrays."""
    sigmoid, tanh = staticmethod(sigmoid_numpy), staticmethod(np.tanh)

    @staticmethod
    def relu(x):
        return np.maximum(x, 0)

    @staticmethod
    def relu_grad(g, out):
        return g * (out > 0)

    @staticmethod
    def cat(parts, dim=0):
        return np.concatenate(parts, axis=dim)  # always a new array: outputs never alias the state

    @staticmethod
    def linear(x, w, b):
        out = x @ w.T
        return out if b is None else out + b

    @staticmethod
    def transposed(w):
        """W^T, copied to its own rows: the small per-step GEMM h W^T runs about twice as fast."""
        return None if w is None else np.ascontiguousarray(w.T)


class TensorMath:
    """The same, for Tensors (every operation recorded, so the result can be differentiated)."""
    sigmoid, relu, tanh = staticmethod(Sigmoid.apply), staticmethod(Relu.apply), staticmethod(tanh)
    relu_grad = staticmethod(ThresholdBackward.apply)  # keeps h' in the graph of a gradient, as torch

    @staticmethod
    def cat(parts, dim=0):
        return parts[0] if len(parts) == 1 else cat(parts, dim)

    @staticmethod
    def linear(x, w, b):
        return Addmm.apply(x, w, b)

    @staticmethod
    def transposed(w):
        return None if w is None else w.mT


class Dual:
    """A value and its tangent (Tensors of one shape), with the arithmetic the step formulas use."""
    __slots__ = ("p", "t")

    def __init__(self, p, t):
        self.p, self.t = p, t

    @property
    def shape(self):
        return self.p.shape

    @property
    def mT(self):
        return Dual(self.p.mT, self.t.mT)

    def __getitem__(self, index):
        return Dual(self.p[index], self.t[index])

    def __add__(self, other):
        return Dual(self.p + other.p, self.t + other.t)

    def __sub__(self, other):
        return Dual(self.p - other.p, self.t - other.t)

    def __mul__(self, other):
        return Dual(self.p * other.p, self.t * other.p + self.p * other.t)

    def __matmul__(self, other):
        return Dual(self.p @ other.p, self.t @ other.p + self.p @ other.t)

    def reshape(self, *shape):
        return Dual(self.p.reshape(*shape), self.t.reshape(*shape))


class DualMath:
    """The same, for Dual pairs: d sigmoid(a) = s (1 - s) da, d tanh(a) = (1 - y^2) da, d relu(a) = [a > 0] da."""

    @staticmethod
    def sigmoid(a):
        s = Sigmoid.apply(a.p)
        return Dual(s, a.t * (s * (1 - s)))

    @staticmethod
    def tanh(a):
        y = tanh(a.p)
        return Dual(y, a.t * (1 - y * y))

    @staticmethod
    def relu(a):
        return Dual(Relu.apply(a.p), a.t * Tensor._wrap((a.p._data > 0).astype(a.p._data.dtype)))

    @staticmethod
    def cat(parts, dim=0):
        if len(parts) == 1:
            return parts[0]
        return Dual(cat([d.p for d in parts], dim), cat([d.t for d in parts], dim))

    @staticmethod
    def linear(x, w, b):
        out = Dual(Addmm.apply(x.p, w.p, None if b is None else b.p), x.t @ w.p.mT + x.p @ w.t.mT)
        if b is not None:
            out.t = out.t + b.t
        return out

    @staticmethod
    def transposed(w):
        return None if w is None else w.mT
