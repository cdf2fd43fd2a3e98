"""tinygrad_edu.load against hostile files of tinygrad_edu 0.1's format (zip + manifest.json + .npy): every size
is checked before memory is allocated. (The torch format's hostile files: test_torch_checkpoint_safety.py.)

Each test builds a malicious checkpoint by hand, with the raw zip writer of checkpoint_forge.py so
that headers can lie, and asserts that load raises RuntimeError (exactly that class: RecursionError and
NotImplementedError are subclasses of it, and must not leak out raw) while tracemalloc's peak stays
far below what a naive inflation takes. The zip bombs inflate to hundreds of MB from a few hundred
KB, and are built in milliseconds.
"""
import io
import struct
import zipfile
import zlib

import numpy as np
import pytest

import tinygrad_edu as tg
from checkpoint_forge import MB, Member, deflate, entry, load_refused, manifest_member, npy, npy_header, raw_zip, \
    save_old_format, tensor_root, traced_peak, zeros_crc
from tinygrad_edu.serialization import load


def test_the_bomb_is_real():
    """The fixtures below really inflate to what they claim, so bounded memory means something."""
    data = deflate(b"head", 50)
    assert len(data) < 100 * 1024                               # 1000-fold: 50 MB comes from 50 KB
    inflater, crc, size = zlib.decompressobj(-15), 0, 0
    while data:
        chunk = inflater.decompress(data, 8 * MB)
        crc, size, data = zlib.crc32(chunk, crc), size + len(chunk), inflater.unconsumed_tail
    assert size == 4 + 50 * MB and inflater.eof and crc == zeros_crc(b"head", 50)


def test_a_good_hand_built_file_loads():
    """The raw writer makes files load() accepts, so every refusal below is the lie's doing."""
    values = np.arange(4, dtype=np.float32)
    payload = npy(values)
    data = raw_zip([Member("arrays/0.npy", deflate(payload, 0), zipfile.ZIP_DEFLATED, zlib.crc32(payload),
                           len(payload)),
                    manifest_member([entry("arrays/0.npy", payload, "<f4", (4,))], tensor_root("w"))])
    np.testing.assert_array_equal(load(io.BytesIO(data))["w"].numpy(), values)


# ----------------------------------------------------------------------------------- item 13: sizes
def test_zip_header_claims_more_than_the_manifest():
    payload = npy_header("<f4", (75 * MB,))                      # 300 MB of float32 in the zip and .npy headers
    member = Member("arrays/0.npy", deflate(payload, 300), zipfile.ZIP_DEFLATED, zeros_crc(payload, 300),
                    len(payload) + 300 * MB)
    data = raw_zip([member, manifest_member([entry("arrays/0.npy", payload, "<f4", (4,))], tensor_root("w"))])
    error = load_refused(data, "arrays/0.npy", limit_mb=5)
    assert "zip header declares" in str(error) and "tensor 'w'" in str(error)


def test_npy_header_claims_more_than_the_manifest():
    """The zip header agrees with the manifest (4 floats), the .npy header inside claims 300 MB."""
    good = npy(np.zeros(4, np.float32))
    liar = npy_header("<f4", (75 * MB,)).ljust(len(good) - 16, b" ")[:-1] + b"\n"   # same header length
    assert len(liar) + 16 == len(good)
    forged = zlib.crc32(liar + bytes(16))                         # so that zip's CRC-32 check passes
    member = Member("arrays/0.npy", deflate(liar, 300), zipfile.ZIP_DEFLATED, forged, len(good))
    data = raw_zip([member, manifest_member([entry("arrays/0.npy", good, "<f4", (4,))], tensor_root("w"))])
    load_refused(data, r"\.npy header gives dtype <f4 and shape \(78643200,\)", limit_mb=5)


