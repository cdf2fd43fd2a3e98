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
from . import autograd
from . import tensor_methods as _tensor_methods  # attaches the operations to Tensor

# torch's dtype aliases
half, float, double, short, int, long = float16, float32, float64, int16, int32, int64
concat = concatenate = cat
negative, subtract, multiply, divide = neg, sub, mul, div
__version__ = "0.1.0"

from .ops.sort import sort_result as _sort_result, topk_result as _topk_result  # noqa: E402
return_types = _types.SimpleNamespace(sort=_sort_result, topk=_topk_result)  # torch.return_types (as far as here)
cuda = _types.SimpleNamespace(is_available=lambda: False, device_count=lambda: 0)
backends = _types.SimpleNamespace(mps=_types.SimpleNamespace(is_available=lambda: False))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()


def square(input):
    return input * input


def detach(input):
    return input.detach()


def result_type(a, b):
    return (a + b if isinstance(a, Tensor) else b + a).dtype if isinstance(a, Tensor) or isinstance(b, Tensor) \
        else tensor(a + b).dtype


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._wrap(_np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _builtins.bool(_np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    return input._data.shape == other._data.shape and _builtins.bool(_np.array_equal(input._data, other._data))


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Accepted for compatibility; printing uses torch's default layout."""


_LAZY = {"nn": "tinygrad_edu.nn", "optim": "tinygrad_edu.optim", "utils": "tinygrad_edu.utils",
         "viz": "tinygrad_edu.viz", "testing": "tinygrad_edu.testing",
         "distributions": "tinygrad_edu.distributions"}
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
from .ops.index_more import take, take_along_dim, index_add, index_copy, index_fill, masked_scatter  # noqa: E402
from .ops.shape_more import (tile, broadcast_to, broadcast_tensors, broadcast_shapes, atleast_1d, atleast_2d,  # noqa
                             atleast_3d, hstack, vstack, dstack, column_stack, row_stack, tensor_split, hsplit,
                             vsplit, dsplit, fliplr, flipud, rot90, unflatten)
from .ops.bins import bincount, histc, searchsorted, bucketize, isin  # noqa: E402
from .linalg_old import det, inverse, logdet, slogdet, pinverse, cholesky, svd, qr  # noqa: E402
from .tensor_random import bernoulli  # noqa: E402
