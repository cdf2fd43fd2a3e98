"""Functions that create tensors (torch.tensor, zeros, arange, randn, normal, ...).

Default dtypes follow torch: Python floats give float32 (the default dtype), ints int64, bools
bool; numpy arrays keep their dtype (a float64 array stays float64, as torch.tensor does).
"""
import numbers

import numpy as np

from . import dtypes as _dt
from .random import numpy_rng
from .tensor import Tensor, _size


def _finish(data, dtype, requires_grad):
    if dtype is not None:
        data = data.astype(_dt.to_numpy_dtype(dtype), copy=False)
    t = Tensor._wrap(data)
    if requires_grad:
        t.requires_grad = True  # validates: floating point only
    return t


def _infer_array(data):
    """numpy array for Python/numpy data, with torch's dtype inference."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    arr = np.array(data)
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__}: the elements must be numbers, bools "
                        f"or tensors of the same shape")
    if arr.dtype.kind == "f":
        return arr.astype(_dt.get_default_dtype().numpy_dtype)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "U":  # torch: a lone string is a TypeError, strings in a list a ValueError
        raise TypeError("new(): invalid data type 'str'") if arr.ndim == 0 else ValueError("too many dimensions 'str'")
    return arr


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """torch.tensor: always copies `data`."""
    try:
        arr = _infer_array(data)
    except ValueError as e:
        raise ValueError(f"expected a sequence of equal-length sequences (a rectangular array): {e}") from None
    arr = np.array(arr, dtype=_dt.to_numpy_dtype(dtype) if dtype is not None else None, copy=True)
    _dt.from_numpy_dtype(arr.dtype)  # unsupported dtypes (strings, complex) raise TypeError here
    return _finish(arr, None, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """torch.as_tensor: shares memory with a numpy array or tensor when no conversion is needed."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        _dt.from_numpy_dtype(data.dtype)
        return _finish(data, dtype, False)
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """torch.from_numpy: a tensor sharing the array's memory."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dt.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _default(dtype):
    return _dt.to_numpy_dtype(dtype) if dtype is not None else _dt.get_default_dtype().numpy_dtype


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _finish(np.zeros(_size(size), _default(dtype)), None, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(_size(size), _default(dtype)), None, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _finish(np.empty(_size(size), _default(dtype)), None, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(np.full(_size((size,)), fill_value, _dt.to_numpy_dtype(dtype)), None, requires_grad)


def _like(fn):
    def like(input, dtype=None, device=None, requires_grad=False, **kwargs):
        return fn(input._data.shape, dtype=dtype if dtype is not None else input.dtype,
                  requires_grad=requires_grad, **kwargs)
    like.__name__ = fn.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    return full(input._data.shape, fill_value, dtype=dtype if dtype is not None else input.dtype,
                requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, "
                           f"step={step})")
    integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    np_dtype = _dt.to_numpy_dtype(dtype) if dtype is not None else (
        np.dtype(np.int64) if integral else _dt.get_default_dtype().numpy_dtype)
    return _finish(np.arange(start, end, step).astype(np_dtype), None, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.linspace(start, end, steps).astype(_default(dtype)), None, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, requires_grad)


# ---- random ----------------------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    return _finish(numpy_rng(generator).random(_size(size), dtype=np.float64).astype(_default(dtype)),
                   None, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    return _finish(numpy_rng(generator).standard_normal(_size(size)).astype(_default(dtype)), None, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: 'high' and 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    values = numpy_rng(generator).integers(low, high, _size((size,)))
    return _finish(values.astype(_dt.to_numpy_dtype(dtype) if dtype is not None else np.int64), None,
                   requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    perm = numpy_rng(generator).permutation(int(n))
    return _finish(perm.astype(_dt.to_numpy_dtype(dtype) if dtype is not None else np.int64), None, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples: normal(mean, std, size) with numbers, or element-wise with tensor mean/std."""
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if isinstance(std, numbers.Number) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if mean_t or std_t:
        m = mean._data if mean_t else mean
        s = std._data if std_t else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        np_dtype = (mean._data.dtype if mean_t else std._data.dtype)
    else:
        if size is None:
            raise TypeError("normal() missing required argument 'size' when mean and std are numbers")
        shape, m, s = _size((size,)), mean, std
        np_dtype = _default(dtype)
    values = m + s * numpy_rng(generator).standard_normal(shape)
    return _finish(np.asarray(values).astype(np_dtype), None, requires_grad)


def rand_like(input, dtype=None, requires_grad=False, **kw):
    return rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, requires_grad=False, **kw):
    return randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)
