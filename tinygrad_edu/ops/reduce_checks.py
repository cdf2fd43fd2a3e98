"""Argument handling of the reductions (numpy's keyword names, max/min's named pair) and torch's
refusals for reductions and products, kept off the fast path: the public functions call
these only after a cheap test has failed (an AttributeError on a non-Tensor, a ValueError from numpy
on an empty reduction)."""
from collections import namedtuple

from ..tensor import Tensor

values_indices = {"max": namedtuple("max", ["values", "indices"]),
                  "min": namedtuple("min", ["values", "indices"])}


def numpy_names(name, dim, keepdim, axis, keepdims, no_dim=None):
    """torch also takes numpy's names, axis= for dim= and keepdims= for keepdim= (and so do we)."""
    if axis is not None:
        if dim is not no_dim:
            raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
        dim = axis
    return dim, (keepdim if keepdims is None else keepdims)


def other_or_dim(name, dim, other):
    """max(input, other=t) is max(input, t); a dim as well is refused, as torch has no such overload."""
    if other is None:
        return dim
    if dim is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: both dim ({dim!r}) and other")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")
    return other


def _type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def not_tensor(name, value, arg="input", position=1):
    """torch's TypeError for a non-Tensor argument (a list, str, ndarray or None)."""
    return TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {_type_name(value)}")


# the names torch's signatures give the second operand
_SECOND = {"mm": "mat2", "bmm": "mat2", "dot": "tensor", "mv": "vec"}


def check_tensors(name, *values):
    """Raise torch's TypeError if one of `values` (in argument order: input, other) is not a Tensor."""
    for position, value in enumerate(values, 1):
        if not isinstance(value, Tensor):
            arg = "input" if position == 1 else _SECOND.get(name, "other")
            raise not_tensor(name, value, arg, position) from None


def repeated_dim(wrapped):
    """torch's RuntimeError naming the first dim of `wrapped` (non-negative dims) that is repeated."""
    seen = set()
    for d in wrapped:
        if d in seen:
            return RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return RuntimeError("repeated dims")


def empty_reduction(name, shape, dims, error=RuntimeError):
    """torch's error for a max/min-like reduction with nothing to choose from: `dims` None (all) of an
    empty tensor, or a zero-length dim among `dims` (IndexError naming the dim)."""
    if dims is None:
        extra = "" if error is IndexError else " Specify the reduction dim with the 'dim' argument."
        return error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.{extra}")
    zero = next((d for d in dims if shape[d] == 0), None)
    if zero is None:
        return None
    return IndexError(f"{name}(): Expected reduction dim {zero} to have non-zero size.")
