"""Reading the checkpoints tinygrad_edu 0.1 wrote (zip + ``manifest.json`` + ``.npy``),
every size checked before anything is allocated. ``tinygrad_edu.save`` now writes torch's format;
these files still load in 0.1.x and 0.2.x (see README). The bounded zip-member helpers here
(``check_zip_member``, ``fill``) serve the torch reader too.

Used by :func:`tinygrad_edu.load`. A member declares its inflated size in its zip header, a
``.npy`` member declares a dtype and a shape in its own header, and the manifest declares them a
third time; a hostile file can lie in any of them. So, before any array is allocated:

* no two members of the archive have one name, and no two manifest entries share a member;
* every member is stored or deflated, and not encrypted (Python's bzip2 and lzma readers inflate a
  whole input chunk at once, with no bound on the output, so they are refused);
* the sizes the manifest and the members it lists declare add up to at most
  ``max(SMALL_CHECKPOINT_BYTES, INFLATION_LIMIT x the file's own size)``: a file written by ``save``
  is stored uncompressed and declares its own size, while a zip bomb declares a thousand times it;
* the manifest's dtype (one of the engine's, see ``tinygrad_edu.dtypes``) and shape give the data's
  byte count, which must fit the member's declared size; then the ``.npy`` header, read through a
  bounded prefix, must agree with the manifest and account for the member's size exactly.

The data is then read in chunks of at most ``CHUNK`` bytes straight into an array of the checked
size, hashed on the way. A member that inflates to more than it declared is cut at its declared
size: zipfile inflates no further, and its CRC-32 check then fails (a CRC forged over the declared
part alone yields exactly the declared bytes, which the sha256 checks). A wrong sha256 is found
while holding nothing but that array. Nothing is unpickled and no header is evaluated as code (numpy parses the
``.npy`` header as a literal).
"""
import collections
import hashlib
import io
import json
import math
import zipfile
import zlib

import numpy as np

import tinygrad_edu as _tg
from . import dtypes as _dtypes

MANIFEST = "manifest.json"
FORMAT_NAME = "tinygrad_edu.checkpoint"
FORMAT_VERSION = 1
CHUNK = 1 << 18                    # bytes inflated per read
MAX_NPY_HEADER = 10000             # numpy's own limit on a .npy header's dict
MAX_MANIFEST_BYTES = 64 << 20      # far above a 100 000-tensor state_dict's manifest
SMALL_CHECKPOINT_BYTES = 64 << 20  # any checkpoint may declare this much, whatever its file size
INFLATION_LIMIT = 100              # beyond that, declared bytes must be backed by file bytes
_READABLE = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
_ENGINE_DTYPES = frozenset(d.numpy_dtype for d in _dtypes.ALL)
_READ_ERRORS = (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError)


def is_engine_dtype(np_dtype):
    """True for the engine's dtypes (either byte order); False for str, object, structured, complex..."""
    return np_dtype.fields is None and np_dtype.subdtype is None and np_dtype.newbyteorder("=") in _ENGINE_DTYPES


def engine_dtype_names():
    return ", ".join(d.name for d in _dtypes.ALL)


def _label(entry):
    where, kind = entry.get("where"), entry.get("kind")
    if isinstance(where, str) and isinstance(kind, str):
        return f"{kind} {where!r} ({entry['member']})" if where else f"{kind} <root> ({entry['member']})"
    return f"member {entry['member']!r}"


def check_zip_member(info, what, source):
    """Refuse a member zipfile could only inflate without bounds, or not at all."""
    if info.flag_bits & 0x1:
        raise RuntimeError(f"{source}: {what} is encrypted; tinygrad_edu checkpoints never are")
    if info.compress_type not in _READABLE:
        method = _METHOD_NAMES.get(info.compress_type, f"number {info.compress_type}")
        raise RuntimeError(f"{source}: {what} uses compression method {method}, which tinygrad_edu.load does not "
                           "read (only stored and deflate members; tinygrad_edu.save writes stored ones)")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what} is stored uncompressed but its zip "
                           f"header gives {info.compress_size} bytes stored for {info.file_size} bytes of data")


