"""Hand-built checkpoints for the load-safety tests: a raw zip writer whose headers say whatever
they are told (zipfile would correct them), .npy headers for shapes too large to write, and
deflate streams of hundreds of MB of zeros built in milliseconds (a segment of compressed zeros
ending in a full flush is self-contained, so it is compressed once and repeated).

``save_old_format`` writes the checkpoint format tinygrad_edu 0.1's save wrote (zip +
manifest.json + .npy; tinygrad_edu.save now writes torch's format): load must keep reading such
files, so the tests make them with the writer that made them.
"""
import collections
import hashlib
import io
import json
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import tinygrad_edu as _tg
from tinygrad_edu._checkpoint_read import FORMAT_NAME, FORMAT_VERSION, MANIFEST, _child, _shown, \
    engine_dtype_names, is_engine_dtype
from tinygrad_edu.serialization import load

MB = 1 << 20


def npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npy_header(dtype_str, shape, version=(1, 0)):
    """A .npy header alone (no data), for shapes far too large to write."""
    text = repr({"descr": dtype_str, "fortran_order": False, "shape": tuple(shape)}).encode() + b" \n"
    width = 2 if version == (1, 0) else 4
    return b"\x93NUMPY" + bytes(version) + len(text).to_bytes(width, "little") + text


def deflate(prefix, zero_megabytes):
    """A raw deflate stream of ``prefix`` then ``zero_megabytes`` MB of zeros, built in milliseconds."""
    head = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = head.compress(prefix) + head.flush(zlib.Z_FULL_FLUSH)
    segment = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = segment.compress(bytes(MB)) + segment.flush(zlib.Z_FULL_FLUSH)
    return stream + zeros * zero_megabytes + b"\x03\x00"         # an empty final block ends it


def zeros_crc(prefix, zero_megabytes):
    crc = zlib.crc32(prefix)
    block = bytes(MB)
    for _ in range(zero_megabytes):
        crc = zlib.crc32(block, crc)
    return crc


class Member:
    """A zip member as its headers will claim it: raw (possibly compressed) bytes, method, crc, size."""

    def __init__(self, name, data, method=zipfile.ZIP_STORED, crc=None, file_size=None):
        self.name, self.raw, self.method = name.encode(), data, method
        self.crc = zlib.crc32(data) if crc is None else crc
        self.file_size = len(data) if file_size is None else file_size


def raw_zip(members):
    """A zip archive whose headers say exactly what each Member claims (zipfile would correct them)."""
    out, central = io.BytesIO(), []
    for m in members:
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, 0, 33, m.crc, len(m.raw), m.file_size,
                              len(m.name), 0) + m.name + m.raw)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, 0, 33, m.crc, len(m.raw),
                                   m.file_size, len(m.name), 0, 0, 0, 0, 0, offset) + m.name)
    start = out.tell()
    out.write(b"".join(central))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), out.tell() - start, start, 0))
    return out.getvalue()


def manifest_member(entries, root, **extra):
    manifest = {"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": entries, "root": root, **extra}
    return Member("manifest.json", json.dumps(manifest).encode())


def entry(member, payload, dtype=None, shape=None, where="w", kind="tensor"):
    """A manifest entry; dtype and shape only when given (files written before they were listed lack them)."""
    out = {"member": member, "sha256": hashlib.sha256(payload).hexdigest(), "kind": kind, "where": where}
    if dtype is not None:
        out.update(dtype=dtype, shape=list(shape))
    return out


def tensor_root(*names, requires_grad=False):
    items = [[{"type": "str", "value": name}, {"type": "tensor", "array": i, "requires_grad": requires_grad}]
             for i, name in enumerate(names)]
    return {"type": "dict", "items": items}


