"""Reading the two files ``torch.save`` writes: the zip archive (torch >= 1.6, the default) and the
legacy stream (``_use_new_zipfile_serialization=False``). The pickles go through the restricted
unpickler of ``_torch_pickle_read``; here are the sizes and checksums.

Zip archive: before anything is unpickled, every member must be stored or deflated and unencrypted
(``_checkpoint_read.check_zip_member``), ``data.pkl`` at most ``MAX_PICKLE_BYTES``, and all members
together may declare at most ``max(64 MiB, 100 x the file's size)`` bytes. Then a storage the
pickle names must have a member of exactly ``numel x itemsize`` bytes, which is read in bounded
chunks into an array of that size, zip's CRC-32 checked at its end.

Legacy stream: four small pickles (a magic number, the protocol 1001, the writer's byte order, the
object), the list of storage keys, then each storage as an 8-byte element count and its bytes. It
has no checksum. Every storage's bytes must fit in what is left of the file before its array is
allocated, and each count must repeat the one the pickle declared.
"""
import io
import os
import zipfile
import zlib

import numpy as np

from ._checkpoint_read import CHUNK, INFLATION_LIMIT, SMALL_CHECKPOINT_BYTES, check_zip_member, fill
from ._torch_pickle_read import MAX_PICKLE_BYTES, Corrupt, bfloat16_to_float32, restore_location, unpickle

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
_READ_ERRORS = (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError)


def pickle_member(names):
    """The ``<folder>/data.pkl`` of a torch archive (None if there is none)."""
    found = [n for n in names if n == "data.pkl" or (n.endswith("/data.pkl") and n.count("/") == 1)]
    return found[0] if len(found) == 1 else None


def budget(archive_bytes):
    """Bytes a file may make us allocate: what its members declare, or copies of its expanded tensors."""
    return max(SMALL_CHECKPOINT_BYTES, INFLATION_LIMIT * archive_bytes)


def _check_members(archive, archive_bytes, source):
    total = 0
    for info in archive.infolist():
        check_zip_member(info, repr(info.filename), source)
        total += info.file_size
    if total > budget(archive_bytes):
        raise RuntimeError(f"{source}: refusing a possible zip bomb: its members declare {total} bytes of data in a "
                           f"file of {archive_bytes} bytes (at most {budget(archive_bytes)} are accepted: "
                           f"{INFLATION_LIMIT} times the file's size, or 64 MiB); torch.save does not compress")


def _read_member(archive, info, flat, what, source):
    """``info``'s bytes into ``flat`` (sized by the caller), zip's CRC-32 checked."""
    try:
        with archive.open(info) as member:
            fill(member, flat, info.file_size, None, what, source)
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):
            raise RuntimeError(f"{source}: checksum mismatch for {what}: {error}") from None
        raise RuntimeError(f"{source}: file is truncated or damaged: {what} cannot be read ({error})") from None
    except _READ_ERRORS as error:
        raise RuntimeError(f"{source}: file is truncated or damaged: {what} cannot be read "
                           f"({type(error).__name__}: {error})") from None
    return flat


def _small_text(archive, name, source, default):
    try:
        info = archive.getinfo(name)
    except KeyError:
        return default
    if info.file_size > 64:
        raise RuntimeError(f"{source}: corrupt torch checkpoint: {name} declares {info.file_size} bytes")
    return _read_member(archive, info, np.empty(info.file_size, np.uint8), name, source).tobytes().decode("ascii",
                                                                                                         "replace")


def _mapped(path, archive, info, dtype, numel):
    """A copy-on-write memory map of a stored member's data (torch's mmap=True), or None."""
    if info.compress_type != zipfile.ZIP_STORED or numel == 0:
        return None
    with open(path, "rb") as raw:
        raw.seek(info.header_offset)
        header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise RuntimeError(f"{path!r}: file is truncated or damaged: bad local header for {info.filename}")
    start = info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    return np.memmap(path, dtype=dtype, mode="c", offset=start, shape=(numel,))