def declared_nbytes(dtype_str, shape, what, source):
    """Bytes of data the manifest's dtype and shape declare (checked to be an engine dtype)."""
    if not isinstance(dtype_str, str) or not isinstance(shape, list) or len(shape) > 64 or \
            not all(type(n) is int and n >= 0 for n in shape):
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: malformed dtype or shape for {what}")
    try:
        np_dtype = np.dtype(dtype_str)
    except (TypeError, ValueError, SyntaxError, RecursionError, MemoryError):
        np_dtype = None
    if np_dtype is None or not is_engine_dtype(np_dtype):
        raise RuntimeError(f"{source}: {what} has dtype {dtype_str!r}, which tinygrad_edu does not have "
                           f"(a checkpoint holds only {engine_dtype_names()})")
    return math.prod(shape) * np_dtype.itemsize


def check_entries(archive, entries, archive_bytes, source):
    """Check every manifest entry's member (see the module docstring) before any array is read."""
    if not isinstance(entries, list):
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: malformed manifest (no list of arrays)")
    claimed = {MANIFEST: "the manifest"}
    total = archive.getinfo(MANIFEST).file_size
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("member"), str) or \
                not isinstance(entry.get("sha256"), str):
            raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: malformed manifest entry {index}")
        what = _label(entry)
        member = entry["member"]
        if member in claimed:
            raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what} is the same zip member as "
                               f"{claimed[member]}; each array has a member of its own")
        claimed[member] = what
        try:
            info = archive.getinfo(member)
        except KeyError:
            raise RuntimeError(f"{source}: file is truncated or damaged: the data of {what} is missing") from None
        check_zip_member(info, what, source)
        if "dtype" in entry or "shape" in entry:          # written since these were added to the format
            nbytes = declared_nbytes(entry.get("dtype"), entry.get("shape"), what, source)
            if not nbytes + 10 <= info.file_size <= nbytes + 12 + MAX_NPY_HEADER:
                raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what}'s zip header declares "
                                   f"{info.file_size} bytes, but the manifest's dtype and shape make {nbytes} bytes "
                                   "of data plus a .npy header")
        total += info.file_size
    budget = max(SMALL_CHECKPOINT_BYTES, INFLATION_LIMIT * archive_bytes)
    if total > budget:
        raise RuntimeError(f"{source}: refusing a possible zip bomb: its members declare {total} bytes of data in a "
                           f"file of {archive_bytes} bytes (at most {budget} are accepted: {INFLATION_LIMIT} times "
                           "the file's size, or 64 MiB); checkpoints written by tinygrad_edu.save are not compressed")


def read_manifest_text(archive, source):
    """The manifest's bytes, read with its declared size checked first."""
    info = archive.getinfo(MANIFEST)
    check_zip_member(info, MANIFEST, source)
    if info.file_size > MAX_MANIFEST_BYTES:
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {MANIFEST} declares {info.file_size} bytes "
                           f"(at most {MAX_MANIFEST_BYTES} are accepted)")
    with archive.open(info) as member:
        return _read_exact(member, info.file_size, None)


