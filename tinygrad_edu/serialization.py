"""``save`` / ``load``: checkpoints without pickle (the equivalent of ``torch.save`` / ``torch.load``).

What can be saved: Tensors, numpy arrays and numpy scalars of the engine's dtypes (float16/32/64,
uint8, int8/16/32/64, bool), Python ``int``/``float``/``bool``/``None``/``str``, and any nesting of
``dict``/``OrderedDict``/``list``/``tuple`` of them: a model's ``state_dict()``, an optimizer's
``state_dict()`` (whose ``state`` has int keys), a dict of hyper-parameters. Dict keys may be str,
int, float, bool, None or tuples of those. Anything else (a lambda, an instance of your own class,
a string, complex or structured numpy array) raises ``TypeError`` naming its type and its place.

The format is safe by construction: loading never runs code. ``torch.load`` unpickles, and a pickle
can call any function while it is being read; here nothing is unpickled. A checkpoint is a zip
archive holding

* ``arrays/<i>.npy``: one numpy ``.npy`` file per array, written and read with
  ``allow_pickle=False`` (only a dtype, a shape and raw bytes);
* ``manifest.json``: the format name and version, the structure of the saved object as tagged JSON
  nodes (``{"type": "tensor", "array": 0, "requires_grad": false}``, ``{"type": "odict", "items":
  [[key_node, value_node], ...]}``, floats as exact hex strings) and, for every ``.npy`` member, its
  sha256, dtype and shape (files written before dtype and shape were listed load too). A flipped
  bit, a truncated file or a file of another kind raises ``RuntimeError`` saying which
  (``checksum mismatch for tensor 'fc1.weight'``).

Loading a hostile file is safe in memory too: every size a member declares (zip header, ``.npy``
header, manifest) is checked against the others and against a budget of ``max(64 MiB, 100 x the
file's size)`` before anything is allocated, data is inflated in bounded chunks, and only the engine's
dtypes are accepted; any damage, a zip bomb included, raises ``RuntimeError`` naming the member
(details in ``tinygrad_edu/_checkpoint_read.py``).

Round trips are exact: dtype (bool, int64, float64, ...), shape (0-d and empty included), values and
``requires_grad`` (only a floating tensor can come back requiring grad); key order is kept and an
``OrderedDict`` comes back as an ``OrderedDict``. A view or non-contiguous tensor is saved as its own values only (torch saves the whole underlying storage).
A tensor referenced twice is stored once and comes back as one tensor. Loaded tensors are new and
independent of anything else. ``nn.Parameter`` comes back as a plain Tensor with
``requires_grad=True`` (``load_state_dict`` copies values into the model's parameters anyway).
``map_location`` and ``weights_only`` are accepted for compatibility and ignored: everything is on
the CPU and loading is always weights-only.

Moving weights to and from real PyTorch goes through numpy arrays (both libraries in one process)::

    # PyTorch -> tinygrad_edu
    sd = torch.load("model.pth", weights_only=True)
    tinygrad_edu.save({k: v.numpy() for k, v in sd.items()}, "model.tge")
    model.load_state_dict({k: tinygrad_edu.from_numpy(v) for k, v in tinygrad_edu.load("model.tge").items()})

    # tinygrad_edu -> PyTorch
    arrays = {k: v.numpy() for k, v in model.state_dict().items()}
    torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in arrays.items()})
"""
import collections
import contextlib
import hashlib
import io
import json
import os
import secrets
import zipfile
import zlib

import numpy as np

import tinygrad_edu as _tg
from ._checkpoint_read import MANIFEST, check_entries, engine_dtype_names, is_engine_dtype, read_array, \
    read_manifest_text

__all__ = ["save", "load"]

FORMAT_NAME = "tinygrad_edu.checkpoint"
FORMAT_VERSION = 1
_ZIP64_THRESHOLD = 1 << 30      # members near 2 GiB need zip64 headers declared up front


def _child(where, key):
    """Readable path of a nested element: ``fc1.weight``, ``state[0]['exp_avg']``."""
    if where == "" and isinstance(key, str):
        return key
    return f"{where}[{key!r}]"


def _shown(where):
    return repr(where) if where else "<root>"


# ----------------------------------------------------------------------------------- save
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


def save(obj, f):
    """Save ``obj`` to ``f`` (a path or a writable binary file object), like ``torch.save``.

    Writing to a path goes through a temporary file renamed into place, so an interrupted save
    never leaves a half-written checkpoint under the real name.
    """
    encoder = _Encoder()
    root = encoder.node(obj, "")           # every TypeError is raised before anything is written
    if not isinstance(f, (str, os.PathLike)):
        if not hasattr(f, "write"):
            raise TypeError(f"save() expected a path or a writable binary file object, got {type(f).__qualname__}")
        _write_archive(f, encoder, root)
        return
    path = os.fspath(f)
    tmp = f"{path}.tmp-{os.getpid()}-{secrets.token_hex(4)}"   # same directory, so os.replace is atomic
    try:
        with open(tmp, "xb") as out:
            _write_archive(out, encoder, root)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------------- load
def _not_a_checkpoint(source, head, reason):
    hint = ""
    if head[:1] == b"\x80":
        hint = (" It looks like a pickle file (e.g. an old-style torch.save file): tinygrad_edu.load never "
                "unpickles, because unpickling can run arbitrary code.")
    return RuntimeError(f"{source}: file is truncated or not a tinygrad_edu checkpoint ({reason}).{hint}")


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
        if any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):
            raise RuntimeError(f"{source}: this is a PyTorch torch.save checkpoint (a pickle inside a zip), not a "
                               "tinygrad_edu one; tinygrad_edu.load never unpickles. Convert it in PyTorch with "
                               "tinygrad_edu.save({k: v.numpy() for k, v in torch.load(path).items()}, new_path).")
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


def load(f, map_location=None, weights_only=True):
    """Load an object written by :func:`save` from a path or a readable binary file object.

    ``map_location`` and ``weights_only`` exist for ``torch.load`` compatibility and change nothing.
    """
    if isinstance(f, (str, os.PathLike)):
        source = os.fspath(f)
        with open(source, "rb") as stream:
            return _load_stream(stream, repr(source))
    if not hasattr(f, "read"):
        raise TypeError(f"load() expected a path or a readable binary file object, got {type(f).__qualname__}")
    if not (hasattr(f, "seek") and f.seekable()):
        f = io.BytesIO(f.read())       # zip archives are read from the end: we need to seek
    return _load_stream(f, "checkpoint")


def _load_stream(stream, source):
    start = stream.tell()
    size = stream.seek(0, io.SEEK_END) - start       # what the checkpoint's declared sizes are measured against
    stream.seek(start)
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        stream.seek(start)
        raise _not_a_checkpoint(source, stream.read(2), str(error)) from None
    with archive:
        manifest = _read_manifest(archive, source)
        check_entries(archive, manifest.get("arrays"), size, source)    # every size, before any array is read
        decoder = _Decoder(archive, manifest, source)
        try:
            return decoder.node(manifest["root"], "")
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # a well-formed file never gets here: the manifest was edited or damaged
            raise decoder._corrupt(f"malformed manifest ({type(error).__name__}: {error})") from None
        except RecursionError:
            raise decoder._corrupt("malformed manifest (its structure is nested too deeply)") from None
