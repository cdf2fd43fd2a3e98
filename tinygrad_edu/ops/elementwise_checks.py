"""The argument checks of elementwise.py's public functions that run only off the common path
(an add/sub alpha, div's rounding_mode, maximum/minimum's operands, where's scalars), kept here so
that elementwise.py reads as its Functions and their fast operand handling."""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from .unary import ZeroGrad


def check_alpha(x, y, alpha):
    """add/sub's alpha (a numpy scalar as a Python number), with torch's refusals of an alpha the
    result dtype cannot hold."""
    alpha = _dt.weak_scalar(alpha)
    kind = (x if isinstance(x, Tensor) else y)._data.dtype.kind
    if isinstance(alpha, complex):
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    if kind in "iu" and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if kind in "iuf" and isinstance(alpha, bool):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    return alpha


def div_rounded(x, y, mode):
    """trunc(x / y) or floor(x / y): piecewise constant, so a zero gradient (DivBackward2, as torch)."""
    if mode == "floor":
        fn = np.floor_divide
    elif mode == "trunc":
        def fn(a, b):
            return np.trunc(np.true_divide(a, b)).astype(np.result_type(a, b), copy=False)
    elif isinstance(mode, str):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")
    else:
        raise TypeError(f"div(): argument 'rounding_mode' must be str or None, not {_dt.type_name(mode)}")
    if not isinstance(x, Tensor):  # ZeroGrad's first operand is the tensor that decides the output's dtype
        return ZeroGrad.apply(y, lambda b, a: fn(a, b), x, "DivBackward2")
    return ZeroGrad.apply(x, fn, y, "DivBackward2")


def check_two_tensors(fname, x, y):
    """maximum/minimum take two Tensors only (torch refuses numbers and arrays there)."""
    if not isinstance(x, Tensor):
        raise _dt.not_tensor_error(fname, x)
    if not isinstance(y, Tensor):
        raise _dt.not_tensor_error(fname, y, 2, "other")


def where_operand(v, pos):
    """A Tensor or a real number (numpy scalars as Python numbers: weak in promotion, as in torch)."""
    if isinstance(v, Tensor):
        return v
    v = _dt.weak_scalar(v)
    if isinstance(v, (bool, int, float)):
        return v
    raise TypeError(f"where(): argument '{('input', 'other')[pos - 2]}' (position {pos}) must be Tensor or "
                    f"Number, not {_dt.type_name(v)}")

