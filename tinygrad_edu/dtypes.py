"""Data types, named and promoted as in torch.

A `dtype` is a small named wrapper around a numpy dtype, so that `x.dtype` prints as
`tinygrad_edu.float32` and compares with the module-level constants. Tensors store plain numpy
arrays; the dtype object is looked up from the array's numpy dtype when asked for.

Promotion (torch's rules, the common cases): operands are ranked by *category*
bool < integer < floating. The result takes the highest category present; within it,
dimensioned tensors outrank 0-d tensors, which outrank Python scalars. A Python float meeting an
integer tensor gives the default float dtype (float32), never float64.
"""
import builtins

import numpy as np


class dtype:
    __slots__ = ("name", "numpy_dtype", "is_floating_point", "is_signed", "itemsize", "category", "scalar_name")

    def __init__(self, name, numpy_dtype, category, scalar_name):
        self.name = name
        self.scalar_name = scalar_name  # torch's ScalarType name, as its error messages print it
        self.numpy_dtype = np.dtype(numpy_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = self.numpy_dtype.kind in "if"
        self.itemsize = self.numpy_dtype.itemsize

    def __repr__(self):
        return "tinygrad_edu." + self.name

    def __reduce__(self):  # dtypes are singletons; copy/deepcopy keep them so
        return (from_numpy_dtype, (self.numpy_dtype,))


float16 = dtype("float16", np.float16, 2, "Half")
float32 = dtype("float32", np.float32, 2, "Float")
float64 = dtype("float64", np.float64, 2, "Double")
uint8 = dtype("uint8", np.uint8, 1, "Byte")
int8 = dtype("int8", np.int8, 1, "Char")
int16 = dtype("int16", np.int16, 1, "Short")
int32 = dtype("int32", np.int32, 1, "Int")
int64 = dtype("int64", np.int64, 1, "Long")
bool_ = dtype("bool", np.bool_, 0, "Bool")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)


class _NoNumpyDtype(dtype):
    """A torch dtype numpy cannot store (bfloat16): it exists, prints and compares like the others, and
    every attempt to make a tensor of it raises TypeError naming the limitation. It is not emulated
    (float32 values rounded to bfloat16 after every op): a result that is neither torch's bfloat16
    result nor float32's would be a silent wrong answer."""
    __slots__ = ()

    def __init__(self, name, scalar_name, itemsize):
        self.name, self.scalar_name, self.category = name, scalar_name, 2
        self.is_floating_point, self.is_signed, self.itemsize = True, True, itemsize

    @property
    def numpy_dtype(self):
        raise TypeError(f"tinygrad_edu.{self.name} is not supported: numpy has no {self.name} type, so tinygrad_edu "
                        f"cannot hold {self.name} tensors. Use tinygrad_edu.float32 (or float16 for 2-byte storage).")

    def __reduce__(self):
        return self.name  # the module-level constant of that name


bfloat16 = _NoNumpyDtype("bfloat16", "BFloat16", 2)
_BY_NUMPY = {d.numpy_dtype: d for d in ALL}
_default_float = float32


def from_numpy_dtype(np_dtype):
    """The tinygrad_edu dtype of a numpy dtype; TypeError for ones torch does not have."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported "
                        "types are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")


def to_numpy_dtype(d):
    """Accept a tinygrad_edu dtype, a numpy dtype, or the Python types float/int/bool (as torch does)."""
    if isinstance(d, dtype):
        return d.numpy_dtype
    if d is builtins.float:
        return np.dtype(np.float64)
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    if isinstance(d, str):
        raise TypeError(f"dtype must be a tinygrad_edu.dtype, not the string {d!r}")
    return from_numpy_dtype(d).numpy_dtype


def check_dtype(d, fname):
    """A user's `dtype=` argument as a numpy dtype (None stays None), with torch's TypeError otherwise.

    Accepted: the tinygrad_edu dtypes, and the Python types float, int and bool (torch reads them as
    float64, int64 and bool). numpy dtypes and strings are refused, as torch refuses them.
    """
    if d is None or isinstance(d, dtype):
        return None if d is None else d.numpy_dtype
    if d is builtins.float or d is builtins.int or d is builtins.bool:
        return to_numpy_dtype(d)
    if d is builtins.complex:
        raise TypeError(f"{fname}(): tinygrad_edu has no complex dtypes (dtype=complex)")
    raise TypeError(f"{fname}(): argument 'dtype' must be tinygrad_edu.dtype, not {type_name(d)} ({d!r})")


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    d = from_numpy_dtype(to_numpy_dtype(d))
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def category_of_scalar(x):
    if isinstance(x, builtins.bool):
        return 0
    if isinstance(x, builtins.int):
        return 1
    return 2


def scalar_dtype(x):
    """The numpy dtype a Python scalar becomes on its own: bool, int64 or the default float."""
    return (np.dtype(np.bool_), np.dtype(np.int64), _default_float.numpy_dtype)[category_of_scalar(x)]


def promote_arrays(a, b, a_is_0d=False, b_is_0d=False):
    """torch.result_type for two array operands (numpy dtypes in, numpy dtype out)."""
    if a == b:
        return a
    ca, cb = _BY_NUMPY[a].category, _BY_NUMPY[b].category
    if ca == cb:
        if a_is_0d != b_is_0d:  # a 0-d tensor does not widen a dimensioned one of its category
            return b if a_is_0d else a
        return np.promote_types(a, b)
    return a if ca > cb else b


def promote_with_scalar(a, scalar):
    """torch.result_type(tensor, python_scalar): the tensor wins unless the scalar's category is higher."""
    cs = category_of_scalar(scalar)
    if cs > _BY_NUMPY[a].category:
        return scalar_dtype(scalar)
    return a


def type_name(x):
    """A value's type as torch's messages print it: `list`, `NoneType`, `numpy.ndarray`."""
    kind = type(x)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def not_tensor_error(fname, x, pos=1, arg="input"):
    """torch's TypeError for a non-Tensor where a Tensor argument is required."""
    return TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, not {type_name(x)}")


def weak_scalar(v):
    """A numpy scalar as the Python number it stands for: torch treats both as "weak" in promotion."""
    return v.item() if isinstance(v, np.generic) else v
