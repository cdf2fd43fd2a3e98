"""Functions that create tensors (torch.tensor, zeros, full, arange, linspace, eye, ...).

Dtypes follow torch: `tensor(data)` gives Python floats the default dtype (float32), ints int64,
bools bool; numpy scalars and arrays and tensors keep theirs, and a list mixing them takes the
promotion of all its elements (`tensor([np.float64(.72), 1.])` is float64). The values are
converted ONCE, from the Python numbers straight to the requested (or inferred) dtype, so
`tensor(0.72, dtype=float64)` holds 0.72, not 0.72 rounded through float32.

Argument checks (sizes, counts, dtypes, devices, requires_grad) live in _creation_args.py; the
random creation functions (rand, randn, randint, randperm, normal) in random.py.
"""
import math
import numbers

import numpy as np

from . import dtypes as _dt
from ._creation_args import (check_fits, creation_size, default_scalar_dtype, finish, int_arg, number_arg, options,
                             scalar_array, size_keyword, tuple_size, typename)
from .random import normal, rand, rand_like, randint, randn, randn_like, randperm  # noqa: F401  (torch's names)
from .tensor import Tensor

_SEQUENCES = (list, tuple, range)


# ---- tensor(data): torch's dtype inference, then one conversion -------------------------------------------
def _supported(np_dtype):
    _dt.from_numpy_dtype(np_dtype)   # TypeError naming the dtype for strings, complex, uint16, ...
    return np.dtype(np_dtype)


def _leaf_kind(kind, found):
    """Record the dtype of a scalar leaf type; True if `kind` is a container to look inside."""
    if issubclass(kind, np.generic):
        if issubclass(kind, (np.str_, np.bytes_)):
            raise ValueError(f"too many dimensions '{kind.__name__}'")
        found.add(_supported(np.dtype(kind)))
    elif issubclass(kind, bool):
        found.add(np.dtype(np.bool_))
    elif issubclass(kind, numbers.Integral):
        found.add(np.dtype(np.int64))
    elif issubclass(kind, float):
        found.add(_dt.get_default_dtype().numpy_dtype)
    elif issubclass(kind, (str, bytes)):
        raise ValueError(f"too many dimensions '{kind.__name__}'")
    elif issubclass(kind, complex):
        raise TypeError("tinygrad_edu has no complex dtypes (found a complex number in the data)")
    elif issubclass(kind, _SEQUENCES + (np.ndarray, Tensor)):
        return True
    else:
        raise RuntimeError(f"Could not infer dtype of {kind.__name__}")
    return False


def _scan(seq, found):
    """Add the dtype of every leaf of the nested sequence `seq` to `found`; True if a Tensor is a leaf.

    One `set(map(type, ...))` per sub-sequence: the per-element work is numpy-speed, Python only
    loops over the rows of nested lists (and over the arrays and tensors found among the leaves).
    """
    nested = [kind for kind in set(map(type, seq)) if _leaf_kind(kind, found)]
    has_tensor = False
    if nested:
        for item in seq:
            if isinstance(item, _SEQUENCES):
                has_tensor |= _scan(item, found)
            elif isinstance(item, np.ndarray):
                if item.ndim == 0:
                    raise TypeError("len() of unsized object: a 0-d numpy array inside a list (use its .item())")
                found.add(_supported(item.dtype))
            elif isinstance(item, Tensor):
                if item._data.size != 1:
                    raise ValueError(f"only one element tensors can be converted to Python scalars (found a tensor "
                                     f"of shape {list(item._data.shape)} inside the data)")
                found.add(item._data.dtype)
                has_tensor = True
    return has_tensor


def _tensors_to_numbers(seq):
    return [_tensors_to_numbers(x) if isinstance(x, _SEQUENCES) else
            x._data.reshape(()).item() if isinstance(x, Tensor) else x for x in seq]


