"""tinygrad_edu.load against hostile torch-format files: no code runs, nothing is allocated beyond
what the checks allow, damage is a RuntimeError saying what.

Each malicious pickle is first shown to really run code under the stdlib's pickle.loads (it
creates a marker file), then load must refuse it with UnpicklingError naming the global, and the
marker must not exist. Lying headers are written with the project's own writer told to lie
(LyingPickler) or with checkpoint_forge's raw zip writer; tracemalloc bounds the memory used.
"""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from checkpoint_forge import MB, Member, deflate, load_refused, raw_zip, traced_peak, zeros_crc
from tinygrad_edu._torch_pickle_write import TorchPickler, write_archive
from tinygrad_edu.serialization import load, save

LEGACY_HEAD = b"".join(pickle.dumps(x, protocol=2) for x in (
    0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                   "type_sizes": {"short": 2, "int": 4, "long": 4}}))


class Payload:
    """Unpickling calls ``function(*args)``; each payload below creates ``marker`` when it runs."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return (self.function, self.args)


def payloads(marker):
    return {"builtins.open": Payload(open, str(marker), "w"),
            "os.system": Payload(os.system, f"touch {marker}"),
            "builtins.exec": Payload(exec, f"open({str(marker)!r}, 'w').close()")}


def torch_zip(pickled, members=()):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", pickled)
        archive.writestr("archive/byteorder", "little")
        for name, data in members:
            archive.writestr(f"archive/data/{name}", data)
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


@pytest.mark.parametrize("layout", ["zip", "legacy", "bare pickle"])
@pytest.mark.parametrize("name", ["builtins.open", "os.system", "builtins.exec"])
@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_malicious_pickles_are_refused_and_run_nothing(tmp_path, layout, name, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": payloads(marker)[name]}, protocol=protocol)
    pickle.loads(payload)
    assert marker.exists()                  # the payload really runs code ...
    marker.unlink()
    data = {"zip": torch_zip(payload), "legacy": LEGACY_HEAD + payload, "bare pickle": payload}[layout]
    path = tmp_path / "model.pth"
    path.write_bytes(data)
    for weights_only in (None, True, False):
        with pytest.raises((pickle.UnpicklingError, RuntimeError)) as info:
            load(path, weights_only=weights_only)
        if layout != "bare pickle" or protocol:    # (a bare protocol 0 pickle is not even taken for one)
            assert type(info.value) is pickle.UnpicklingError
            assert "global" in str(info.value) and name.split(".")[1] in str(info.value)
    assert not marker.exists()              # ... and load did not run it


@pytest.mark.parametrize("pickled,opcode", [
    (b"\x80\x02(S'touch /nonexistent/x'\nios\nsystem\n.", "INST"),
    (b"\x80\x02ccollections\nOrderedDict\n)\x81.", "NEWOBJ"),
    (b"\x80\x02(ccollections\nOrderedDict\no.", "OBJ"),
    (b"\x80\x02\x82\x01.", "EXT1"),
])
def test_instance_creating_opcodes_are_refused(pickled, opcode):
    with pytest.raises(pickle.UnpicklingError, match=f"opcode {opcode}"):
        load(io.BytesIO(torch_zip(pickled)))


def test_build_cannot_change_the_engines_objects():
    """BUILD with a slot state would setattr on the float32 singleton; only an OrderedDict's __dict__ is allowed."""
    pickled = b"\x80\x02ctorch\nfloat32\nN}X\x04\x00\x00\x00nameX\x04\x00\x00\x00evils\x86b."
    with pytest.raises(pickle.UnpicklingError, match="BUILD on dtype"):
        load(io.BytesIO(torch_zip(pickled)))
    assert tg.float32.name == "float32"
    calls_a_dtype = b"\x80\x02ctorch\nfloat32\n)R."
    with pytest.raises(pickle.UnpicklingError, match="REDUCE of dtype"):
        load(io.BytesIO(torch_zip(calls_a_dtype)))


