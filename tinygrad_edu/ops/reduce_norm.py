"""The 2-norm and what is built on it: torch.norm (p-norms), var and std (over dims, with
Bessel's correction by default).

Norm2 is one node, ||x|| = sqrt(sum x^2); var is a composition (centred, squared, summed, divided);
std is Norm2 of the centred input over sqrt(n - correction), so a constant input gets gradient 0
(as torch), where sqrt(var) would give 0 * inf = nan.
"""
import builtins
import math

import numpy as np

from ..autograd.function import Function
from ..autograd.names import named
from ..tensor import Tensor
from .reduce import Sum, expand_back, normalize_dims
from .reduce_checks import check_tensors, numpy_names


class Norm2(Function):
    """LinalgVectorNormBackward0. Euclidean norm; d||x||/dx = x / ||x|| (0 where the norm is 0, as torch)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        out = np.sqrt(np.sum(x._data * x._data, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        safe = out.masked_fill(out == 0, 1.0)
        return x * expand_back(grad / safe, ctx), None, None

    @staticmethod
    def jvp(ctx, tx, dims, keepdim):
        """d||x|| = sum(x dx) / ||x|| (0 where the norm is 0, as the gradient)."""
        x, out = ctx.primals[0], ctx.result
        safe = out.masked_fill(Tensor._wrap(out._data == 0), 1.0)
        return Sum.apply(x * tx, ctx.dims, ctx.keepdim) / safe


# ---- public functions ------------------------------------------------------------------------------
def _centred(name, x, dim, unbiased, correction):
    """x minus its mean over `dim`, the dims, and the divisor n - correction (at least 0)."""
    if not isinstance(x, Tensor):
        check_tensors(name, x)
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = normalize_dims(dim, x._data.ndim)
    n = x._data.size if dims is None else int(np.prod([x._data.shape[d] for d in dims]))
    return x - x.mean(dims, keepdim=True), dims, builtins.max(n - correction, 0)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Variance with Bessel's correction by default (correction=1, or unbiased=False for 0)."""
    dim, keepdim = numpy_names("var", dim, keepdim, axis, keepdims)
    centred, dims, divisor = _centred("var", input, dim, unbiased, correction)
    squares = (centred * centred).sum(dims, keepdim=keepdim)
    if not centred._data.size:  # nothing reduced: nan, with tangent 0 (as torch; 0 / 0 would make it nan)
        return named(squares + float("nan"), "VarBackward0")
    return named(squares / divisor, "VarBackward0")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """||input - mean|| / sqrt(n - correction): the norm's gradient is 0 where the norm is 0, so a constant
    input gets gradient 0 (as torch), where sqrt(var) would give 0 * inf = nan."""
    dim, keepdim = numpy_names("std", dim, keepdim, axis, keepdims)
    centred, dims, divisor = _centred("std", input, dim, unbiased, correction)
    return named(Norm2.apply(centred, dims, keepdim) / math.sqrt(divisor), "StdBackward0")


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if isinstance(p, str) and p != "fro":
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input.dtype.scalar_name}")
    dims = normalize_dims(dim, input._data.ndim)
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, dims, keepdim)
    if p == float("inf"):
        out = input.abs().amax(dims, keepdim=keepdim)
    elif p == 1:
        out = input.abs().sum(dims, keepdim=keepdim)
    else:
        out = (input.abs() ** p).sum(dims, keepdim=keepdim) ** (1.0 / p)
    return named(out, "LinalgVectorNormBackward0")  # torch computes every p-norm in one node