def _read_exact(member, size, digest):
    """Up to ``size`` bytes, read in bounded chunks (fewer only if the member ends early)."""
    parts, left = [], size
    while left > 0:
        chunk = member.read(min(CHUNK, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    data = b"".join(parts)
    if digest is not None:
        digest.update(data)
    return data


def _npy_header(member, digest, what, source):
    """(shape, fortran_order, dtype, header size) of a .npy member; its header is read bounded."""
    def bad(detail):
        return RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: the data of {what} is not a plain .npy "
                            f"array: {detail}")
    prefix = _read_exact(member, 8, digest)
    if len(prefix) < 8 or prefix[:6] != b"\x93NUMPY" or prefix[6:8] not in (b"\x01\x00", b"\x02\x00"):
        raise bad("it does not start with a .npy version 1.0 or 2.0 magic string")
    width = 2 if prefix[6] == 1 else 4
    length_field = _read_exact(member, width, digest)
    length = int.from_bytes(length_field, "little")
    if len(length_field) < width or length > MAX_NPY_HEADER:
        raise bad(f"its header claims {length} bytes (at most {MAX_NPY_HEADER} are accepted)")
    text = _read_exact(member, length, digest)
    if len(text) < length:
        raise bad("the member ends inside its header")
    reader = np.lib.format.read_array_header_1_0 if width == 2 else np.lib.format.read_array_header_2_0
    stream = io.BytesIO(prefix + length_field + text)
    try:
        np.lib.format.read_magic(stream)
        shape, fortran_order, dtype = reader(stream, max_header_size=MAX_NPY_HEADER)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as error:
        raise bad(f"{type(error).__name__}: {error}") from None
    return shape, fortran_order, dtype, 8 + width + length


def _check_header(entry, header, info, what, source):
    """Bytes of data of a .npy header that is an engine dtype, agrees with the manifest and fills the member."""
    shape, _, dtype, header_size = header
    if not is_engine_dtype(dtype):
        raise RuntimeError(f"{source}: {what} has dtype {dtype.str!r}, which tinygrad_edu does not have "
                           f"(a checkpoint holds only {engine_dtype_names()})")
    if len(shape) > 64 or not all(n >= 0 for n in shape):
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what} has shape {shape}")
    if ("dtype" in entry and entry["dtype"] != dtype.str) or ("shape" in entry and entry["shape"] != list(shape)):
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what}'s .npy header gives dtype {dtype.str} "
                           f"and shape {shape}, the manifest {entry.get('dtype')} and {entry.get('shape')}")
    nbytes = math.prod(shape) * dtype.itemsize
    if header_size + nbytes != info.file_size:
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what}'s .npy header declares shape "
                           f"{shape} of {dtype.str} ({nbytes} bytes of data), but its zip header declares "
                           f"{info.file_size} bytes in all")
    return nbytes


def fill(member, flat, nbytes, digest, what, source):
    """Read exactly ``nbytes`` into ``flat``'s memory, CHUNK bytes at a time (hashed into ``digest`` if given)."""
    raw, done = flat.view(np.uint8), 0
    while done < nbytes:
        chunk = member.read(min(CHUNK, nbytes - done))
        if not chunk:
            raise EOFError(f"the data ends after {done} of {nbytes} bytes")
        raw[done:done + len(chunk)] = np.frombuffer(chunk, np.uint8)
        if digest is not None:
            digest.update(chunk)
        done += len(chunk)
    if member.read(1):                  # zipfile stops at the declared size: a last check, of one byte
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: {what} holds more data than declared")


def read_array(archive, entry, what, source):
    """The array of a checked manifest entry, verified against its sha256; C order or Fortran order as stored."""
    info = archive.getinfo(entry["member"])
    digest = hashlib.sha256()
    try:
        with archive.open(info) as member:
            header = _npy_header(member, digest, what, source)
            nbytes = _check_header(entry, header, info, what, source)
            shape, fortran_order, dtype, _ = header
            try:
                flat = np.empty(math.prod(shape), dtype)
            except MemoryError:
                raise RuntimeError(f"{source}: not enough memory to load {what}: {nbytes} bytes") from None
            fill(member, flat, nbytes, digest, what, source)
    except zipfile.BadZipFile as error:
        if "CRC" in str(error):                   # zip's own CRC-32 check failed
            raise RuntimeError(f"{source}: checksum mismatch for {what}: {error}") from None
        raise RuntimeError(f"{source}: file is truncated or damaged: the data of {what} cannot be read "
                           f"({error})") from None
    except _READ_ERRORS as error:
        raise RuntimeError(f"{source}: file is truncated or damaged: the data of {what} cannot be read "
                           f"({type(error).__name__}: {error})") from None
    if digest.hexdigest() != entry["sha256"]:
        raise RuntimeError(f"{source}: checksum mismatch for {what}: the file was modified or damaged after it "
                           "was saved")
    return flat.reshape(shape[::-1]).T if fortran_order else flat.reshape(shape)


def _child(where, key):
    """Readable path of a nested element: ``fc1.weight``, ``state[0]['exp_avg']``."""
    if where == "" and isinstance(key, str):
        return key
    return f"{where}[{key!r}]"


def _shown(where):
    return repr(where) if where else "<root>"