# ----------------------------------------------------------------------------------- lying sizes
class LyingPickler(TorchPickler):
    """Writes the storage it is given (``root``) and the numbers it is told, for every tensor."""

    def __init__(self, root, offset=0, strides=None, numel=None):
        super().__init__(set())
        self.lie = root, offset, strides, numel

    def _storage(self, array):
        root, offset, strides, numel = self.lie
        key = "0"
        if not self.storages:
            self.storages.append((key, root))
        strides = tuple(strides) if strides is not None else tuple(s // array.itemsize for s in array.strides)
        return key, offset, strides, root.size if numel is None else numel


def lying_file(tensor, root, **lie):
    pickler = LyingPickler(root, **lie)
    buffer = io.BytesIO()
    write_archive(buffer, pickler.dump({"w": tensor}), pickler.storages, "archive")
    return buffer.getvalue()


def test_the_lying_writer_writes_good_files_when_it_tells_the_truth():
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = load(io.BytesIO(lying_file(tg.from_numpy(values), values)))
    np.testing.assert_array_equal(out["w"].numpy(), values)


@pytest.mark.parametrize("shape,lie,message", [
    ((1000, 1000), {}, r"size \[1000, 1000\] and stride \[1000, 1\] at offset 0 runs past its storage of 6"),
    ((2, 3), {"offset": 1}, "at offset 1 runs past its storage of 6 elements"),
    ((2, 3), {"strides": (4, 1)}, r"stride \[4, 1\] at offset 0 runs past"),
    ((0, 3), {"offset": 7}, "at offset 7 runs past its storage of 6 elements"),
    ((2, 3), {"numel": 10 ** 12}, r"declared as 1000000000000 elements of torch.FloatStorage \(4000000000000 bytes\), "
                                  "but its zip member holds 24 bytes"),
])
def test_tensor_or_storage_declaring_more_than_the_file_holds(shape, lie, message):
    tensor = tg.zeros(*shape)
    data = lying_file(tensor, np.zeros(6, np.float32), **lie)
    error = load_refused(data, message, limit_mb=2)
    assert "checkpoint" in str(error)


def test_missing_storage_member():
    data = torch_zip(lying_pickle_only(), members=[])
    load_refused(data, "the data of storage '0' .* is missing")


def lying_pickle_only():
    return LyingPickler(np.zeros(2, np.float32)).dump({"w": tg.zeros(2)})


def test_flipped_bit_in_a_storage_is_a_checksum_mismatch():
    data = bytearray(saved({"w": tg.arange(64.0)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("archive/data/0")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 17] ^= 0x10
    load_refused(bytes(data), r"checksum mismatch for storage '0' \(archive/data/0\)")


def test_deflated_storage_bomb_is_refused_before_inflating():
    pickled = LyingPickler(np.zeros(2, np.float32), numel=100 * MB).dump({"w": tg.zeros(2)})
    bomb = Member("archive/data/0", deflate(b"", 400), zipfile.ZIP_DEFLATED, zeros_crc(b"", 400), 400 * MB)
    data = raw_zip([Member("archive/data.pkl", pickled), bomb])
    error = load_refused(data, "zip bomb", limit_mb=5)
    assert f"in a file of {len(data)} bytes" in str(error)


def test_a_recompressed_torch_file_loads():
    """A zip tool may deflate the members: fine, within the budget."""
    original = saved({"w": tg.arange(1000.0), "n": 3})
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    out = load(io.BytesIO(rebuilt.getvalue()))
    np.testing.assert_array_equal(out["w"].numpy(), np.arange(1000.0, dtype=np.float32))


def test_huge_data_pkl_is_refused():
    text = b"\x80\x02N."
    member = Member("archive/data.pkl", deflate(text, 70), zipfile.ZIP_DEFLATED, zeros_crc(text, 70),
                    len(text) + 70 * MB)
    load_refused(raw_zip([member]), "data.pkl declares", limit_mb=5)


def saved(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------- the legacy stream
def legacy_file(numel_declared, data_numel):
    pickled = LyingPickler(np.zeros(2, np.float32), numel=numel_declared).dump({"w": tg.zeros(2)})
    keys = pickle.dumps(["0"], protocol=2)
    return LEGACY_HEAD + pickled + keys + data_numel.to_bytes(8, "little") + bytes(4 * data_numel)


def test_legacy_hand_built_file_loads():
    np.testing.assert_array_equal(load(io.BytesIO(legacy_file(2, 2)))["w"].numpy(), np.zeros(2, np.float32))


def test_legacy_storage_larger_than_the_file_is_refused_before_allocation():
    error = load_refused(legacy_file(10 ** 9, 2), "storages declare 4000000008 bytes, but only", limit_mb=2)
    assert "checkpoint" in str(error)


def test_legacy_counts_must_agree():
    load_refused(legacy_file(2, 3)[:-4], "storage '0' should hold 2 elements, its data header says 3")


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8, 0.99])
def test_legacy_truncated(keep):
    import torch as torch
    buffer = io.BytesIO()
    torch.save({"w": torch.arange(100.0), "b": torch.ones(3)}, buffer, _use_new_zipfile_serialization=False)
    data = buffer.getvalue()
    load_refused(data[:int(len(data) * keep)], "truncated", limit_mb=2)


def test_traced_peak_of_a_good_load_is_its_size():
    """The bound used above is real: a 4 MB tensor's load peaks near 4 MB, not at several copies."""
    data = saved({"w": tg.zeros(MB)})
    out, peak = traced_peak(load, io.BytesIO(data))
    assert out["w"].shape == (MB,) and peak < 4 * MB + 2 * MB


def test_an_expanded_tensor_cannot_make_a_huge_copy():
    """Stride 0 over one element: 8 bytes in the file, 4 TB as the copy an overlapping view becomes."""
    huge = tg.Tensor._wrap(np.broadcast_to(np.float32(0), (10 ** 6, 10 ** 6)))     # a view: nothing allocated
    data = lying_file(huge, np.zeros(1, np.float32), strides=(0, 0))
    load_refused(data, r"overlapping strides \[0, 0\] would take 4000000000000 bytes as a copy", limit_mb=2)
    small = load(io.BytesIO(lying_file(tg.zeros(3, 4), np.arange(4, dtype=np.float32), strides=(0, 1))))["w"]
    np.testing.assert_array_equal(small.numpy(), np.tile(np.arange(4, dtype=np.float32), (3, 1)))


def test_bytearray_of_a_number_is_refused():
    """bytearray(n) would allocate n bytes from a 30-byte pickle."""
    pickled = b"\x80\x02c__builtin__\nbytearray\n\x8a\x05\x00\x00\x00\x00\x01\x85R."
    load_refused(torch_zip(pickled), "bytearray of int", limit_mb=2)