def _promote(found):
    result = None
    for d in found:
        result = d if result is None else _dt.promote_arrays(result, d)
    return result if result is not None else _dt.get_default_dtype().numpy_dtype


def _natural(data):
    """numpy's own reading of Python data (before the cast to an integer dtype), ragged data refused."""
    try:
        return np.array(data)
    except ValueError as e:
        raise ValueError(f"expected a sequence of equal-length sequences (a rectangular array): {e}") from None


def _to_integers(data, np_dtype, integers_only=False):
    """Python numbers -> an integer dtype, with torch's overflow check (NaN, inf, out of range).

    `integers_only`: the data holds Python ints (and bools) only; numpy reads [1, 2**63] as float64,
    which must not be rounded into int64 (torch: "Overflow when unpacking long long")."""
    natural = _natural(data)
    if natural.dtype == np.uint64 or natural.dtype.kind == "O" or (integers_only and natural.dtype.kind == "f"):
        raise ValueError(f"Overflow when unpacking long long: the data holds an integer beyond int64 "
                         f"(largest {max(natural.ravel().tolist())})")
    if natural.dtype.kind in "iuf" and natural.size:
        info = np.iinfo(np_dtype)
        low = -info.max if (np_dtype.kind == "u" and natural.dtype.kind != "f") else info.min
        with np.errstate(invalid="ignore"):
            # float(2**63 - 1) rounds up to 2**63, which int64 cannot hold: below it, floats are 1024 apart
            big_float = natural.dtype.kind == "f" and info.bits == 64
            high = natural < float(info.max) + 1 if big_float else natural <= info.max
            bad = ~((natural >= low) & high)
        if bad.any():
            check_fits(natural[bad].ravel()[0].item(), np_dtype)
    with np.errstate(invalid="ignore"):
        return natural.astype(np_dtype)


def _from_python(data, np_dtype):
    """Python numbers / nested sequences (numpy scalars, arrays and 1-element tensors allowed inside)."""
    found = set()
    if isinstance(data, _SEQUENCES):
        if _scan(data, found):
            data = _tensors_to_numbers(data)
    else:
        _leaf_kind(type(data), found)   # a lone number (arrays and tensors were handled by the caller)
    target = np_dtype if np_dtype is not None else _promote(found)
    if target.kind in "iu":
        return _to_integers(data, target, bool(found) and found <= {np.dtype(np.int64), np.dtype(np.bool_)})
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            return np.array(data, dtype=target)
        except ValueError as e:
            raise ValueError(f"expected a sequence of equal-length sequences (a rectangular array): {e}") from None


def _as_array(data, np_dtype):
    """A new numpy array holding `data` in `np_dtype` (or the dtype torch infers for it)."""
    if isinstance(data, Tensor):
        data = data._data
    elif not isinstance(data, (np.ndarray, np.generic, numbers.Number) + _SEQUENCES) and hasattr(data, "__array__"):
        data = np.asarray(data)
    if isinstance(data, np.ndarray):
        _supported(data.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array(data, dtype=np_dtype if np_dtype is not None else data.dtype, copy=True)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}' ({data!r})")
    return _from_python(data, np_dtype)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.tensor: always copies `data`."""
    np_dtype = options("tensor", dtype, device, requires_grad, copy=True, pin_memory=pin_memory)
    return finish(_as_array(data, np_dtype), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """torch.as_tensor: shares memory with a numpy array or tensor when no conversion is needed."""
    np_dtype = options("as_tensor", dtype, device, False, copy=True)
    if isinstance(data, Tensor):
        return data if np_dtype is None or np_dtype == data._data.dtype else data.to(_dt.from_numpy_dtype(np_dtype))
    if isinstance(data, np.ndarray):
        _supported(data.dtype)
        return Tensor._wrap(data if np_dtype is None else data.astype(np_dtype, copy=False))
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """torch.from_numpy: a tensor sharing the array's memory."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {typename(array)})")
    _supported(array.dtype)
    return Tensor._wrap(array)