@pytest.mark.parametrize("listed", [True, False], ids=["manifest-lists-shape", "old-manifest"])
def test_consistent_zip_bomb_is_over_budget(listed):
    """Every header agrees: 400 MB of zeros from about 400 KB. Refused before any of it is inflated."""
    payload = npy_header("<f4", (100 * MB,))
    member = Member("arrays/0.npy", deflate(payload, 400), zipfile.ZIP_DEFLATED, zeros_crc(payload, 400),
                    len(payload) + 400 * MB)
    shape = (100 * MB,) if listed else None
    listed_entry = entry("arrays/0.npy", payload, "<f4" if listed else None, shape)
    data = raw_zip([member, manifest_member([listed_entry], tensor_root("w"))])
    error = load_refused(data, "zip bomb", limit_mb=5)
    assert f"in a file of {len(data)} bytes" in str(error)


@pytest.mark.parametrize("crc", ["whole stream", "declared part"])
def test_member_that_inflates_past_its_declared_size(crc):
    """Headers and manifest say 4 floats; the deflate stream goes on for 300 MB of zeros after them.
    zipfile stops inflating at the declared size: with the CRC-32 a zip tool writes (over the whole
    stream) the check fails; with one forged over the declared part, what comes back is exactly the
    sha256-verified declared data, and the rest is never inflated."""
    values = np.arange(4, dtype=np.float32)
    payload = npy(values)
    checksum = zeros_crc(payload, 300) if crc == "whole stream" else zlib.crc32(payload)
    member = Member("arrays/0.npy", deflate(payload, 300), zipfile.ZIP_DEFLATED, checksum, len(payload))
    data = raw_zip([member, manifest_member([entry("arrays/0.npy", payload, "<f4", (4,))], tensor_root("w"))])
    if crc == "whole stream":
        load_refused(data, "checksum mismatch for tensor 'w'", limit_mb=5)
        return
    out, peak = traced_peak(load, io.BytesIO(data))
    np.testing.assert_array_equal(out["w"].numpy(), values)
    assert peak < 5 * MB


def test_wrong_sha256_is_found_holding_only_the_declared_array():
    """8 MB of zeros, honestly declared (within the 64 MiB any file may declare), wrong sha256 in the
    manifest: the data is hashed as it is read into the one array of the declared size (a naive
    read holds the inflated bytes and the array: 16 MB and more)."""
    payload = npy(np.zeros(2 * MB, np.float32))
    member = Member("arrays/0.npy", deflate(payload, 0), zipfile.ZIP_DEFLATED, zlib.crc32(payload), len(payload))
    listed = entry("arrays/0.npy", payload + b"!", "<f4", (2 * MB,))
    data = raw_zip([member, manifest_member([listed], tensor_root("w"))])
    load_refused(data, "checksum mismatch for tensor 'w'.*modified or damaged", limit_mb=8 + 2)


def test_duplicate_member_names():
    payload = npy(np.ones(2, np.float32))
    other = npy(np.full(2, 7, np.float32))
    good = manifest_member([entry("arrays/0.npy", payload, "<f4", (2,))], tensor_root("w"))
    for members in ([Member("arrays/0.npy", payload), Member("arrays/0.npy", other), good],
                    [Member("arrays/0.npy", payload), good, manifest_member([], {"type": "none"})]):
        load_refused(raw_zip(members), "more than one member named")


def test_manifest_entries_sharing_a_member():
    """1000 entries naming one member would be 1000 arrays inflated from one: refused before any read."""
    payload = npy(np.zeros(256 * 1024, np.float32))              # 1 MB, stored: a 1000-fold load would be 1 GB
    entries = [entry("arrays/0.npy", payload, "<f4", (256 * 1024,), where=f"w{i}") for i in range(1000)]
    root = tensor_root(*[f"w{i}" for i in range(1000)])
    data = raw_zip([Member("arrays/0.npy", payload), manifest_member(entries, root)])
    load_refused(data, "tensor 'w1' \\(arrays/0.npy\\) is the same zip member as tensor 'w0'", limit_mb=8)
    sneaky = raw_zip([Member("arrays/0.npy", payload),
                      manifest_member([entry("manifest.json", payload, "<f4", (2,))], tensor_root("w"))])
    load_refused(sneaky, "same zip member as the manifest")


