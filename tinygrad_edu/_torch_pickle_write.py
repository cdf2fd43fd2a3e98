"""Writing torch's checkpoint format (what ``torch.save`` writes), without torch.

A torch checkpoint is a zip archive (every member stored, not compressed) under one top folder,
``archive/`` (or the file name's stem, as torch names it):

* ``data.pkl``: a pickle (protocol 2) of the saved object, in which every tensor is the call
  ``torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  OrderedDict())`` and every storage a *persistent id* ``('storage', torch.FloatStorage, key,
  'cpu', numel)`` that names a member;
* ``data/<key>``: a storage's raw bytes, aligned to 64 bytes in the file (torch can then map it);
* ``version`` (``3``), ``byteorder`` (``little``), ``.format_version`` (``1``),
  ``.storage_alignment`` (``64``) and ``.data/serialization_id``, as torch 2.13 writes them.

The pickle is written here opcode by opcode (:class:`TorchPickler`), not with the stdlib
``pickle.Pickler``: that one writes a function as a ``GLOBAL`` only after importing its module to
check the name, and the names we must write (``torch._utils._rebuild_tensor_v2``,
``torch.FloatStorage``) live in torch, which this package never imports. The objects a checkpoint
holds are few (None, bool, int, float, complex, str, bytes, tuple, list, dict, OrderedDict, set,
Tensor, dtype, device, Size), so each gets a few lines below, with the opcodes pickle itself would
emit. An object met twice is written once and referenced (``BINGET``), as pickle does, so a tensor
shared by two entries comes back as one tensor.

Storages are shared as torch shares them: tensors whose arrays are views of one numpy array (a
weight and its transpose, two tied weights) point into one storage with their own offset and
strides. A view whose base array nothing else saved uses is written as its own values only (so a
slice of a big buffer does not drag the buffer into the file).
"""
import collections
import secrets
import struct
import sys
import zipfile

import numpy as np

import tinygrad_edu as _tg
from . import dtypes as _dtypes
from .device import device as _device
from .size import Size as _Size
from ._checkpoint_read import _child, _shown  # readable paths of nested elements, as the reader names them

ALIGNMENT = 64
_STORAGE_NAME = {d.numpy_dtype: f"{d.scalar_name}Storage" for d in _dtypes.ALL}
_DTYPE_NAME = {d: d.name for d in _dtypes.ALL}
_MARK, _TUPLE, _REDUCE, _BUILD, _BINPERSID = b"(", b"t", b"R", b"b", b"Q"
_TUPLE_N = {0: b")", 1: b"\x85", 2: b"\x86", 3: b"\x87"}


def _parameter_class():
    """nn.Parameter if nn is loaded (a Parameter cannot exist otherwise); the engine never imports nn."""
    module = sys.modules.get("tinygrad_edu.nn.parameter")
    return getattr(module, "Parameter", None)


