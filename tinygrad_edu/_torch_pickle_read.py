"""Reading torch checkpoints with a restricted unpickler: no code from the file ever runs.

A pickle is a small program: ``GLOBAL module name`` fetches any importable object and ``REDUCE``
calls it, so ``pickle.load`` of a hostile file can run ``os.system``. The unpickler here is the
stdlib's pure-Python one (``pickle._Unpickler``) with four things replaced:

* ``find_class`` resolves only the names of :data:`ALLOWED` (torch's tensor rebuild functions and
  storage types, dtypes, ``torch.device``, ``torch.Size``, ``collections.OrderedDict``, and the few
  builtins torch's ``weights_only=True`` allows) to *our own* stand-ins; any other name raises
  ``pickle.UnpicklingError`` naming it, before anything is called;
* ``REDUCE`` calls only those stand-ins, and ``BUILD`` only sets attributes on an ``OrderedDict``
  (a module state_dict's ``_metadata``);
* the opcodes that create instances of arbitrary classes (``INST``, ``OBJ``, ``NEWOBJ``,
  ``NEWOBJ_EX``, the ``EXT`` registry) and out-of-band buffers are refused;
* ``persistent_load`` turns a ``('storage', type, key, location, numel)`` id into a numpy array
  read from the archive, checked first (see :func:`tinygrad_edu.serialization.load`).

The stand-in of ``_rebuild_tensor_v2`` checks that the tensor's shape, strides and offset stay
inside its storage before it makes a view of it (``RuntimeError`` otherwise), so tensors that were
views of one storage in torch share memory here too. A tensor whose strides overlap (torch's
``expand``) comes back as a copy. ``torch.bfloat16`` data (numpy has no bfloat16) is converted to
float32, which holds every bfloat16 exactly, with a ``UserWarning``; other dtypes tinygrad_edu does
not have (complex, quantized, uint16/32/64) raise ``RuntimeError`` naming them.
"""
import collections
import math
import pickle
import struct
import warnings

import numpy as np

import tinygrad_edu as _tg
from . import dtypes as _dtypes
from .device import device as _device
from .size import Size as _Size

MAX_PICKLE_BYTES = 64 << 20        # a 100 000-tensor state_dict pickles to about 10 MB
_NUMPY_OF_STORAGE = {f"{d.scalar_name}Storage": d.numpy_dtype for d in _dtypes.ALL}
_NUMPY_OF_STORAGE["BFloat16Storage"] = np.dtype(np.uint16)      # read as bits, converted to float32
_NUMPY_OF_STORAGE["UntypedStorage"] = np.dtype(np.uint8)        # bytes, typed by _rebuild_tensor_v3's dtype
_FOREIGN_DTYPES = frozenset(["uint16", "uint32", "uint64", "complex32", "complex64", "complex128", "float8_e4m3fn",
                             "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2",
                             "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits8", "bits16",
                             *(f"int{n}" for n in range(1, 8)), *(f"uint{n}" for n in range(1, 8))])
_TORCH_DTYPES = {d.name: d for d in _dtypes.ALL}


class Refused(pickle.UnpicklingError):
    """A global or an opcode the restricted unpickler does not allow."""


class Corrupt(RuntimeError):
    """The pickle is well-formed but what it describes is not a valid checkpoint."""


class StorageType:
    """What ``torch.FloatStorage`` & co. resolve to: a name and the numpy dtype of its bytes (None: unsupported)."""

    def __init__(self, name):
        self.name, self.numpy_dtype = name, _NUMPY_OF_STORAGE.get(name)

    def __repr__(self):
        return f"torch.{self.name}"


class Storage:
    """A storage's elements as a 1-D array of the engine's dtype (bfloat16 already converted)."""

    def __init__(self, storage_type, array, filled=True, copy_budget=None):
        self.storage_type, self.array = storage_type, array
        # the legacy format's data comes after the pickle: copies of overlapping views wait for it
        self.pending_copies = None if filled else []
        # bytes that copies of overlapping views may still take, shared by a file's storages
        self.copy_budget = [0] if copy_budget is None else copy_budget


def bfloat16_to_float32(bits):
    """bfloat16 is the top half of a float32: shifting its 16 bits up gives the same number exactly."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


class ForeignDtype:
    """A torch dtype tinygrad_edu does not have (uint16, complex64, float8...): an error once a tensor uses it."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