def traced_peak(function, *args):
    """(function(*args), tracemalloc's peak in bytes while it ran)."""
    tracemalloc.start()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def load_refused(data, match, limit_mb=20):
    """load(data) raises RuntimeError matching ``match``, with a tracemalloc peak under ``limit_mb``."""
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match=match) as info:
            load(io.BytesIO(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert type(info.value) is RuntimeError, type(info.value)
    assert peak < limit_mb * MB, f"peak {peak / MB:.1f} MB"
    return info.value


# ----------------------------------------------------------------------------------- the 0.1 writer
_ZIP64_THRESHOLD = 1 << 30


class _Encoder:
    """Turns an object into JSON nodes, collecting the arrays it holds."""

    def __init__(self):
        self.arrays = []        # (ndarray, where, kind) in member order
        self._stored = {}       # id(tensor or ndarray) -> array index, so shared objects are stored once
        self._open = set()      # ids of containers being encoded: a container inside itself is a cycle

    def _array(self, owner, array, where, kind):
        if array.dtype.hasobject:
            raise TypeError(f"cannot save a numpy array of dtype object at {_shown(where)}: it needs pickle")
        if not is_engine_dtype(array.dtype):
            raise TypeError(f"cannot save a numpy array of dtype {array.dtype} at {_shown(where)}: a checkpoint "
                            f"holds only the dtypes tinygrad_edu has ({engine_dtype_names()})")
        index = self._stored.get(id(owner))
        if index is None:
            index = self._stored[id(owner)] = len(self.arrays)
            self.arrays.append((array, where, kind))
        return index

    def key(self, key, where):
        if key is None or isinstance(key, (bool, int, float, str)):
            return self.node(key, where)
        if isinstance(key, tuple):
            return {"type": "tuple", "items": [self.key(k, where) for k in key]}
        raise TypeError(f"cannot save a dict key of type {type(key).__qualname__} in {_shown(where)}: "
                        "keys must be str, int, float, bool, None or tuples of those")

    def node(self, obj, where):
        if obj is None:
            return {"type": "none"}
        if isinstance(obj, np.generic):          # before float: np.float64 is a float subclass
            return {"type": "npscalar", "array": self._array(obj, np.asarray(obj), where, "numpy scalar")}
        if isinstance(obj, bool):                  # before int: bool is an int subclass
            return {"type": "bool", "value": obj}
        if isinstance(obj, int):
            return {"type": "int", "value": int(obj)}
        if isinstance(obj, float):
            return {"type": "float", "value": float(obj).hex()}   # exact, and nan/inf are valid JSON
        if isinstance(obj, str):
            return {"type": "str", "value": str(obj)}
        if isinstance(obj, _tg.Tensor):
            return {"type": "tensor", "array": self._array(obj, obj._data, where, "tensor"),
                    "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"type": "ndarray", "array": self._array(obj, obj, where, "array")}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self._open:
                raise ValueError(f"cannot save a self-referencing structure: {_shown(where)} contains itself")
            self._open.add(id(obj))
            try:
                return self._container(obj, where)
            finally:
                self._open.discard(id(obj))
        raise TypeError(f"cannot save object of type {type(obj).__module__}.{type(obj).__qualname__} at "
                        f"{_shown(where)}: tinygrad_edu.save accepts Tensors, numpy arrays, numbers, str, "
                        "None and dict/OrderedDict/list/tuple of them (no pickle)")

    def _container(self, obj, where):
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, collections.OrderedDict) else "dict"
            items = [[self.key(k, where), self.node(v, _child(where, k))] for k, v in obj.items()]
            return {"type": kind, "items": items}
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {"type": kind, "items": [self.node(v, _child(where, i)) for i, v in enumerate(obj)]}


class _HashingWriter:
    """A write-only stream that forwards to ``stream`` and hashes what passes through."""

    def __init__(self, stream):
        self.stream, self.sha256 = stream, hashlib.sha256()

    def write(self, data):
        self.sha256.update(data)
        return self.stream.write(data)


def _write_archive(stream, encoder, root):
    entries = []
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, (array, where, kind) in enumerate(encoder.arrays):
            member = f"arrays/{index}.npy"
            if not array.flags.c_contiguous:
                array = array.copy(order="C")     # keeps 0-d arrays 0-d (ascontiguousarray would not)
            with archive.open(member, "w", force_zip64=array.nbytes > _ZIP64_THRESHOLD) as raw:
                writer = _HashingWriter(raw)
                np.lib.format.write_array(writer, array, allow_pickle=False)
            entries.append({"member": member, "sha256": writer.sha256.hexdigest(), "kind": kind, "where": where,
                            "dtype": array.dtype.str, "shape": list(array.shape)})
        manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "arrays": entries, "root": root}
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False))


def save_old_format(obj, f):
    """tinygrad_edu.save as it was in 0.1, to a writable binary file object."""
    encoder = _Encoder()
    root = encoder.node(obj, "")
    _write_archive(f, encoder, root)