def _root(array):
    """The ndarray at the bottom of ``array``'s chain of views."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _view_in(array, root):
    """(offset, strides) in elements of ``array`` inside the C-contiguous ``root``, or None."""
    item = array.dtype.itemsize
    if root.dtype != array.dtype or not root.flags.c_contiguous or any(s < 0 or s % item for s in array.strides):
        return None
    start = array.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if start < 0 or start % item:
        return None
    offset, strides = start // item, tuple(s // item for s in array.strides)
    if array.size and offset + sum((n - 1) * s for n, s in zip(array.shape, strides)) >= root.size:
        return None
    return offset, strides


class TorchPickler:
    """Writes ``obj`` as the protocol 2 pickle torch.save writes, collecting the storages it needs."""

    def __init__(self, shared_roots):
        self.out = bytearray(b"\x80\x02")     # PROTO 2
        self.storages = []                     # (key, C-contiguous array) in key order
        self._shared_roots = shared_roots      # ids of base arrays two or more saved tensors view
        self._storage_keys = {}                # id(array) -> key
        self._memo = {}                        # id(object) -> (memo index, object); globals by name
        self._keep, self._open = [], set()

    def dump(self, obj):
        self.save(obj, "")
        self.out += b"."                      # STOP
        return bytes(self.out)

    # ---- memo -------------------------------------------------------------------------------
    def _put(self, obj, key=None):
        index = len(self._memo)
        self._memo[id(obj) if key is None else key] = (index, obj)     # holding obj keeps its id valid
        self.out += b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index)

    def _get(self, index):
        self.out += b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index)

    def _global(self, module, name):
        key = ("global", module, name)
        if key in self._memo:
            return self._get(self._memo[key][0])
        self.out += b"c" + f"{module}\n{name}\n".encode()
        return self._put(None, key)

    def _tuple(self, items, where):
        if len(items) <= 3:
            for item in items:
                self.save(item, where)
            self.out += _TUPLE_N[len(items)]
            return
        self.out += _MARK
        for item in items:
            self.save(item, where)
        self.out += _TUPLE

    def _call(self, module, name, args, where):
        self._global(module, name)
        self._tuple(args, where)
        self.out += _REDUCE

    # ---- objects ------------------------------------------------------------------------------
    def save(self, obj, where):
        if id(obj) in self._open:
            raise ValueError(f"cannot save a self-referencing structure: {_shown(where)} contains itself")
        if id(obj) in self._memo:
            return self._get(self._memo[id(obj)][0])
        if obj is None:
            self.out += b"N"
        elif isinstance(obj, (np.ndarray, np.generic)):
            raise TypeError(f"cannot save a numpy {type(obj).__name__} at {_shown(where)}: torch.load(weights_only="
                            "True) refuses numpy objects; save tinygrad_edu.from_numpy(a) for an array and .item() "
                            "for a numpy scalar")
        elif isinstance(obj, bool):
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, int):
            self._int(int(obj))
        elif isinstance(obj, float):
            self.out += b"G" + struct.pack(">d", obj)
        elif isinstance(obj, str):
            data = str(obj).encode("utf-8", "surrogatepass")
            self.out += b"X" + struct.pack("<I", len(data)) + data
        else:
            self._save_other(obj, where)

    def _int(self, value):
        if 0 <= value < 256:
            self.out += b"K" + bytes([value])
        elif 0 <= value < 65536:
            self.out += b"M" + struct.pack("<H", value)
        elif -2 ** 31 <= value < 2 ** 31:
            self.out += b"J" + struct.pack("<i", value)
        else:
            data = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
            self.out += (b"\x8a" + bytes([len(data)]) if len(data) < 256 else b"\x8b" + struct.pack("<i", len(data)))
            self.out += data

    def _save_other(self, obj, where):
        if isinstance(obj, _tg.Tensor):
            self._tensor(obj, where)
        elif isinstance(obj, _dtypes.dtype):
            self._global("torch", _DTYPE_NAME[obj])
        elif isinstance(obj, _device):
            self._call("torch", "device", (str(obj),), where)
        elif isinstance(obj, _Size):
            self._call("torch", "Size", (tuple(obj),), where)
        elif isinstance(obj, complex):
            self._call("builtins", "complex", (obj.real, obj.imag), where)
        elif isinstance(obj, bytes):
            self._call("_codecs", "encode", (obj.decode("latin1"), "latin1"), where)
        elif isinstance(obj, (dict, list, tuple, set)):
            self._open.add(id(obj))
            try:
                self._container(obj, where)
            finally:
                self._open.discard(id(obj))
        else:
            raise TypeError(f"cannot save object of type {type(obj).__module__}.{type(obj).__qualname__} at "
                            f"{_shown(where)}: tinygrad_edu.save accepts Tensors, numbers, str, bytes, None, dtypes, "
                            "devices, Size and dict/OrderedDict/list/tuple/set of them (what torch.load(weights_only"
                            "=True) reads)")

    def _container(self, obj, where):
        if isinstance(obj, tuple):
            self._tuple(list(obj), where)      # a tuple's items are written before the tuple is memoized
            return self._put(obj)
        if isinstance(obj, set):
            self._global("builtins", "set")     # builtins.set([items]), as pickle writes a set
            self.out += b"]"
            self._items([(None, v) for v in obj], where, b"e")
            self.out += b"\x85" + _REDUCE
            return self._put(obj)
        if isinstance(obj, list):
            self.out += b"]"
            self._put(obj)
            return self._items([(i, v) for i, v in enumerate(obj)], where, b"e")
        ordered = isinstance(obj, collections.OrderedDict)
        if ordered:
            self._global("collections", "OrderedDict")
            self.out += b")" + _REDUCE
        else:
            self.out += b"}"
        self._put(obj)
        self._items(list(obj.items()), where, b"u", keyed=True)
        state = getattr(obj, "__dict__", None) if ordered else None
        if state:                               # e.g. a module state_dict's _metadata, as torch writes it
            self.save(dict(state), _child(where, "__dict__"))
            self.out += _BUILD
        return None

    def _items(self, items, where, opcode, keyed=False):
        if not items:
            return
        self.out += _MARK
        for key, value in items:
            if keyed:
                self.save(key, where)
            self.save(value, _child(where, key) if key is not None else where)
        self.out += opcode                      # APPENDS or SETITEMS

    # ---- tensors ------------------------------------------------------------------------------
    def _storage(self, array):
        """(key, offset, strides) of a tensor's data: shared with other tensors on one base, or its own."""
        root = _root(array)
        view = _view_in(array, root) if id(root) in self._shared_roots else None
        if view is None:
            root = array if array.flags.c_contiguous and array.dtype.isnative else None
            if root is None:
                root = np.array(array, dtype=array.dtype.newbyteorder("="), order="C")   # a copy (0-d stays 0-d)
            view = (0, _contiguous_strides(array.shape))
        key = self._storage_keys.get(id(root))
        if key is None:
            key = self._storage_keys[id(root)] = str(len(self.storages))
            self._keep.append(root)
            self.storages.append((key, root))
        return key, view[0], view[1], root.size

    def _tensor(self, tensor, where):
        array = tensor._data
        if array.dtype.newbyteorder("=") not in _STORAGE_NAME:
            raise TypeError(f"cannot save a tensor of numpy dtype {array.dtype} at {_shown(where)}")
        parameter = _parameter_class()
        is_parameter = parameter is not None and isinstance(tensor, parameter)
        if is_parameter:
            self._global("torch._utils", "_rebuild_parameter")
        self._global("torch._utils", "_rebuild_tensor_v2")
        key, offset, strides, numel = self._storage(array)
        self.out += _MARK + _MARK
        self.save("storage", where)
        self._global("torch", _STORAGE_NAME[array.dtype.newbyteorder("=")])
        for item in (key, "cpu", numel):
            self.save(item, where)
        self.out += _TUPLE + _BINPERSID
        for item in (offset, tuple(array.shape), strides, bool(tensor.requires_grad) and not is_parameter):
            self.save(item, where)
        self._call("collections", "OrderedDict", (), where)     # backward hooks: none
        self.out += _TUPLE + _REDUCE
        if is_parameter:
            self.save(bool(tensor.requires_grad), where)
            self._call("collections", "OrderedDict", (), where)
            self.out += b"\x87" + _REDUCE
        self._put(tensor)


