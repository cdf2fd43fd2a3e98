"""The legacy typed constructors (torch.FloatTensor, LongTensor, ...) and Tensor.type(), as torch has them.

Older tutorials write `torch.FloatTensor([1, 2])`, `torch.LongTensor(3, 4)`, `x.type(torch.DoubleTensor)`
and `x.type() == 'torch.FloatTensor'`. In torch these "tensor types" are not subclasses of Tensor:
`type(torch.FloatTensor([1]))` is `torch.Tensor`, and `isinstance(x, torch.FloatTensor)` asks the
tensor's dtype (and device), through the types' metaclass. The same here:

    FloatTensor(data)       data converted to float32, as tensor(data, dtype=float32) converts it
                            (LongTensor([1.5]) is tensor([1]), ByteTensor([300]) raises);
    FloatTensor(2, 3)       a new (2, 3) tensor. torch leaves it uninitialised; here it is zeros
                            (np.zeros costs what np.empty does, and garbage helps no learner);
    FloatTensor(tensor)     the same tensor's data (an alias) if it has the type's dtype, else TypeError;
    FloatTensor()           an empty 1-d tensor.

Only `device=` (the CPU) is accepted as a keyword, as in torch. x.type() returns torch's own string
('torch.FloatTensor'), so scripts comparing it with that string behave as they do in torch.
"""
import numbers

import numpy as np

from . import dtypes as _dt
from . import ops
from ._creation_args import creation_size, typename
from .autograd.names import named
from .creation import tensor as _tensor
from .device import device as _device
from .size import Size
from .tensor import Tensor

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
               "bool": "BoolTensor", "bfloat16": "BFloat16Tensor", "uint16": "UInt16Tensor", "uint32": "UInt32Tensor",
               "uint64": "UInt64Tensor"}


def _check_legacy_device(device):
    if device is not None:
        dev = device if isinstance(device, _device) else _device(device)
        if dev.type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {dev.type} was passed")


def _is_size(args):
    """`FloatTensor(2, 3)` and `FloatTensor(torch.Size([2, 3]))` give sizes; a list or tuple is data."""
    if len(args) == 1 and isinstance(args[0], Size):
        return True
    return bool(args) and all(isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, (bool, np.bool_))
                              for a in args)


def _from_tensor(cls, src, device):
    if device is not None:
        raise RuntimeError("Legacy tensor constructor of the form torch.Tensor(tensor, device=device) is not "
                           "supported.  Use torch.tensor(...) or torch.as_tensor(...) instead.")
    if src._data.dtype != cls.dtype.numpy_dtype:
        raise TypeError(f"{cls.__name__}(tensor): expected a tensor of dtype {cls.dtype}, got one of dtype "
                        f"{src.dtype} (convert it with .to({cls.dtype}) or .type(torch.{cls.__name__}))")
    return named(ops.view(src, src._data.shape), "AliasBackward0", src)   # the same data: torch's alias


def _construct(cls, args, size, device):
    _check_legacy_device(device)
    if size is not None:
        if args:
            raise TypeError(f"{cls.__name__}() got multiple values for argument 'size'")
        args = (Size(size),) if isinstance(size, (tuple, list)) else (size,)
        if not _is_size(args):
            raise TypeError(f"{cls.__name__}(): argument 'size' must be tuple of ints, not {typename(size)}")
    if not args:
        return Tensor._wrap(np.zeros(0, cls.dtype.numpy_dtype))
    if _is_size(args):
        return Tensor._wrap(np.zeros(creation_size(cls.__name__, args), cls.dtype.numpy_dtype))
    if len(args) > 1:
        got = ", ".join(typename(a) for a in args)
        if isinstance(args[0], (numbers.Integral, np.integer)) and not isinstance(args[0], bool):
            bad = next(a for a in args if not isinstance(a, (numbers.Integral, np.integer)) or isinstance(a, bool))
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {args.index(bad) + 1} with "
                            f"error \"type must be tuple of ints,but got {typename(bad)}\"")
        raise TypeError(f"{cls.__name__}() received an invalid combination of arguments - got ({got}): it takes "
                        "sizes (ints), or one sequence, array or tensor of data")
    data = args[0]
    if isinstance(data, Tensor):
        return _from_tensor(cls, data, device)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if not isinstance(data, (list, tuple, range, np.ndarray)) and not hasattr(data, "__len__"):
        raise TypeError(f"new(): data must be a sequence (got {typename(data)})")
    return _tensor(data, dtype=cls.dtype)


class tensortype(type):
    """The metaclass of the legacy tensor types (torch.tensortype): calling one builds a Tensor, and
    `isinstance(x, torch.FloatTensor)` is true for every float32 tensor (they all live on the CPU)."""

    def __call__(cls, *args, size=None, device=None):
        return _construct(cls, args, size, device)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.numpy_dtype

    def __subclasscheck__(cls, sub):
        return sub is cls

    def __repr__(cls):
        return f"<class 'tinygrad_edu.{cls.__name__}'>"


def _legacy_type(name, dtype):
    doc = f"torch.{name}: the legacy constructor of {dtype} tensors (see tinygrad_edu/legacy.py)."
    return tensortype(name, (), {"dtype": dtype, "is_cuda": False, "is_sparse": False, "__doc__": doc,
                                 "__module__": "tinygrad_edu"})


FloatTensor = _legacy_type("FloatTensor", _dt.float32)
DoubleTensor = _legacy_type("DoubleTensor", _dt.float64)
HalfTensor = _legacy_type("HalfTensor", _dt.float16)
LongTensor = _legacy_type("LongTensor", _dt.int64)
IntTensor = _legacy_type("IntTensor", _dt.int32)
ShortTensor = _legacy_type("ShortTensor", _dt.int16)
CharTensor = _legacy_type("CharTensor", _dt.int8)
ByteTensor = _legacy_type("ByteTensor", _dt.uint8)
BoolTensor = _legacy_type("BoolTensor", _dt.bool_)
_BY_STRING = {f"torch.{cls.__name__}": cls for cls in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor,
                                                        ShortTensor, CharTensor, ByteTensor, BoolTensor)}


def _no_cuda(what):
    raise RuntimeError(f"Cannot initialize CUDA without ATen_cuda library ({what}): tinygrad_edu runs on the CPU only")


def _target_dtype(dtype):
    """The dtype that x.type(dtype) converts to: a dtype, a legacy type, or its name 'torch.FloatTensor'."""
    if isinstance(dtype, str):
        if dtype.startswith("torch.cuda."):
            _no_cuda(dtype)
        if dtype not in _BY_STRING:
            raise ValueError(f"invalid type: '{dtype}'")
        return _BY_STRING[dtype].dtype
    if isinstance(dtype, tensortype):
        return dtype.dtype
    if isinstance(dtype, type) and getattr(dtype, "is_cuda", False):   # torch.cuda.FloatTensor
        _no_cuda(f"torch.cuda.{dtype.__name__}")
    if isinstance(dtype, _dt.dtype):
        return dtype
    raise TypeError(f"dtype must be a type, str, or dtype object (got {typename(dtype)})")


def tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type: with no argument torch's type name ('torch.FloatTensor'); with a dtype, a legacy
    type or its name, the tensor converted to it (itself if it already has that dtype)."""
    if kwargs:
        raise TypeError(f"type() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if dtype is None:
        name = _TYPE_NAMES.get(self._data.dtype.name)
        return "torch." + name if name else f"torch.{self.dtype.name.capitalize()}Tensor"
    target = _target_dtype(dtype).numpy_dtype
    return self if target == self._data.dtype else ops.cast(self, target)
