"""The Tensor methods that are operations, attached to the class in this one place.

Kept as a table so that `Tensor` itself (tensor.py) reads as the data structure it is, and so
that every op method is visibly a thin call into the op that implements it (ops/). The in-place
methods (add_, x[i] = v, ...) come from tensor_inplace.py; `backward` from autograd.
"""
from .ops.shape import flip_method as _shape_flip_method
from . import ops
from .autograd.grad import tensor_backward
from . import dtypes as _dt
from .device import check_device, device as _device, tensor_is_pinned, tensor_pin_memory
from .legacy import tensor_type
from .tensor import Tensor
from .tensor_inplace import InplaceMethods
from .random import multinomial as _multinomial


def to(self, *args, device=None, dtype=None, non_blocking=False, copy=False, memory_format=None):
    """to(dtype), to(device), to(other_tensor), to(device, dtype); only the CPU holds data here, so
    another device raises torch's CPU-build error (check_device)."""
    check_device(device, copy=True, fname="to", default=False)
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, _device, int)) and not isinstance(a, bool):
            check_device(a, copy=True, fname="to")
        elif a is not None:
            dtype = a
    if dtype is None or _dt.to_numpy_dtype(dtype) == self._data.dtype:
        return self.clone() if copy else self
    return ops.cast(self, _dt.to_numpy_dtype(dtype))


def _cast_to(dtype):
    return lambda self: to(self, dtype)


def _swap(fn):
    """The reflected operator: `2 - t` is `sub(2, t)`."""
    return lambda self, other: fn(other, self)


def _varargs(fn):
    """Methods that accept sizes/dims as varargs or as one sequence: x.reshape(2, 3) or x.reshape((2, 3))."""
    return lambda self, *args, **kwargs: fn(self, *args, **kwargs)