def shared_roots(obj):
    """Ids of the base arrays that two or more distinct arrays of saved tensors view (an iterative walk)."""
    users, seen, todo = collections.defaultdict(set), set(), [obj]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, _tg.Tensor):
            users[id(_root(item._data))].add(id(item._data))
        elif isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
            if isinstance(item, collections.OrderedDict):
                todo.extend(getattr(item, "__dict__", {}).values())
        elif isinstance(item, (list, tuple, set)):
            todo.extend(item)
    return {root for root, arrays in users.items() if len(arrays) > 1}


def _write_member(archive, name, data, align):
    """One stored member; ``align`` pads its local header (an extra field, as torch does) so the data
    starts at a multiple of ALIGNMENT bytes."""
    view = memoryview(data).cast("B")
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type, info.file_size = zipfile.ZIP_STORED, view.nbytes
    zip64 = view.nbytes * 1.05 > zipfile.ZIP64_LIMIT       # zipfile's own rule for a declared size
    if align:
        start = archive.fp.tell() + 30 + len(name.encode()) + (20 if zip64 else 0) + 4
        padding = -start % ALIGNMENT
        info.extra = struct.pack("<HH", 0x4246, padding) + b"Z" * padding     # id "FB", as torch writes
    with archive.open(info, "w", force_zip64=zip64) as member:
        member.write(view)


def write_archive(stream, pickled, storages, folder, byteorder_record=True):
    """The zip archive torch.save writes, members in torch's order."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        _write_member(archive, f"{folder}/data.pkl", pickled, False)
        _write_member(archive, f"{folder}/.format_version", b"1", False)
        _write_member(archive, f"{folder}/.storage_alignment", str(ALIGNMENT).encode(), False)
        if byteorder_record:
            _write_member(archive, f"{folder}/byteorder", sys.byteorder.encode(), False)
        for key, array in storages:
            _write_member(archive, f"{folder}/data/{key}", array.reshape(-1).view(np.uint8), True)
        _write_member(archive, f"{folder}/version", b"3\n", False)
        _write_member(archive, f"{folder}/.data/serialization_id", f"{secrets.randbits(128):040d}".encode(), False)