class _TorchMarker:
    """``torch.Tensor`` / ``torch.nn.Parameter`` as ``_rebuild_from_type_v2`` names them (never called)."""

    def __init__(self, name):
        self.name = name


def _ints(value, what):
    if not isinstance(value, tuple) or len(value) > 64 or \
            not all(type(n) is int and n >= 0 for n in value):
        raise Corrupt(f"a tensor's {what} is {value!r}, not a tuple of non-negative ints")
    return value


def _overlaps(shape, strides):
    """True when two elements of the view share memory (strides sorted, each must clear the ones below)."""
    reach = 0
    for stride, size in sorted((s, n) for n, s in zip(shape, strides) if n > 1):
        if stride <= reach:
            return True
        reach += (size - 1) * stride
    return False


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                      metadata=None):
    """torch._utils._rebuild_tensor_v2: a view of ``storage``, checked to lie inside it."""
    if not isinstance(storage, Storage):
        raise Corrupt(f"a tensor is built on {type(storage).__name__}, not on a storage")
    shape, strides = _ints(size, "size"), _ints(stride, "stride")
    if len(shape) != len(strides) or type(storage_offset) is not int or storage_offset < 0 or \
            type(requires_grad) is not bool:
        raise Corrupt(f"a tensor's size {shape}, stride {strides}, offset {storage_offset!r} or requires_grad "
                      f"{requires_grad!r} is malformed")
    array = storage.array
    end = storage_offset + sum((n - 1) * s for n, s in zip(shape, strides)) + 1 if math.prod(shape) else \
        storage_offset
    if end > array.size:
        raise Corrupt(f"a tensor of size {list(shape)} and stride {list(strides)} at offset {storage_offset} runs "
                      f"past its storage of {array.size} elements")
    item = array.dtype.itemsize        # a view whose .base is the storage, so views saved again share it
    view = np.ndarray(shape, array.dtype, buffer=array, offset=storage_offset * item,
                      strides=tuple(s * item for s in strides))
    if requires_grad and view.dtype.kind != "f":
        raise Corrupt(f"a tensor of dtype {view.dtype} is marked requires_grad; only floating tensors can be")
    overlapping = _overlaps(shape, strides)
    if overlapping:                    # an expanded view is small in the file and may be huge as a copy
        if view.nbytes > storage.copy_budget[0]:
            raise Corrupt(f"a tensor of size {list(shape)} with overlapping strides {list(strides)} would take "
                          f"{view.nbytes} bytes as a copy, more than the {storage.copy_budget[0]} this file allows")
        storage.copy_budget[0] -= view.nbytes
    tensor = _tg.Tensor._wrap(view.copy() if overlapping and storage.pending_copies is None else view,
                              requires_grad=requires_grad)
    if overlapping and storage.pending_copies is not None:
        storage.pending_copies.append(tensor)
    return tensor


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    """torch._utils._rebuild_tensor_v3: as v2, on an untyped (byte) storage read as ``dtype``."""
    if isinstance(dtype, ForeignDtype):
        raise RuntimeError(f"this file holds a tensor of dtype {dtype!r}, which tinygrad_edu does not have (it has "
                           f"{', '.join(d.name for d in _dtypes.ALL)}, and reads bfloat16 as float32)")
    if not isinstance(dtype, _dtypes.dtype) or not isinstance(storage, Storage) or storage.array.dtype != np.uint8 \
            or storage.array.size % dtype.itemsize:
        raise Corrupt(f"_rebuild_tensor_v3 of {dtype!r} on a storage of {getattr(storage, 'storage_type', storage)!r}")
    typed = Storage(storage.storage_type, storage.array.view(dtype.numpy_dtype), copy_budget=storage.copy_budget)
    typed.pending_copies = storage.pending_copies
    return rebuild_tensor_v2(typed, storage_offset, size, stride, requires_grad, backward_hooks, metadata)