# ---- filled tensors ----------------------------------------------------------------------------------------
def _filled(fname, numpy_fn, size, dtype, device, requires_grad, pin_memory):
    np_dtype = options(fname, dtype, device, requires_grad, pin_memory=pin_memory)
    shape = creation_size(fname, size)
    return finish(numpy_fn(shape, np_dtype if np_dtype is not None else _dt.get_default_dtype().numpy_dtype),
                  requires_grad)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return _filled("zeros", np.zeros, size_keyword("zeros", sizes, size), dtype, device, requires_grad, pin_memory)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return _filled("ones", np.ones, size_keyword("ones", sizes, size), dtype, device, requires_grad, pin_memory)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return _filled("empty", np.empty, size_keyword("empty", sizes, size), dtype, device, requires_grad, pin_memory)


def _fill_dtype(fill_value):
    """The dtype torch.full gives a fill value: numpy scalars count as Python numbers (np.bool_ as a float)."""
    if isinstance(fill_value, Tensor):
        return default_scalar_dtype(fill_value._data.reshape(()).item())
    if isinstance(fill_value, np.bool_):
        return _dt.get_default_dtype().numpy_dtype
    return default_scalar_dtype(fill_value.item() if isinstance(fill_value, np.generic) else fill_value)


def _full(fname, shape, fill_value, dtype, device, requires_grad, pin_memory=False):
    np_dtype = options(fname, dtype, device, requires_grad, pin_memory=pin_memory)
    if isinstance(fill_value, Tensor) and fill_value._data.ndim != 0:
        raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, not a Tensor of shape "
                        f"{list(fill_value._data.shape)}")
    value = number_arg(fill_value, fname, "fill_value", 2)
    np_dtype = np_dtype if np_dtype is not None else _fill_dtype(fill_value)
    check_fits(value, np_dtype, floats=True)
    return finish(np.full(shape, scalar_array(value, np_dtype), np_dtype), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return _full("full", tuple_size(size, "full", 1), fill_value, dtype, device, requires_grad, pin_memory)


def _check_input(fname, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not {typename(input)}")


def _like(fn):
    def like(input, dtype=None, device=None, requires_grad=False, pin_memory=False):
        _check_input(fn.__name__ + "_like", input)
        out = fn(input._data.shape, dtype=dtype if dtype is not None else input.dtype, device=device,
                 requires_grad=requires_grad, pin_memory=pin_memory)
        if not input._data.flags.c_contiguous:  # torch keeps the input's layout (memory_format=preserve)
            same_layout = np.empty_like(input._data, dtype=out._data.dtype)
            same_layout[...] = out._data
            out._data = same_layout
        return out
    like.__name__ = like.__qualname__ = fn.__name__ + "_like"
    like.__doc__ = f"torch.{like.__name__}: {fn.__name__} with the shape (and, by default, the dtype) of input."
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, pin_memory=False):
    _check_input("full_like", input)
    return _full("full_like", input._data.shape, fill_value, dtype if dtype is not None else input.dtype, device,
                 requires_grad, pin_memory)


def eye(n, m=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    np_dtype = options("eye", dtype, device, requires_grad, pin_memory=pin_memory)
    n = int_arg(n, "eye", "n", 1)
    m = n if m is None else int_arg(m, "eye", "m", 2)
    for name, v in (("n", n), ("m", m)):
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    return finish(np.eye(n, m, dtype=np_dtype if np_dtype is not None else _dt.get_default_dtype().numpy_dtype),
                  requires_grad)


# ---- ranges ------------------------------------------------------------------------------------------------
def _rounded_mul_add(a, b, c, np_dtype):
    """a * b + c rounded once to np_dtype (a fused multiply-add, as torch's compiled kernels do)."""
    wide = np.longdouble if np_dtype == np.float64 else np.float64
    return (np.asarray(a, wide) * np.asarray(b, wide) + np.asarray(c, wide)).astype(np_dtype)


def _arange_floats(start, step, n, np_dtype):
    """torch's CPU arange: blocks of one 32-byte vector from a base `start + step * i`, in double."""
    width = 32 // np_dtype.itemsize
    idx = np.arange(n)
    in_blocks = idx < n - n % (2 * width)
    lane = np.where(in_blocks, idx % width, 0)
    base = _rounded_mul_add(step, np.where(in_blocks, idx - lane, idx), start, np.float64)
    base = np.where(in_blocks, base.astype(np_dtype).astype(np.float64), base)
    return _rounded_mul_add(step, lane, base, np.float64).astype(np_dtype)


def arange(start=None, end=None, step=1, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.arange(end), arange(start, end, step), also arange(end=3) and arange(start=1, end=3)."""
    np_dtype = options("arange", dtype, device, requires_grad, pin_memory=pin_memory)
    if start is None and end is None:
        raise TypeError("arange() missing 1 required positional argument: 'end'")
    if start is None:
        start = 0
    if end is None:
        start, end = 0, number_arg(start, "arange", "end", 1)
    else:
        start, end = number_arg(start, "arange", "start", 1), number_arg(end, "arange", "end", 2)
    step = number_arg(step, "arange", "step", 3)
    if np_dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        np_dtype = np.dtype(np.int64) if integral else _dt.get_default_dtype().numpy_dtype
    if np_dtype == np.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool' (dtype=bool)")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError(f"step must be nonzero (start={start}, end={end}, step={step})")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and lower bound inconsistent with step sign (start={start}, end={end}, "
                           f"step={step})")
    n = math.ceil((end - start) / step)
    if np_dtype.kind == "f":
        return finish(_arange_floats(start, step, n, np_dtype), requires_grad)
    if int(step) == 0:
        raise ValueError(f"step must be nonzero: step={step} is 0 in the integer dtype {np_dtype}")
    values = np.arange(n, dtype=np.int64) * int(step) + int(start)
    return finish(values.astype(np_dtype), requires_grad)


def _linspace_values(start, end, steps, np_dtype):
    """torch's CPU linspace: from both ends toward the middle, step in the dtype (in double for ints)."""
    integral = np_dtype.kind in "iu"
    step_dtype = np.dtype(np.float64) if integral else np_dtype
    if integral:
        check_fits(start, np_dtype)
        check_fits(end, np_dtype)
        start, end = float(int(start)), float(int(end))
    first, last = step_dtype.type(start), step_dtype.type(end)
    step = (last - first) / step_dtype.type(steps - 1)
    idx = np.arange(steps)
    from_end = steps - 1 - idx
    if step_dtype == np.float16:      # half arithmetic rounds every operation; no fused multiply-add
        values = np.where(idx < steps // 2, first + step * idx.astype(np.float16),
                          last - step * from_end.astype(np.float16))
    else:
        values = np.where(idx < steps // 2, _rounded_mul_add(step, idx, first, step_dtype),
                          _rounded_mul_add(-step, from_end, last, step_dtype))
    return values.astype(np_dtype)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False, pin_memory=False):
    np_dtype = options("linspace", dtype, device, requires_grad, pin_memory=pin_memory)
    start = number_arg(start, "linspace", "start", 1)
    end = number_arg(end, "linspace", "end", 2)
    steps = int_arg(steps, "linspace", "steps", 3)
    if steps < 0:
        raise RuntimeError(f"number of steps must be non-negative, got steps={steps}")
    np_dtype = np_dtype if np_dtype is not None else _dt.get_default_dtype().numpy_dtype
    if np_dtype == np.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool' (dtype=bool)")
    if steps <= 1:
        values = np.full(steps, scalar_array(start, np_dtype), np_dtype)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            values = _linspace_values(start, end, steps, np_dtype)
    return finish(values, requires_grad)
