"""``save`` / ``load`` (torch: ``torch.save`` / ``torch.load``), in torch's own file format.

``save(obj, f)`` writes what ``torch.save`` writes: a zip archive holding ``archive/data.pkl`` (a
protocol 2 pickle of ``obj`` in which each tensor is a call of ``torch._utils._rebuild_tensor_v2``
on a storage), one ``archive/data/<key>`` member of raw bytes per storage, and ``version``,
``byteorder``, ``.format_version``, ``.storage_alignment``, ``.data/serialization_id``. Real
``torch.load(f, weights_only=True)`` reads it, and a model trained here continues in PyTorch. The
pickle is written opcode by opcode (``_torch_pickle_write``): the package never imports torch.

What can be saved is what ``torch.load(weights_only=True)`` reads back: Tensors (``nn.Parameter``,
``requires_grad``, 0-d, empty, views included), Python ``None``/``bool``/``int``/``float``/
``complex``/``str``/``bytes``, dtypes, devices, ``Size``, and any nesting of ``dict``/``OrderedDict``
(a module state_dict's ``_metadata`` included)/``list``/``tuple``/``set`` of them: a model's
``state_dict()``, an optimizer's ``state_dict()``, a dict of hyper-parameters. Anything else (a
lambda, an instance of your own class, a numpy array or scalar, which torch's weights-only loader
refuses) raises ``TypeError`` naming its type and its place, before anything is written.

``load(f, map_location=None, weights_only=None, mmap=None)`` reads

* files written by ``save`` or by real ``torch.save`` (zip format, torch >= 1.6);
* the legacy stream ``torch.save(..., _use_new_zipfile_serialization=False)`` writes;
* checkpoints written by tinygrad_edu 0.1 (zip + ``manifest.json`` + ``.npy``), in every 0.1.x and
  0.2.x release (refused from 0.3 on: convert them with ``save(load(old), new)`` before).

Loading never runs code from the file: the pickle goes through a restricted unpickler
(``_torch_pickle_read``) that resolves only an allow-list of names (tensor rebuild functions,
storage types, dtypes, ``torch.device``, ``torch.Size``, ``OrderedDict``, ...) to our own
stand-ins; any other global raises ``pickle.UnpicklingError`` naming it, whatever ``weights_only``
says (``weights_only=False`` is accepted and changes nothing). Loading never allocates more than
the file declares and the checks allow: member sizes against a budget of ``max(64 MiB, 100 x the
file's size)``, each storage's declared size against its member, each tensor's shape, strides and
offset against its storage; zip's CRC-32 is checked. Damage raises ``RuntimeError`` saying what.

As in torch, tensors that were views of one storage come back sharing memory. An ``nn.Parameter``
comes back as a Tensor with ``requires_grad=True`` (``load_state_dict`` copies it into the model's
parameters). bfloat16 tensors come back as float32 (exact) with a warning. ``map_location`` takes
torch's forms (str, device, dict, callable); the storages must end up on the CPU, otherwise torch's
RuntimeError for a CPU-only machine is raised. ``mmap=True`` (a path, zip format) maps the stored
storages copy-on-write instead of reading them (as torch, their CRC is then not checked).
"""
import collections
import contextlib
import io
import os
import pickle
import secrets
import zipfile

from ._checkpoint_read import MANIFEST, load_manifest_archive
from ._torch_archive_read import is_path, load_legacy, load_zip, pickle_member
from ._torch_pickle_read import Corrupt, Refused, warn_bfloat16
from ._torch_pickle_write import TorchPickler, shared_roots, write_archive

