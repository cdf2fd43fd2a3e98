"""Hand-built checkpoints for the load-safety tests: a raw zip writer whose headers say whatever
they are told (zipfile would correct them), .npy headers for shapes too large to write, and
deflate streams of hundreds of MB of zeros built in milliseconds (a segment of compressed zeros
ending in a full flush is self-contained, so it is compressed once and repeated).
"""
import hashlib
import io
import json
import struct
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

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