_METHODS = {
    "backward": tensor_backward, "to": to, "type": tensor_type, "type_as": lambda self, other: to(self, other.dtype),
    "float": _cast_to(_dt.float32), "double": _cast_to(_dt.float64), "half": _cast_to(_dt.float16),
    "long": _cast_to(_dt.int64), "int": _cast_to(_dt.int32), "short": _cast_to(_dt.int16), "bool": _cast_to(_dt.bool_),
    # arithmetic and operators
    "__add__": ops.add, "__radd__": _swap(ops.add), "add": ops.add,
    "__sub__": ops.sub, "__rsub__": _swap(ops.sub), "sub": ops.sub, "subtract": ops.sub,
    "__mul__": ops.mul, "__rmul__": _swap(ops.mul), "mul": ops.mul, "multiply": ops.mul,
    "__truediv__": ops.div, "__rtruediv__": _swap(ops.div), "div": ops.div, "divide": ops.div,
    "__floordiv__": ops.floor_divide, "__rfloordiv__": _swap(ops.floor_divide),
    "__mod__": ops.remainder, "remainder": ops.remainder,
    "__pow__": ops.pow, "__rpow__": _swap(ops.pow), "pow": ops.pow,
    "__matmul__": ops.matmul, "__rmatmul__": _swap(ops.matmul), "matmul": ops.matmul, "mm": ops.mm,
    "bmm": ops.bmm, "dot": ops.dot, "mv": ops.mv,
    "__neg__": ops.neg, "neg": ops.neg, "negative": ops.neg, "__abs__": ops.abs, "abs": ops.abs,
    "__pos__": lambda self: self,
    "maximum": ops.maximum, "minimum": ops.minimum,
    # comparisons and logic (no gradient)
    "__eq__": ops.eq, "__ne__": ops.ne, "__lt__": ops.lt, "__le__": ops.le, "__gt__": ops.gt, "__ge__": ops.ge,
    "eq": ops.eq, "ne": ops.ne, "lt": ops.lt, "le": ops.le, "gt": ops.gt, "ge": ops.ge,
    "__and__": ops.bitwise_and, "__or__": ops.bitwise_or, "__xor__": ops.bitwise_xor,
    "__rand__": _swap(ops.bitwise_and), "__ror__": _swap(ops.bitwise_or), "__rxor__": _swap(ops.bitwise_xor),
    "__invert__": lambda self: ops.logical_not(self) if self._data.dtype == bool else Tensor._wrap(~self._data),
    "logical_and": ops.logical_and, "logical_or": ops.logical_or, "logical_xor": ops.logical_xor,
    "logical_not": ops.logical_not, "isnan": ops.isnan, "isinf": ops.isinf, "isfinite": ops.isfinite,
    # unary
    "exp": ops.exp, "log": ops.log, "log1p": ops.log1p, "sqrt": ops.sqrt, "rsqrt": ops.rsqrt,
    "sin": ops.sin, "cos": ops.cos, "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu,
    "leaky_relu": ops.leaky_relu, "clamp": ops.clamp, "clip": ops.clamp, "sign": ops.sign,
    "floor": ops.floor, "ceil": ops.ceil, "round": ops.round, "clone": ops.clone,
    "square": lambda self: ops.mul(self, self), "reciprocal": lambda self: ops.div(1.0, self),
    "softmax": ops.softmax, "log_softmax": ops.log_softmax,
    "where": lambda self, condition, other: ops.where(condition, self, other),
    "masked_fill": ops.masked_fill, "masked_select": ops.masked_select,
    # reductions
    "sum": ops.sum, "mean": ops.mean, "max": ops.max, "min": ops.min, "amax": ops.amax, "amin": ops.amin,
    "argmax": ops.argmax, "argmin": ops.argmin, "prod": ops.prod, "var": ops.var, "std": ops.std,
    "logsumexp": ops.logsumexp, "norm": ops.norm, "cumsum": ops.cumsum, "all": ops.all, "any": ops.any,
    # shape
    "reshape": _varargs(ops.reshape), "view": _varargs(ops.view), "flatten": ops.flatten,
    "squeeze": ops.squeeze, "unsqueeze": ops.unsqueeze, "permute": _varargs(ops.permute),
    "transpose": ops.transpose, "swapaxes": lambda self, axis0, axis1: ops.transpose(self, axis0, axis1), "t": ops.t, "expand": _varargs(ops.expand),
    "repeat": _varargs(ops.repeat), "split": ops.split, "chunk": ops.chunk, "narrow": ops.narrow,
    "unbind": ops.unbind, "flip": _shape_flip_method, "contiguous": ops.contiguous, "movedim": ops.movedim,
    "view_as": lambda self, other: ops.view(self, other._data.shape),
    "reshape_as": lambda self, other: ops.reshape(self, other._data.shape),
    "expand_as": lambda self, other: ops.expand(self, other._data.shape),
    # indexing
    "__getitem__": ops.getitem, "gather": ops.gather, "index_select": ops.index_select,
    "scatter": ops.scatter, "scatter_add": ops.scatter_add, "scatter_reduce": ops.scatter_reduce,
    # ordering, rearranging, sampling
    "sort": ops.sort, "argsort": ops.argsort, "topk": ops.topk, "roll": ops.roll,
    "repeat_interleave": ops.repeat_interleave, "cumprod": ops.cumprod, "tril": ops.tril, "triu": ops.triu,
    "multinomial": lambda self, *args, **kwargs: _multinomial(self, *args, **kwargs),
    # devices: only the CPU, no pinned memory
    "pin_memory": tensor_pin_memory, "is_pinned": tensor_is_pinned,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
for _name, _fn in vars(InplaceMethods).items():
    if not _name.startswith("__") or _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__setitem__"):
        setattr(Tensor, _name, _fn)

Tensor.T = property(lambda self: ops.permute(self, tuple(reversed(range(self._data.ndim)))))
Tensor.mT = property(lambda self: ops.transpose(self, -2, -1))
Tensor.__hash__ = object.__hash__  # __eq__ is element-wise, tensors still hash by identity

# ---- trigonometry, diagonals, windows, unique/nonzero, factory methods, in-place shape ops ------------
from . import tensor_new as _tensor_new, tensor_shape_inplace as _shape_inplace  # noqa: E402

_MORE_METHODS = {
    "log2": ops.log2, "log10": ops.log10, "tan": ops.tan, "asin": ops.asin, "acos": ops.acos, "atan": ops.atan,
    "sinh": ops.sinh, "cosh": ops.cosh, "asinh": ops.asinh, "acosh": ops.acosh, "atanh": ops.atanh,
    "atan2": ops.atan2, "arcsin": ops.asin, "arccos": ops.acos, "arctan": ops.atan, "arctan2": ops.atan2,
    "arcsinh": ops.asinh, "arccosh": ops.acosh, "arctanh": ops.atanh,
    "diag": ops.diag, "diagonal": ops.diagonal, "diag_embed": ops.diag_embed, "unfold": ops.unfold,
    "unique": ops.unique, "nonzero": ops.nonzero, "argwhere": ops.argwhere, "ravel": ops.ravel,
    "bfloat16": _cast_to(_dt.bfloat16),
    **_tensor_new.METHODS, **_shape_inplace.METHODS,
}
for _name, _fn in _MORE_METHODS.items():
    setattr(Tensor, _name, _fn)

# ---- the long tail of pointwise and reduction functions, their in-place forms and the integer operators ------
from . import tensor_inplace_more as _inplace_more  # noqa: E402

_TAIL_A_METHODS = {
    "__mod__": ops.remainder, "remainder": ops.remainder, "__rmod__": _swap(ops.remainder), "fmod": ops.fmod,
    "true_divide": ops.div, "floor_divide": ops.floor_divide, "addcmul": ops.addcmul, "addcdiv": ops.addcdiv,
    "lerp": ops.lerp, "hypot": ops.hypot, "logaddexp": ops.logaddexp, "logaddexp2": ops.logaddexp2,
    "expm1": ops.expm1, "exp2": ops.exp2, "trunc": ops.trunc, "fix": ops.trunc, "frac": ops.frac,
    "xlogy": ops.xlogy, "copysign": ops.copysign, "fmax": ops.fmax, "fmin": ops.fmin, "signbit": ops.signbit,
    "heaviside": ops.heaviside, "nan_to_num": ops.nan_to_num, "clamp_min": ops.clamp_min,
    "clamp_max": ops.clamp_max, "absolute": ops.absolute, "positive": ops.positive, "sgn": ops.sgn,
    "float_power": ops.float_power, "logit": ops.logit, "erfinv": ops.erfinv, "erf": ops.erf,
    "square": ops.square, "reciprocal": ops.reciprocal, "isclose": ops.isclose, "allclose": ops.allclose,
    "count_nonzero": ops.count_nonzero, "nansum": ops.nansum, "nanmean": ops.nanmean, "median": ops.median,
    "nanmedian": ops.nanmedian, "mode": ops.mode, "quantile": ops.quantile, "nanquantile": ops.nanquantile,
    "aminmax": ops.aminmax, "cummax": ops.cummax, "cummin": ops.cummin, "logcumsumexp": ops.logcumsumexp,
    "diff": ops.diff, "bitwise_and": ops.bitwise_and, "bitwise_or": ops.bitwise_or, "bitwise_xor": ops.bitwise_xor,
    "bitwise_left_shift": ops.bitwise_left_shift, "bitwise_right_shift": ops.bitwise_right_shift,
    "__lshift__": ops.bitwise_left_shift, "__rshift__": ops.bitwise_right_shift,
    "__rlshift__": _swap(ops.bitwise_left_shift), "__rrshift__": _swap(ops.bitwise_right_shift),
    **_inplace_more.METHODS,
}
for _name, _fn in _TAIL_A_METHODS.items():
    setattr(Tensor, _name, _fn)

# ---- products, linear algebra, more shape/index ops, bins, random fills (helper tail_b) ----------------
from .ops import products as _prod, index_more as _imore, shape_more as _smore, bins as _bins  # noqa: E402
from .ops import linalg as _ola  # noqa: E402
from .tensor_random import RandomFillMethods as _RandomFills  # noqa: E402
from .tensor import _wrap_dim  # noqa: E402
import numpy as np  # noqa: E402
from . import linalg as _la, linalg_old as _la_old  # noqa: E402


def _inplace_of(op):
    """x.op_(*args, **kwargs): op computed out of place and written back into x (tensor_inplace.py's rules)."""
    return lambda self, *args, **kwargs: self._inplace(lambda x, *a: op(x, *a, **kwargs), *args)


def _stride(self, dim=None):
    """torch's strides, in elements (numpy's are in bytes); an expanded dim has stride 0."""
    item = self._data.itemsize
    strides = tuple(s // item for s in self._data.strides)
    return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]


def _storage_offset(self):
    """How many elements into its base array (the storage) this tensor's first element is."""
    root = self._data
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = self._data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return start // self._data.itemsize


_TAIL_METHODS = {
    "stride": _stride, "storage_offset": _storage_offset,
    "outer": _prod.outer, "ger": _prod.outer, "inner": _prod.inner, "cross": _prod.cross, "kron": _prod.kron,
    "trace": _prod.trace, "matrix_power": _prod.matrix_power,
    "addmm": _prod.addmm, "addmv": _prod.addmv, "addr": _prod.addr, "baddbmm": _prod.baddbmm, "addbmm": _prod.addbmm,
    "addmm_": _inplace_of(_prod.addmm), "addmv_": _inplace_of(_prod.addmv), "addr_": _inplace_of(_prod.addr),
    "baddbmm_": _inplace_of(_prod.baddbmm), "addbmm_": _inplace_of(_prod.addbmm),
    "take": _imore.take, "take_along_dim": _imore.take_along_dim,
    "index_add": _imore.index_add, "index_copy": _imore.index_copy, "index_fill": _imore.index_fill,
    "masked_scatter": _imore.masked_scatter, "put": _imore.put,
    "index_add_": _inplace_of(_imore.index_add), "index_copy_": _inplace_of(_imore.index_copy),
    "index_fill_": _inplace_of(_imore.index_fill), "masked_scatter_": _inplace_of(_imore.masked_scatter),
    "put_": _inplace_of(_imore.put), "index_put": _imore.index_put, "index_put_": _inplace_of(_imore.index_put),
    "tile": _varargs(_smore.tile), "broadcast_to": _smore.broadcast_to, "tensor_split": _smore.tensor_split,
    "hsplit": _smore.hsplit, "vsplit": _smore.vsplit, "dsplit": _smore.dsplit, "fliplr": _smore.fliplr,
    "flipud": _smore.flipud, "rot90": _smore.rot90, "unflatten": _smore.unflatten,
    "sum_to_size": _varargs(_smore.sum_to_size),
    "bincount": _bins.bincount, "histc": _bins.histc,
    "det": _la.det, "inverse": _la.inv, "slogdet": _la_old.slogdet, "logdet": _la_old.logdet,
    "pinverse": _la_old.pinverse, "cholesky": _la_old.cholesky, "qr": _la_old.qr, "svd": _la_old.svd,
}
for _name, _fn in _TAIL_METHODS.items():
    setattr(Tensor, _name, _fn)
for _name, _fn in vars(_RandomFills).items():
    if not _name.startswith("__"):
        setattr(Tensor, _name, _fn)