class _Decoder:
    """Rebuilds the object from the manifest; an array is read (bounded, verified) when first met."""

    def __init__(self, archive, manifest, source):
        self.archive, self.source = archive, source
        self.entries = manifest["arrays"]
        self._loaded = {}       # array index -> (node type, object), so shared tensors stay shared

    def _corrupt(self, detail):
        return RuntimeError(f"{self.source}: corrupt tinygrad_edu checkpoint: {detail}")

    def array(self, node, where):
        kind, index = node["type"], node["array"]
        noun = {"ndarray": "array", "npscalar": "numpy scalar"}.get(kind, kind)
        if type(index) is not int or not 0 <= index < len(self.entries):
            raise self._corrupt(f"{noun} {_shown(where)} refers to array {index!r}, which is not listed")
        if index in self._loaded:
            first_kind, obj = self._loaded[index]
            if first_kind != kind:
                raise self._corrupt(f"array {index} is used both as a {first_kind} and as a {kind} node")
            return obj
        entry = self.entries[index]
        array = read_array(self.archive, entry, f"{noun} {_shown(where)} ({entry['member']})", self.source)
        if kind == "ndarray":
            obj = array
        elif kind == "npscalar":
            if array.ndim:
                raise self._corrupt(f"numpy scalar {_shown(where)} has shape {array.shape}")
            obj = array[()]
        else:
            obj = self._tensor(array, node["requires_grad"], where)
        self._loaded[index] = (kind, obj)
        return obj

    def _tensor(self, array, requires_grad, where):
        if type(requires_grad) is not bool:
            raise self._corrupt(f"tensor {_shown(where)} has requires_grad {requires_grad!r}")
        if not array.dtype.isnative:               # the engine computes in the machine's byte order
            array.byteswap(inplace=True)
            array = array.view(array.dtype.newbyteorder("="))
        # only floating tensors can require grad; save never marks any other kind
        return _tg.Tensor._wrap(array, requires_grad=requires_grad and array.dtype.kind == "f")

    def node(self, node, where):
        kind = node["type"]
        if kind in ("tensor", "ndarray", "npscalar"):
            return self.array(node, where)
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            value = node["value"]
            if type(value) is not {"bool": bool, "int": int, "str": str}[kind]:
                raise self._corrupt(f"{kind} at {_shown(where)} holds {value!r}")
            return value
        if kind == "float":
            return float.fromhex(node["value"])
        if kind in ("list", "tuple"):
            items = [self.node(item, _child(where, i)) for i, item in enumerate(node["items"])]
            return tuple(items) if kind == "tuple" else items
        if kind in ("dict", "odict"):
            result = collections.OrderedDict() if kind == "odict" else {}
            for key_node, value_node in node["items"]:
                key = self.node(key_node, where)
                result[key] = self.node(value_node, _child(where, key))
            return result
        raise self._corrupt(f"unknown node type {kind!r} at {_shown(where)}")


def _read_manifest(archive, source):
    names = archive.namelist()
    if len(set(names)) != len(names):
        twice = next(name for name, count in collections.Counter(names).items() if count > 1)
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: the zip archive has more than one member "
                           f"named {twice!r}")
    if MANIFEST not in names:
        raise RuntimeError(f"{source}: not a tinygrad_edu checkpoint (the zip archive has no {MANIFEST})")
    try:
        manifest = json.loads(read_manifest_text(archive, source).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: unreadable {MANIFEST} ({error})") from None
    except (RecursionError, MemoryError) as error:
        raise RuntimeError(f"{source}: corrupt tinygrad_edu checkpoint: unreadable {MANIFEST} "
                           f"({type(error).__name__}: it is nested too deeply or too large)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise RuntimeError(f"{source}: not a tinygrad_edu checkpoint ({MANIFEST} does not name the format)")
    if manifest.get("version") != FORMAT_VERSION:
        raise RuntimeError(f"{source}: checkpoint format version {manifest.get('version')!r} is not supported "
                           f"(this tinygrad_edu reads version {FORMAT_VERSION}); was it written by a newer release?")
    return manifest


def load_manifest_archive(archive, archive_bytes, source):
    """The object of a checkpoint in the format of tinygrad_edu 0.1 (zip + manifest.json + .npy)."""
    manifest = _read_manifest(archive, source)
    check_entries(archive, manifest.get("arrays"), archive_bytes, source)    # every size, before any array is read
    decoder = _Decoder(archive, manifest, source)
    try:
        return decoder.node(manifest["root"], "")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # a well-formed file never gets here: the manifest was edited or damaged
        raise decoder._corrupt(f"malformed manifest ({type(error).__name__}: {error})") from None
    except RecursionError:
        raise decoder._corrupt("malformed manifest (its structure is nested too deeply)") from None
