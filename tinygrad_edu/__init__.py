"""tinygrad_edu: a small reverse-mode autodiff engine on numpy with a PyTorch-shaped API.

    import tinygrad_edu as torch
    import tinygrad_edu.nn as nn
    import tinygrad_edu.optim as optim

Importing this package imports numpy only; `nn`, `optim`, `utils`, `viz`, `testing`, `distributions` and the
serialization functions load on first use.
"""
import builtins as _builtins
import importlib as _importlib
import types as _types

import numpy as _np

from .tensor import Tensor, Size, device
from .dtypes import (dtype, float16, float32, float64, uint8, int8, int16, int32, int64, bool_ as bool,
                     get_default_dtype, set_default_dtype)
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        is_inference_mode_enabled)
from .random import Generator, manual_seed, seed, initial_seed, default_generator, multinomial
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,
                       empty_like, full_like, arange, linspace, eye, rand, randn, randint, randperm, normal,
                       rand_like, randn_like)
from .ops import (add, sub, mul, div, pow, maximum, minimum, where, eq, ne, lt, le, gt, ge, logical_and,
                  logical_or, logical_xor, logical_not, floor_divide, remainder, neg, abs, exp, log, log1p, sqrt,
                  rsqrt, sin, cos, tanh, sigmoid, relu, clamp, clip, sign, floor, ceil, round, clone, isnan,
                  isinf, isfinite, sum, mean, max, min, amax, amin, argmax, argmin, prod, var, std, logsumexp,
                  softmax, log_softmax, norm, cumsum, all, any, reshape, flatten, squeeze, unsqueeze, permute,
                  transpose, t, cat, stack, split, chunk, narrow, unbind, flip, movedim, gather, index_select,
                  masked_fill, masked_select, matmul, mm, bmm, dot, mv, sort, argsort, topk, scatter, scatter_add, scatter_reduce,
                  roll, repeat_interleave, tril, triu, cumprod, einsum)
from .ops import (log2, log10, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2, arcsin, arccos,  # noqa: E402
                  arctan, arctan2, arcsinh, arccosh, arctanh, diag, diagonal, diag_embed, unique, nonzero, argwhere,
                  meshgrid, ravel)
from .dtypes import bfloat16  # noqa: E402  (a dtype numpy cannot store: see dtypes.py)
from . import autograd
from . import tensor_methods as _tensor_methods  # attaches the operations to Tensor

# torch's dtype aliases
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64
concat = concatenate = cat
negative, subtract, multiply, divide = neg, sub, mul, div
__version__ = "0.1.0"

from .ops.sort import sort_result as _sort_result, topk_result as _topk_result  # noqa: E402
return_types = _types.SimpleNamespace(sort=_sort_result, topk=_topk_result)  # torch.return_types (as far as here)
from . import accelerator, backends, cuda  # noqa: E402  (torch.accelerator, torch.backends, torch.cuda: CPU-only answers)
from .device import set_default_device, get_default_device  # noqa: E402
from .legacy import (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,  # noqa: E402
                     ByteTensor, BoolTensor)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def detach(input):
    return input.detach()


def result_type(a, b):
    return (a + b if isinstance(a, Tensor) else b + a).dtype if isinstance(a, Tensor) or isinstance(b, Tensor) \
        else tensor(a + b).dtype


def equal(input, other):
    return input._data.shape == other._data.shape and _builtins.bool(_np.array_equal(input._data, other._data))


from ._format import set_printoptions  # torch's print options, next to the formatter that reads them


# ---- the long tail of pointwise and reduction functions (ops/pointwise_*.py, unary_more.py, reduce_more.py,
# quantile.py, cumulative.py) -------------------------------------------------------------------------------
from .ops import (fmod, remainder, true_divide, hypot, logaddexp, logaddexp2, xlogy, copysign, fmax, fmin,  # noqa: E402,F811
                  heaviside, float_power, bitwise_left_shift, bitwise_right_shift, isclose, allclose, addcmul,
                  addcdiv, lerp, expm1, exp2, trunc, fix, frac, signbit, sgn, positive, logit, erfinv, nan_to_num,
                  square, reciprocal, clamp_min, clamp_max, nansum, nanmean, count_nonzero, std_mean, var_mean,
                  aminmax, median, nanmedian, mode, quantile, nanquantile, cummax, cummin, logcumsumexp, diff)