def rebuild_tensor(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor (files of torch < 1.0 style)."""
    return rebuild_tensor_v2(storage, storage_offset, size, stride)


def rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    """torch._utils._rebuild_parameter(_with_state): a plain Tensor that requires grad (see serialization)."""
    if not isinstance(data, _tg.Tensor) or type(requires_grad) is not bool:
        raise Corrupt(f"a Parameter is built from {type(data).__name__} and requires_grad={requires_grad!r}")
    if requires_grad and data.dtype.is_floating_point is False:
        raise Corrupt(f"a Parameter of dtype {data.dtype} requires grad; only floating ones can")
    return _tg.Tensor._wrap(data._data, requires_grad=requires_grad)


def rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: a tensor with Python attributes; the attributes are dropped."""
    if func not in _REBUILDERS or not isinstance(new_type, _TorchMarker) or not isinstance(args, tuple):
        raise Refused(f"_rebuild_from_type_v2 of {func!r} for {new_type!r} is not allowed")
    tensor = func(*args)
    if state:
        warnings.warn(f"tinygrad_edu.load: a {new_type.name} in this file has Python attributes "
                      f"({', '.join(map(str, state))}); tinygrad_edu's tensors cannot hold them, they are dropped")
    return tensor


def _bytearray(data=b""):
    """builtins.bytearray, as pickle calls it: on bytes only (bytearray(n) would allocate n bytes)."""
    if not isinstance(data, bytes):
        raise Corrupt(f"bytearray of {type(data).__name__}")
    return bytearray(data)


def _size(dims):
    return _Size(_ints(tuple(dims), "torch.Size"))


def _encode(text, encoding="utf-8"):
    """_codecs.encode, as protocol 2 pickles bytes: encode(latin-1 text, 'latin1')."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise Corrupt("bytes in the file are not in pickle's latin1 form")
    return text.encode("latin1")


def _dtype(name):
    if name == "bfloat16":
        return _dtypes.float32          # its tensors are converted to float32 (with a warning)
    if name in _TORCH_DTYPES:
        return _TORCH_DTYPES[name]
    return None


_REBUILDERS = {rebuild_tensor_v2, rebuild_tensor_v3, rebuild_tensor, rebuild_parameter}
_CALLABLES = _REBUILDERS | {rebuild_from_type_v2, _size, _encode, _device, collections.OrderedDict,
                            collections.Counter, set, _bytearray, complex}
ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): rebuild_tensor_v3,
    ("torch._utils", "_rebuild_tensor"): rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): rebuild_from_type_v2,
    ("torch", "Tensor"): _TorchMarker("Tensor"),
    ("torch.nn.parameter", "Parameter"): _TorchMarker("Parameter"),
    ("torch", "Size"): _size,
    ("torch", "device"): _device,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("_codecs", "encode"): _encode,
    ("builtins", "set"): set,
    ("builtins", "bytearray"): _bytearray,
    ("builtins", "complex"): complex,
}
# protocol 2 pickles written by Python 3 name the builtins as Python 2 did
ALLOWED.update({("__builtin__", name): ALLOWED[("builtins", name)] for name in ("set", "bytearray", "complex")})


def _refuse_opcode(name):
    def refuse(self):
        raise Refused(f"opcode {name} (it creates an instance of an arbitrary class) is not allowed: "
                      "tinygrad_edu.load never runs code from a file")
    return refuse


class RestrictedUnpickler(pickle._Unpickler):
    """pickle's pure-Python unpickler, resolving only :data:`ALLOWED` (see the module docstring).

    ``load_storage(storage_type, key, location, numel)`` gives a persistent id's array; with
    ``filled=False`` its data is read after the pickle (legacy format), see ``Storage``.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, stream, load_storage, filled=True, copy_budget=0):
        super().__init__(stream)
        self._load_storage, self._storages, self._filled = load_storage, {}, filled
        self._copy_budget = [copy_budget]

    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "torch" and name.endswith("Storage") and name.isidentifier():
            return StorageType(name)
        if module == "torch" and _dtype(name) is not None:
            return _dtype(name)
        if module == "torch" and name in _FOREIGN_DTYPES:
            return ForeignDtype(name)
        if (module, name) == ("torch.storage", "UntypedStorage"):
            return StorageType(name)
        raise Refused(f"the file asks for the global {module}.{name}, which tinygrad_edu.load does not allow "
                      "(it resolves only tensors, storages, dtypes, devices, Size, OrderedDict and plain "
                      "containers; no code from a file is run)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise Corrupt(f"unknown persistent id {str(pid)[:80]}")
        storage_type, key, location, numel = pid[1:5]
        if not isinstance(storage_type, StorageType) or not isinstance(key, str) or \
                not isinstance(location, str) or type(numel) is not int or numel < 0:
            raise Corrupt(f"malformed storage id {str(pid)[:120]}")
        if len(pid) == 6 and pid[5] is not None:
            raise Corrupt("storage views of files written by torch < 0.4 are not supported")
        if storage_type.numpy_dtype is None:
            raise RuntimeError(f"this file holds a tensor of {storage_type!r}, a dtype tinygrad_edu does not have "
                               f"(it has {', '.join(d.name for d in _dtypes.ALL)}, and reads bfloat16 as float32)")
        known = self._storages.get(key)
        if known is None:
            array = self._load_storage(storage_type, key, location, numel)
            known = self._storages[key] = Storage(storage_type, array, self._filled, self._copy_budget)
        elif known.storage_type.name != storage_type.name or known.array.size != numel:
            raise Corrupt(f"storage {key!r} is declared twice, as {known.storage_type!r} of {known.array.size} "
                          f"elements and as {storage_type!r} of {numel}")
        return known

    def load_reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if not any(func is allowed for allowed in _CALLABLES) or not isinstance(args, tuple):
            raise Refused(f"REDUCE of {type(func).__name__} {str(func)[:60]} is not allowed")
        self.stack[-1] = func(*args)

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if not isinstance(inst, collections.OrderedDict) or not isinstance(state, dict) or \
                not all(isinstance(k, str) for k in state):
            raise Refused(f"BUILD on {type(inst).__name__} is not allowed (only an OrderedDict's attributes, "
                          "such as a state_dict's _metadata)")
        vars(inst).update(state)

    def load_global(self):
        module, name = self.readline(), self.readline()
        if not (module.endswith(b"\n") and name.endswith(b"\n")):
            raise Corrupt("the pickle ends inside a GLOBAL opcode (the file is truncated)")
        self.append(self.find_class(module[:-1].decode("utf-8"), name[:-1].decode("utf-8")))

    dispatch[pickle.GLOBAL[0]] = load_global
    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.BUILD[0]] = load_build
    for _name in ("INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "EXT1", "EXT2", "EXT4", "NEXT_BUFFER", "READONLY_BUFFER"):
        dispatch[getattr(pickle, _name)[0]] = _refuse_opcode(_name)
    del _name


def restore_location(location, map_location, array):
    """Where torch.load would put a storage tagged ``location``; only the CPU exists here."""
    target = location
    if isinstance(map_location, (str, _device)):
        target = str(map_location)
    elif isinstance(map_location, dict):
        target = str(map_location.get(location, location))
    elif callable(map_location):
        result = map_location(array, location)        # torch passes (storage, location)
        if isinstance(result, (str, _device)):
            target = str(result)
        elif result is not None:
            target = "cpu"                             # it returned the storage: kept where it is read
    elif map_location is not None:
        raise TypeError(f"map_location should be a str, a device, a dict or a callable, not "
                        f"{type(map_location).__name__}")
    kind = target.split(":")[0]
    if kind == "cpu":
        return
    if kind == "cuda":
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage (tagged with "
                       f"{target})")


def unpickle(stream, load_storage, filled=True, copy_budget=0):
    """Run the restricted unpickler; damage becomes Corrupt (a RuntimeError), refusals stay Refused.
    With ``filled=False``, returns (object, {key: Storage}) for the legacy reader to fill."""
    try:
        unpickler = RestrictedUnpickler(stream, load_storage, filled, copy_budget)
        result = unpickler.load()
        return result if filled else (result, unpickler._storages)
    except (Refused, RuntimeError):           # our refusals, and the storage readers' RuntimeErrors
        raise
    except pickle.UnpicklingError as error:
        raise Corrupt(f"its pickle cannot be read ({error})") from None
    except (EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
            UnicodeDecodeError, MemoryError, RecursionError, struct.error) as error:
        raise Corrupt(f"its pickle cannot be read ({type(error).__name__}: {error})") from None


def warn_bfloat16(count):
    if count:
        warnings.warn(f"tinygrad_edu.load: {count} bfloat16 storage(s) converted to float32 (exactly: every "
                      "bfloat16 is a float32); tinygrad_edu has no bfloat16 dtype", UserWarning, stacklevel=4)
