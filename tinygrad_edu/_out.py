"""torch's `out=` keyword, for the top-level functions that have it (torch.add(a, b, out=c), torch.cat(..., out=)).

One wrapper for all of them (`with_out`), applied in tinygrad_edu/__init__.py; the Tensor methods
and nn call the ops directly and never pay for it. As in torch:

- the result is written into `out`, which is returned; `out`'s version counter is bumped (it is an
  in-place write);
- an `out` of another shape is resized, with torch's UserWarning when it held elements (the creation
  functions and multinomial resize silently, as torch's do);
- dtypes: the result is cast into `out`'s dtype where torch's casting rule allows it (a float result
  never goes into an integer or bool `out`: RuntimeError). Some functions need `out` to have the
  result's dtype exactly (matmul, gather, ...), some take any dtype (sum, prod, cumsum: it is their
  dtype= argument), cat and stack raise a TypeError, all and any want a bool `out`;
- the creation functions (zeros, arange, randn, ...) make their values in `out`'s dtype when no
  dtype= is given (a dtype= that differs from `out`'s is refused);
- functions returning (values, indices) (max(dim), sort, topk) take a pair of tensors;
- out= records no autograd: if grad mode is on and an input or `out` requires grad, RuntimeError.
"""
import functools
import inspect
import warnings

import numpy as np

from . import dtypes as _dt
from .grad_mode import _state
from .tensor import Tensor


def _any_requires_grad(values):
    for v in values:
        if isinstance(v, Tensor):
            if v._requires_grad:
                return True
        elif isinstance(v, (list, tuple)) and _any_requires_grad(v):
            return True
    return False


def _any_tangent(values):
    """Does a tensor among values (nested in lists and tuples) carry a tangent of the open level?"""
    for v in values:
        if isinstance(v, Tensor):
            if _state.dual.get(v) is not None:
                return True
        elif isinstance(v, (list, tuple)) and _any_tangent(v):
            return True
    return False


def _can_cast(src, dst):
    """torch's canCast: no float into an integer or bool, no integer into bool; anything else goes."""
    if src.kind == "f" and dst.kind in "biu":
        return False
    return not (src.kind in "iu" and dst.kind == "b")


def _check_dtype(name, rule, src, dst):
    if rule == "bool" and dst != np.bool_:
        raise RuntimeError(f"{name} only supports bool tensor for result, got: {_type_name(_dt.from_numpy_dtype(dst))}")
    if src == dst or rule == "any":
        return
    src_name, dst_name = _dt.from_numpy_dtype(src), _dt.from_numpy_dtype(dst)
    if rule in ("exact", "creation"):
        raise RuntimeError(f"{name}(): Expected out tensor to have dtype {src_name.scalar_name}, but got "
                           f"{dst_name.scalar_name} instead")
    if not _can_cast(src, dst):
        if rule == "cat":
            raise TypeError(f"torch.{name}(): input types can't be cast to the desired output type "
                            f"{_type_name(dst_name)}")
        raise RuntimeError(f"{name}(): result type {_type_name(src_name)} can't be cast to the desired output type "
                           f"{_type_name(dst_name)}")


def _type_name(dtype):
    """torch's capitalised scalar names in these messages: Float, Double, Long, Int, Bool, Byte, ..."""
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(dtype.name, dtype.name)


def write_out(name, rule, result, out, resize_warns=True):
    """Write `result` (a Tensor, or a tuple of them) into `out` as torch's out= does; returns `out`."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result) or \
                not all(isinstance(o, Tensor) for o in out):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors, not "
                            f"{type(out).__name__}")
        written = [write_out(name, rule, r, o, resize_warns) for r, o in zip(result, out)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)  # a named pair, or (std, mean)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    src, dst = result._data, out._data
    _check_dtype(name, rule, src.dtype, dst.dtype)
    if dst.shape != src.shape:
        if dst.size and resize_warns:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(dst.shape)}, "
                          f"which does not match the required output shape {list(src.shape)}. This behavior is "
                          "deprecated, and in a future PyTorch release outputs will not be resized unless they "
                          "have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, "
                          "to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        same = src.dtype == dst.dtype and src.flags.owndata and src.flags.writeable
        out._data = src if same else src.astype(dst.dtype)
    else:
        if not dst.flags.writeable:
            raise RuntimeError(f"{name}(): out= cannot be written: it is an expanded tensor (clone() it first)")
        with np.errstate(invalid="ignore", over="ignore"):
            np.copyto(dst, src, casting="unsafe")
    out._version[0] += 1
    return out


def _creation_dtype(name, dtype, out):
    """zeros(2, out=t) makes t's dtype; zeros(2, dtype=d, out=t) needs d to be t's dtype."""
    if dtype is not None and dtype != out.dtype:
        raise RuntimeError(f"{name}(): dtype {_type_name(dtype)} does not match dtype of out parameter "
                           f"({_type_name(out.dtype)})")
    return out.dtype


def with_out(fn, rule="cast", name=None):
    """`fn` with torch's keyword-only `out=` (see the module docstring for `rule`)."""
    name = name or fn.__name__
    resize_warns = rule != "creation" and name != "multinomial"

    @functools.wraps(fn)
    def function(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        if _state.enabled and (_any_requires_grad(outs) or _any_requires_grad(args) or
                               _any_requires_grad(kwargs.values())):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        if _state.dual is not None and _any_tangent((outs, args, tuple(kwargs.values()))):
            raise NotImplementedError(f"Trying to use forward AD with {name}_out that does not support it because "
                                      "it is an out= function")
        if rule == "creation" and isinstance(out, Tensor):
            kwargs["dtype"] = _creation_dtype(name, kwargs.get("dtype"), out)
        return write_out(name, rule, fn(*args, **kwargs), out, resize_warns)

    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    keyword = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    at = next((i for i, p in enumerate(params) if p.kind == p.VAR_KEYWORD), len(params))
    function.__signature__ = signature.replace(parameters=params[:at] + [keyword] + params[at:])
    return function