def load_zip(archive, archive_bytes, map_location, source, mmap_path=None):
    """(object, number of bfloat16 storages converted) of a torch zip archive."""
    pkl = archive.getinfo(pickle_member(archive.namelist()))
    folder = pkl.filename[:-len("data.pkl")]
    if pkl.file_size > MAX_PICKLE_BYTES:
        raise RuntimeError(f"{source}: corrupt torch checkpoint: {pkl.filename} declares {pkl.file_size} bytes "
                           f"(at most {MAX_PICKLE_BYTES} are accepted)")
    _check_members(archive, archive_bytes, source)
    order = _small_text(archive, folder + "byteorder", source, "little")
    if order not in ("little", "big"):
        raise RuntimeError(f"{source}: corrupt torch checkpoint: byteorder is {order!r}")
    pickled = _read_member(archive, pkl, np.empty(pkl.file_size, np.uint8), pkl.filename, source).tobytes()
    converted = []

    def load_storage(storage_type, key, location, numel):
        name = f"{folder}data/{key}"
        what = f"storage {key!r} ({name})"
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise RuntimeError(f"{source}: file is truncated or damaged: the data of {what} is missing") from None
        dtype = storage_type.numpy_dtype.newbyteorder("<" if order == "little" else ">")
        if info.file_size != numel * dtype.itemsize:
            raise Corrupt(f"{what} is declared as {numel} elements of {storage_type!r} ({numel * dtype.itemsize} "
                          f"bytes), but its zip member holds {info.file_size} bytes")
        array = _mapped(mmap_path, archive, info, dtype, numel) if mmap_path else None
        if array is None:
            array = _read_member(archive, info, np.empty(numel, dtype), what, source)
        return _finish(array, storage_type, location, map_location, converted, key)

    return unpickle(io.BytesIO(pickled), load_storage, copy_budget=budget(archive_bytes)), len(converted)


def _finish(array, storage_type, location, map_location, converted, key):
    """A storage's array in the machine's byte order, bfloat16 as float32, on the CPU."""
    restore_location(location, map_location, array)
    if not array.dtype.isnative:
        array = array.byteswap().view(array.dtype.newbyteorder("="))
    if storage_type.name == "BFloat16Storage":
        converted.append(key)
        array = bfloat16_to_float32(array)
    return array


def _no_storage(*args):
    raise Corrupt("a storage appears in a header pickle of the legacy format")


def load_legacy(stream, size, map_location, source):
    """(object, number of bfloat16 storages converted) of a legacy torch.save stream."""
    end = stream.tell() + size
    if unpickle(stream, _no_storage) != LEGACY_MAGIC:
        raise RuntimeError(f"{source}: Invalid magic number; corrupt file?")
    protocol = unpickle(stream, _no_storage)
    if protocol != LEGACY_PROTOCOL:
        raise RuntimeError(f"{source}: Invalid protocol version: {protocol}")
    info = unpickle(stream, _no_storage)
    if not isinstance(info, dict) or type(info.get("little_endian", True)) is not bool:
        raise Corrupt("the legacy header's system information is malformed")
    order = "<" if info.get("little_endian", True) else ">"
    storages, claimed = {}, [0]

    def load_storage(storage_type, key, location, numel):
        raw = storage_type.numpy_dtype.newbyteorder(order)
        claimed[0] += 8 + numel * raw.itemsize
        if claimed[0] > end - stream.tell():
            raise Corrupt(f"its storages declare {claimed[0]} bytes, but only {end - stream.tell()} bytes follow")
        final = np.empty(numel, np.float32 if storage_type.name == "BFloat16Storage" else raw.newbyteorder("="))
        restore_location(location, map_location, final)
        storages[key] = (final, raw, storage_type)
        return final

    result, loaded = unpickle(stream, load_storage, filled=False, copy_budget=budget(size))
    keys = unpickle(stream, _no_storage)
    if not isinstance(keys, list) or sorted(keys) != sorted(storages):
        raise Corrupt("the list of storage keys does not match the storages the object uses")
    for key in keys:
        _read_legacy_storage(stream, key, *storages[key], source)
        for tensor in loaded[key].pending_copies:       # overlapping views (expand) become copies now
            tensor._data = tensor._data.copy()
    return result, sum(t.name == "BFloat16Storage" for _, _, t in storages.values())


def _read_legacy_storage(stream, key, final, raw, storage_type, source):
    header = stream.read(8)
    count = int.from_bytes(header, "little" if raw.byteorder in "<=|" else "big", signed=True)
    if len(header) < 8 or count != final.size:
        raise RuntimeError(f"{source}: file is truncated or damaged: storage {key!r} should hold {final.size} "
                           f"elements, its data header says {count if len(header) == 8 else 'nothing'}")
    target = final if raw.isnative and storage_type.name != "BFloat16Storage" else np.empty(final.size, raw)
    buffer, done = memoryview(target.reshape(-1).view(np.uint8)), 0
    while done < buffer.nbytes:
        got = stream.readinto(buffer[done:done + CHUNK])
        if not got:
            raise RuntimeError(f"{source}: file is truncated: storage {key!r} ends after {done} of {buffer.nbytes} "
                               "bytes")
        done += got
    if storage_type.name == "BFloat16Storage":
        final[...] = bfloat16_to_float32(target.astype(np.uint16))
    elif target is not final:
        final[...] = target


def is_path(f):
    return isinstance(f, (str, os.PathLike))