from .ops import erf, bitwise_and, bitwise_or, bitwise_xor  # noqa: E402
from .ops import absolute  # noqa: E402
from .ops.reduce_more import (median_result as _median_result, nanmedian_result as _nanmedian_result,  # noqa: E402
                              mode_result as _mode_result, aminmax_result as _aminmax_result)
from .ops.cumulative import cummax_result as _cummax_result, cummin_result as _cummin_result  # noqa: E402
return_types.median, return_types.nanmedian, return_types.mode = _median_result, _nanmedian_result, _mode_result
return_types.aminmax, return_types.cummax, return_types.cummin = _aminmax_result, _cummax_result, _cummin_result


# torch's out= on the top-level math functions (the Tensor methods and nn call the ops directly; see _out.py)
from ._out import with_out as _with_out  # noqa: E402

(add, sub, mul, div, pow, maximum, minimum, floor_divide, remainder, eq, ne, lt, le, gt, ge, logical_and, logical_or,
 logical_xor, logical_not, neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, sign, floor, ceil, round,
 square, mean) = (_with_out(f) for f in (
    add, sub, mul, div, pow, maximum, minimum, floor_divide, remainder, eq, ne, lt, le, gt, ge, logical_and, logical_or,
    logical_xor, logical_not, neg, abs, exp, log, log1p, sqrt, rsqrt, sin, cos, tanh, sigmoid, sign, floor, ceil,
    round, square, mean))
negative, subtract, multiply, divide = neg, sub, mul, div
sum, prod, cumsum, cumprod = (_with_out(f, "any") for f in (sum, prod, cumsum, cumprod))
(matmul, mm, bmm, mv, dot, amax, amin, argmax, argmin, tril, triu, gather, index_select, masked_select, where, clamp,
 logsumexp, norm) = (_with_out(f, "exact") for f in (
    matmul, mm, bmm, mv, dot, amax, amin, argmax, argmin, tril, triu, gather, index_select, masked_select, where,
    clamp, logsumexp, norm))
clip = _with_out(clip, "exact", "clip")
cat, stack = _with_out(cat, "cat"), _with_out(stack, "cat", "stack")
concat = concatenate = cat
var, std = _with_out(var), _with_out(std)
all, any = _with_out(all, "bool"), _with_out(any, "bool")
max, min, sort, topk, multinomial = (_with_out(f, "exact") for f in (max, min, sort, topk, multinomial))
(log2, log10, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2) = (_with_out(f) for f in (
    log2, log10, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2))
arcsin, arccos, arctan, arctan2, arcsinh, arccosh, arctanh = asin, acos, atan, atan2, asinh, acosh, atanh
diag, nonzero = _with_out(diag, "exact"), _with_out(nonzero, "exact")
(zeros, ones, empty, full, arange, linspace, eye, rand, randn, randint, randperm, normal) = (
    _with_out(f, "creation") for f in (zeros, ones, empty, full, arange, linspace, eye, rand, randn, randint, randperm,
                                       normal))

# out= on the long tail's functions that have it in torch
(fmod, true_divide, hypot, logaddexp, logaddexp2, xlogy, copysign, fmax, fmin, heaviside, float_power, addcmul,
 addcdiv, lerp, expm1, exp2, trunc, frac, logit, erfinv, nan_to_num, sgn, signbit, absolute, reciprocal, clamp_min,
 clamp_max, nanmean, quantile, nanquantile, logcumsumexp, diff, erf, bitwise_left_shift, bitwise_right_shift) = (
    _with_out(f) for f in (fmod, true_divide, hypot, logaddexp, logaddexp2, xlogy, copysign, fmax, fmin, heaviside,
                           float_power, addcmul, addcdiv, lerp, expm1, exp2, trunc, frac, logit, erfinv, nan_to_num,
                           sgn, signbit, absolute, reciprocal, clamp_min, clamp_max, nanmean, quantile, nanquantile,
                           logcumsumexp, diff, erf, bitwise_left_shift, bitwise_right_shift))