def test_manifest_that_is_a_bomb():
    text = b'{"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": [], "root": {"type": "none"}}'
    bomb = Member("manifest.json", deflate(text, 300), zipfile.ZIP_DEFLATED, 0, len(text) + 300 * MB)
    load_refused(raw_zip([bomb]), "manifest.json declares", limit_mb=5)


def test_stored_member_whose_sizes_disagree():
    payload = npy(np.ones(3, np.float32))
    member = Member("arrays/0.npy", payload, file_size=len(payload) + 100)
    data = raw_zip([member, manifest_member([entry("arrays/0.npy", payload)], tensor_root("w"))])
    load_refused(data, "stored uncompressed but its zip header gives")


# ----------------------------------------------------------------------------------- item 16: no raw errors
def test_huge_npy_shape_is_refused_before_allocation():
    """An old-style manifest (no shape), a small honest zip header, a .npy header of 2**83 bytes."""
    payload = npy_header("<f8", (1 << 40, 1 << 40)) + bytes(8)
    data = raw_zip([Member("arrays/0.npy", payload),
                    manifest_member([entry("arrays/0.npy", payload)], tensor_root("w"))])
    error = load_refused(data, r"\.npy header declares shape \(1099511627776, 1099511627776\)")
    assert "tensor 'w' (arrays/0.npy)" in str(error)
    listed = entry("arrays/0.npy", payload, "<f8", (1 << 40, 1 << 40))
    load_refused(raw_zip([Member("arrays/0.npy", payload), manifest_member([listed], tensor_root("w"))]),
                 "manifest's dtype and shape make 9671406556917033397649408 bytes")


def test_huge_npy_header_length_is_refused_before_reading():
    payload = b"\x93NUMPY\x02\x00" + (1 << 31).to_bytes(4, "little") + b"{}"
    data = raw_zip([Member("arrays/0.npy", payload),
                    manifest_member([entry("arrays/0.npy", payload)], tensor_root("w"))])
    load_refused(data, r"not a plain \.npy array: its header claims 2147483648 bytes")


@pytest.mark.parametrize("method,name", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma"), (99, "number 99")])
@pytest.mark.parametrize("member", ["arrays/0.npy", "manifest.json"])
def test_unsupported_compression_method(method, name, member):
    """Real bzip2 and lzma members (which Python inflates without an output bound), and a method no
    one knows (zipfile's raw NotImplementedError before): RuntimeError naming the member."""
    original = io.BytesIO()
    save_old_format({"w": tg.ones(3)}, original)
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename),
                         compress_type=method if info.filename == member and method != 99 else zipfile.ZIP_STORED)
    data = bytearray(rebuilt.getvalue())
    if method == 99:                                           # patch the method in both headers
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            info = archive.getinfo(member)
        data[info.header_offset + 8:info.header_offset + 10] = struct.pack("<H", 99)
        central = next(i for i in range(len(data)) if data[i:i + 4] == b"PK\x01\x02"
                       and data[i + 46:i + 46 + len(member)] == member.encode())
        data[central + 10:central + 12] = struct.pack("<H", 99)
    error = load_refused(bytes(data), f"compression method {name}")
    assert member in str(error)


@pytest.mark.parametrize("depth", [450, 5_000, 100_000])
def test_deeply_nested_manifest(depth):
    """Nested lists: 450 deep loads (JSON and the rebuild both manage it); deeper, the JSON parser's
    RecursionError comes out as the RuntimeError any other damage gets."""
    root = '{"type": "list", "items": [' * depth + '{"type": "none"}' + "]}" * depth
    text = '{"format": "tinygrad_edu.checkpoint", "version": 1, "arrays": [], "root": ' + root + "}"
    data = raw_zip([Member("manifest.json", text.encode())])
    if depth > 1000:
        load_refused(data, "unreadable manifest.json .*nested too deeply")
        return
    out = load(io.BytesIO(data))
    for _ in range(depth):
        assert type(out) is list and len(out) == 1
        out = out[0]
    assert out is None