__all__ = ["save", "load"]


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` to ``f`` (a path or a writable binary file object) in torch's format, like ``torch.save``.

    ``pickle_module`` and ``pickle_protocol`` are accepted as torch's; the pickle is always written
    with protocol 2 opcodes (torch's default, read by every protocol). Writing to a path goes
    through a temporary file renamed into place, so an interrupted save never leaves a half-written
    checkpoint under the real name.
    """
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("tinygrad_edu.save writes torch's zip format only; "
                                  "_use_new_zipfile_serialization=False (the legacy format) is read, not written")
    if type(pickle_protocol) is not int or not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(f"pickle_protocol must be an int from 2 to {pickle.HIGHEST_PROTOCOL}, got {pickle_protocol!r}")
    pickler = TorchPickler(shared_roots(obj))
    pickled = pickler.dump(obj)          # every TypeError is raised before anything is written
    if not is_path(f):
        if not hasattr(f, "write"):
            raise TypeError(f"save() expected a path or a writable binary file object, got {type(f).__qualname__}")
        write_archive(f, pickled, pickler.storages, "archive", not _disable_byteorder_record)
        return
    path = os.fspath(f)
    folder = os.path.splitext(os.path.basename(path))[0] or "archive"    # torch names the folder so
    tmp = f"{path}.tmp-{os.getpid()}-{secrets.token_hex(4)}"   # same directory, so os.replace is atomic
    try:
        with open(tmp, "xb") as out:
            write_archive(out, pickled, pickler.storages, folder, not _disable_byteorder_record)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object written by :func:`save` or ``torch.save`` from a path or a readable binary file object.

    Always weights-only (see the module docstring). ``pickle_module`` and ``pickle_load_args``
    (``encoding=``...) are accepted as torch's and unused.
    """
    if mmap and not is_path(f):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if is_path(f):
        source = os.fspath(f)
        with open(source, "rb") as stream:
            return _load_stream(stream, repr(source), map_location, source if mmap else None)
    if not hasattr(f, "read"):
        raise TypeError(f"load() expected a path or a readable binary file object, got {type(f).__qualname__}")
    if not (hasattr(f, "seek") and f.seekable()):
        f = io.BytesIO(f.read())       # zip archives are read from the end: we need to seek
    return _load_stream(f, "checkpoint", map_location, None)


def _load_stream(stream, source, map_location, mmap_path):
    start = stream.tell()
    size = stream.seek(0, io.SEEK_END) - start       # what the file's declared sizes are measured against
    stream.seek(start)
    head = stream.read(4)
    stream.seek(start)
    try:
        if head[:1] == b"\x80" and not zipfile.is_zipfile(stream):
            stream.seek(start)
            if mmap_path:
                raise RuntimeError("mmap can only be used with files saved with `torch.save(_use_new_zipfile_"
                                   "serialization=True)`, please torch.save your checkpoint with this option in "
                                   "order to use mmap.")
            result, converted = load_legacy(stream, size, map_location, source)
        else:
            stream.seek(start)
            result, converted = _load_zip(stream, size, source, map_location, mmap_path)
    except Corrupt as error:
        raise RuntimeError(f"{source}: corrupt or truncated checkpoint: {error}") from None
    except Refused as error:
        raise pickle.UnpicklingError(f"{source}: {error}") from None
    warn_bfloat16(converted)
    return result


def _load_zip(stream, size, source, map_location, mmap_path):
    start = stream.tell()
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        stream.seek(start)
        raise RuntimeError(f"{source}: file is truncated or not a tinygrad_edu checkpoint or torch.save file "
                           f"({error})") from None
    with archive:
        names = archive.namelist()
        if len(set(names)) != len(names):
            twice = next(name for name, count in collections.Counter(names).items() if count > 1)
            raise RuntimeError(f"{source}: corrupt checkpoint: the zip archive has more than one member named "
                               f"{twice!r}")
        if MANIFEST in names:
            return load_manifest_archive(archive, size, source), 0
        if pickle_member(names) is None:
            raise RuntimeError(f"{source}: not a tinygrad_edu checkpoint or torch.save file (the zip archive has "
                               f"neither {MANIFEST} nor one <folder>/data.pkl)")
        return load_zip(archive, size, map_location, source, mmap_path)