fix = trunc
nansum = _with_out(nansum, "any")
bitwise_and, bitwise_or, bitwise_xor = (_with_out(f) for f in (bitwise_and, bitwise_or, bitwise_xor))
aminmax, cummax, cummin, mode, median, nanmedian = (_with_out(f, "exact") for f in (aminmax, cummax, cummin, mode, median,
                                                                                    nanmedian))

_LAZY = {"nn": "tinygrad_edu.nn", "optim": "tinygrad_edu.optim", "utils": "tinygrad_edu.utils",
         "viz": "tinygrad_edu.viz", "testing": "tinygrad_edu.testing",
         "distributions": "tinygrad_edu.distributions",
         "func": "tinygrad_edu.func"}
_LAZY_ATTRS = {"save": ("tinygrad_edu.serialization", "save"), "load": ("tinygrad_edu.serialization", "load"),
               "summary": ("tinygrad_edu.model_summary", "summary"), "compile": ("tinygrad_edu.compiler", "compile")}


def __getattr__(name):
    """Load submodules (nn, optim, ...) and heavier functions (save, load, summary) on first use."""
    if name in _LAZY:
        return _importlib.import_module(_LAZY[name])
    if name in _LAZY_ATTRS:
        module, attr = _LAZY_ATTRS[name]
        return getattr(_importlib.import_module(module), attr)
    raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")

# ---- products, linear algebra, more shape/index ops, bins, random fills (helper tail_b) ----------------
from . import linalg  # noqa: E402  (numpy.linalg only: no heavier than the ops)
from .ops.products import (outer, ger, inner, cross, tensordot, trace, kron, addmm, addmv, addr, baddbmm,  # noqa: E402
                           addbmm, matrix_power)
from .threads import set_num_threads, get_num_threads, set_num_interop_threads, get_num_interop_threads  # noqa: E402,F401
from .ops.index_more import take, take_along_dim, index_add, index_copy, index_fill, masked_scatter, index_put  # noqa: E402,F811
from .ops.shape_more import (tile, broadcast_to, broadcast_tensors, broadcast_shapes, atleast_1d, atleast_2d,  # noqa
                             atleast_3d, hstack, vstack, dstack, column_stack, row_stack, tensor_split, hsplit,
                             vsplit, dsplit, fliplr, flipud, rot90, unflatten)
from .ops.bins import bincount, histc, searchsorted, bucketize, isin  # noqa: E402
from .linalg_old import det, inverse, logdet, slogdet, pinverse, cholesky, svd, qr  # noqa: E402
from .tensor_random import bernoulli  # noqa: E402
(outer, ger, inner, cross, tensordot, kron, addmm, addmv, addr, baddbmm, addbmm, matrix_power, take_along_dim,  # noqa
 index_add, index_copy, histc, searchsorted, bucketize, inverse, slogdet, cholesky, svd, qr, bernoulli) = (
    _with_out(f, "exact") for f in (outer, ger, inner, cross, tensordot, kron, addmm, addmv, addr, baddbmm, addbmm,
                                    matrix_power, take_along_dim, index_add, index_copy, histc, searchsorted,
                                    bucketize, inverse, slogdet, cholesky, svd, qr, bernoulli))
hstack, vstack, dstack, column_stack, row_stack = (_with_out(f, "cat", n) for f, n in (  # noqa: E402
    (hstack, "hstack"), (vstack, "vstack"), (dstack, "dstack"), (column_stack, "column_stack"), (row_stack, "row_stack")))
