"""Argument checks shared by the creation functions (creation.py, random.py), with torch's exceptions.

torch's argument parser refuses, with a TypeError, a bool where a size or a count is expected
(`zeros(True)`, `randperm(True)`), a float where an int is expected (`randperm(2.5)`,
`linspace(0, 1, 2.5)`), anything but a Python bool for `requires_grad`, None or a string for a
number (`full((2,), None)`). Storing a number in a dtype that cannot hold it is a RuntimeError
("value cannot be converted to type uint8 without overflow"). Each message names the value.
"""
import math
import numbers

import numpy as np

from . import dtypes as _dt
from .device import check_device, check_pin_memory
from .size import Size
from .tensor import Tensor

_MAX_DIM = 2 ** 63 - 1


def typename(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def check_requires_grad(flag, fname):
    if type(flag) is not bool:
        raise TypeError(f"{fname}(): argument 'requires_grad' must be bool, not {typename(flag)} ({flag!r})")


def options(fname, dtype, device, requires_grad, *, copy=False, pin_memory=False):
    """Validate the keyword options every creation function takes; the numpy dtype (or None)."""
    check_requires_grad(requires_grad, fname)
    if pin_memory is not False:
        check_pin_memory(pin_memory, fname)
    np_dtype = _dt.check_dtype(dtype, fname)
    check_device(device, copy=copy, fname=fname)
    return np_dtype


def _integer_value(value):
    """`value` as a Python int when torch accepts it where an int is expected, else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, Tensor) and value._data.size == 1 and value._data.dtype.kind in "iu":
        return int(value._data.reshape(()))
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    return None


def int_arg(value, fname, name, position):
    """An int argument (randperm's n, linspace's steps, eye's n): bools and floats are refused."""
    result = _integer_value(value)
    if result is None:
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be int, not {typename(value)} "
                        f"({value!r})")
    if not -_MAX_DIM - 1 <= result <= _MAX_DIM:
        raise ValueError(f"Overflow when unpacking long long: {fname}() argument '{name}' = {result} is beyond int64")
    return result


def number_arg(value, fname, name, position):
    """A Number argument (full's fill_value, arange's ends): a Python scalar; a 0-d Tensor is read."""
    if isinstance(value, Tensor) and value._data.ndim == 0:
        value = value._data.item()
    if isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{fname}(): tinygrad_edu has no complex dtypes ({name}={value!r})")
    if not isinstance(value, (numbers.Number, np.number, np.bool_)):
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be Number, not {typename(value)} "
                        f"({value!r})")
    return value.item() if isinstance(value, np.generic) else value


def creation_size(fname, args):
    """The shape from `zeros(2, 3)` / `zeros((2, 3))` / `zeros([2, 3])`, with torch's refusals."""
    sequence = len(args) == 1 and isinstance(args[0], (tuple, list, Size))
    items = tuple(args[0]) if sequence else args
    if not sequence and items and isinstance(items[0], (bool, np.bool_)):
        raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, not {typename(items[0])} "
                        f"({items[0]!r})")
    shape = []
    for pos, item in enumerate(items):
        dim = int(item) if isinstance(item, bool) else _integer_value(item)
        if dim is None or isinstance(item, np.bool_):
            what = "an element" if sequence or len(items) > 1 else "the size"
            raise TypeError(f"{fname}(): argument 'size' must be tuple of ints, but {what} at pos {pos} is of type "
                            f"{typename(item)} ({item!r})")
        if dim > _MAX_DIM:
            raise TypeError(f"{fname}(): argument 'size': {dim} overflows int64 (at pos {pos})")
        shape.append(dim)
    if any(dim < 0 for dim in shape):
        bad = next(dim for dim in shape if dim < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {shape}")
    return tuple(shape)


def tuple_size(value, fname, position):
    """A size given as one sequence only (full's and randint's `size`): a bare int is refused, as in torch."""
    if not isinstance(value, (tuple, list, Size)):
        raise TypeError(f"{fname}(): argument 'size' (position {position}) must be tuple of ints, not "
                        f"{typename(value)} ({value!r})")
    return creation_size(fname, (value,))


def check_fits(value, np_dtype, *, floats=False):
    """torch's overflow check when one number is stored in `np_dtype` (RuntimeError naming both).

    Integer dtypes refuse out-of-range values, NaN and infinities; an unsigned dtype accepts a
    negative integer down to -max (it wraps, as in C). Floating dtypes accept everything, unless
    `floats` (torch.full): then a finite value beyond the dtype's range is refused too.
    """
    kind = np_dtype.kind
    if kind == "b":
        return
    if kind == "f":
        bad = floats and math.isfinite(value) and abs(value) > float(np.finfo(np_dtype).max)
    else:
        info = np.iinfo(np_dtype)
        if isinstance(value, numbers.Integral):
            low = -info.max if kind == "u" else info.min
            bad = not low <= value <= info.max
        else:
            bad = not info.min <= value <= info.max     # NaN compares False: refused
    if bad:
        raise RuntimeError(f"value cannot be converted to type {_dt.from_numpy_dtype(np_dtype).name} without "
                           f"overflow: {value!r}")


def scalar_array(value, np_dtype):
    """A 0-d array of `np_dtype` holding the Python number `value` (checked by check_fits first)."""
    if np_dtype.kind == "f":
        with np.errstate(over="ignore"):
            return np.array(float(value)).astype(np_dtype)
    if np_dtype.kind == "b":
        return np.array(bool(value))
    if isinstance(value, numbers.Integral):
        return np.array(int(value), np.int64).astype(np_dtype)   # a negative int wraps into unsigned
    return np.array(value).astype(np_dtype)                      # a float truncates toward zero


def default_scalar_dtype(value):
    """The dtype torch gives a number on its own (full, arange): bool, int64 or the default float."""
    if isinstance(value, bool):
        return np.dtype(np.bool_)
    if isinstance(value, numbers.Integral):
        return np.dtype(np.int64)
    return _dt.get_default_dtype().numpy_dtype


def finish(data, requires_grad):
    """Wrap the new array; `requires_grad=True` is validated by the Tensor (floating point only)."""
    t = Tensor._wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def size_keyword(fname, sizes, size):
    """The sizes given positionally, or as torch's `size=` keyword (a tuple or list, never both)."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{fname}() got multiple values for argument 'size'")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'size' must be tuple of ints, not {typename(size)}")
    return (tuple(size),)
