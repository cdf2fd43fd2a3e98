"""What load gives back: only the engine's dtypes, requires_grad only on floating tensors, and files
of every layout save has written (with and without the dtype and shape the manifest now lists).

The dtype oracle is real torch: every dtype load returns is one torch.from_numpy maps to the torch
dtype of the same name, and requires_grad after a round trip is what torch.save/torch.load give.
"""
import io
import json
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from checkpoint_forge import Member, entry, load_refused, manifest_member, npy, raw_zip, save_old_format, \
    tensor_root
from tinygrad_edu.serialization import load, save

import torch

ENGINE = [np.float16, np.float32, np.float64, np.uint8, np.int8, np.int16, np.int32, np.int64, np.bool_]
FOREIGN = {
    "str": np.array(["ab", "c"]),
    "bytes": np.array([b"ab", b"c"]),
    "structured": np.zeros(2, dtype=[("a", "<f4"), ("b", "<i8")]),
    "structured-subarray": np.zeros(2, dtype=[("a", "<f4", (3,))]),
    "complex64": np.ones(2, np.complex64),
    "complex128": np.ones(2, np.complex128),
    "uint16": np.ones(2, np.uint16),
    "uint64": np.ones(2, np.uint64),
    "longdouble": np.ones(2, np.longdouble),
    "datetime": np.array(["2020-01-01"], dtype="datetime64[D]"),
    "timedelta": np.array([3], dtype="timedelta64[s]"),
    "void": np.zeros(2, dtype="V4"),
}


def saved(obj):
    """A checkpoint in the format of tinygrad_edu 0.1 (the one this file checks)."""
    buffer = io.BytesIO()
    save_old_format(obj, buffer)
    return buffer.getvalue()


def with_member(array, listed, kind="tensor", requires_grad=False):
    """A checkpoint of one array as an older save (listed=False) or a forger would write it."""
    payload = npy(array)
    node = {"type": kind, "array": 0}
    if kind == "tensor":
        node["requires_grad"] = requires_grad
    described = entry("arrays/0.npy", payload, array.dtype.str if listed else None, array.shape,
                      kind={"ndarray": "array"}.get(kind, kind))
    root = {"type": "dict", "items": [[{"type": "str", "value": "w"}, node]]}
    return raw_zip([Member("arrays/0.npy", payload), manifest_member([described], root)])


# ----------------------------------------------------------------------------------- item 14
@pytest.mark.parametrize("name", sorted(FOREIGN))
@pytest.mark.parametrize("kind", ["tensor", "ndarray"])
@pytest.mark.parametrize("listed", [False, True], ids=["old-manifest", "manifest-lists-dtype"])
def test_foreign_dtypes_are_refused(name, kind, listed):
    array = FOREIGN[name]
    error = load_refused(with_member(array, listed, kind), "which tinygrad_edu does not have")
    assert repr(array.dtype.str) in str(error) and "arrays/0.npy" in str(error)


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_save_refuses_what_load_would(name):
    with pytest.raises(TypeError, match="cannot save a numpy ndarray at 'x'"):
        save({"x": FOREIGN[name]}, io.BytesIO())
    with pytest.raises(TypeError, match="cannot save a numpy"):
        save([FOREIGN[name][0]], io.BytesIO())                    # its numpy scalar too


def test_object_array_with_a_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class CreatesFile:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([CreatesFile()], dtype=object), allow_pickle=True)
    payload = buffer.getvalue()
    assert b"pwned" in payload and pickle.loads(payload[payload.index(b"\x80"):]) is not None
    assert marker.exists()                                     # the payload really runs code ...
    marker.unlink()
    data = raw_zip([Member("arrays/0.npy", payload),
                    manifest_member([entry("arrays/0.npy", payload)], tensor_root("w"))])
    load_refused(data, "dtype '\\|O', which tinygrad_edu does not have")
    assert not marker.exists()                                 # ... and load did not run it


@pytest.mark.parametrize("dtype", ENGINE)
def test_engine_dtypes_round_trip_as_torch_does(dtype):
    values = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    floating = np.issubdtype(dtype, np.floating)
    ours = load(io.BytesIO(saved({"t": tg.tensor(values, requires_grad=floating), "a": values})))
    buffer = io.BytesIO()
    torch.save({"t": torch.tensor(values, requires_grad=floating)}, buffer)
    buffer.seek(0)
    theirs = torch.load(buffer)["t"]
    assert torch.from_numpy(ours["t"].detach().numpy()).dtype == theirs.dtype
    assert str(ours["t"].dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert ours["t"].requires_grad == theirs.requires_grad == floating
    assert ours["a"].dtype == values.dtype
    np.testing.assert_array_equal(ours["t"].detach().numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_non_floating_tensor_marked_requires_grad_comes_back_without(dtype):
    """save never marks one (torch cannot make one: it raises); an edited manifest does not either."""
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor(np.ones(2, dtype)).requires_grad_()
    assert not load(io.BytesIO(saved({"w": tg.tensor(np.ones(2, dtype))})))["w"].requires_grad
    out = load(io.BytesIO(with_member(np.ones(2, dtype), True, requires_grad=True)))["w"]
    assert out.requires_grad is False and out.dtype == tg.from_numpy(np.ones(2, dtype)).dtype
    assert load(io.BytesIO(with_member(np.ones(2, np.float32), True, requires_grad=True)))["w"].requires_grad


def test_requires_grad_must_be_a_bool():
    load_refused(with_member(np.ones(2, np.float32), True, requires_grad="yes"), "requires_grad 'yes'")


def test_big_endian_members():
    """A .npy written on a big-endian machine: a tensor gets the machine's order, an ndarray keeps its own."""
    values = np.arange(5, dtype=">f4")
    tensor = load(io.BytesIO(with_member(values, True)))["w"]
    assert tensor.dtype == tg.float32 and tensor.numpy().dtype.isnative
    np.testing.assert_array_equal(tensor.numpy(), values)
    array = load(io.BytesIO(with_member(values, True, kind="ndarray")))["w"]
    assert array.dtype == values.dtype
    np.testing.assert_array_equal(array, values)


def test_fortran_order_member():
    values = np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))
    np.testing.assert_array_equal(load(io.BytesIO(with_member(values, True)))["w"].numpy(), values)


# ----------------------------------------------------------------------------------- layouts of the format
def strip_listed(data):
    """The same checkpoint as a save from before the manifest listed dtype and shape."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            payload = src.read(name)
            if name == "manifest.json":
                manifest = json.loads(payload)
                for item in manifest["arrays"]:
                    del item["dtype"], item["shape"]
                payload = json.dumps(manifest).encode()
            dst.writestr(name, payload)
    return out.getvalue()


def test_manifest_lists_dtype_and_shape_and_older_files_still_load():
    sd = {"w": tg.randn(3, 2, requires_grad=True), "n": tg.tensor(7), "e": tg.zeros(0, 4, dtype=tg.float64),
          "s": np.float32(1.5), "a": np.arange(3, dtype=np.int16)}
    data = saved(sd)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert [(item["dtype"], item["shape"]) for item in manifest["arrays"]] == \
        [("<f4", [3, 2]), ("<i8", []), ("<f8", [0, 4]), ("<f4", []), ("<i2", [3])]
    for variant in (data, strip_listed(data)):
        out = load(io.BytesIO(variant))
        np.testing.assert_array_equal(out["w"].detach().numpy(), sd["w"].detach().numpy())
        assert out["w"].requires_grad and out["n"].item() == 7 and out["e"].shape == (0, 4)
        assert type(out["s"]) is np.float32 and out["a"].dtype == np.int16


@pytest.mark.parametrize("change,message", [
    (lambda m: m["arrays"][0].update(shape=[300, 200]), "manifest's dtype and shape make 240000 bytes"),
    (lambda m: m["arrays"][0].update(shape=[2, 3]),
     r"header gives dtype <f4 and shape \(3, 2\), the manifest <f4 and \[2, 3\]"),
    (lambda m: m["arrays"][0].update(dtype="<i4"), r"\.npy header gives dtype <f4 and shape \(3, 2\)"),
    (lambda m: m["arrays"][0].update(dtype="<U2"), "has dtype '<U2', which tinygrad_edu does not have"),
    (lambda m: m["arrays"][0].update(shape=[3, -2]), "malformed dtype or shape"),
    (lambda m: m["arrays"][0].update(member=7), "malformed manifest entry 0"),
    (lambda m: m["root"]["items"][1][1].update(type="ndarray"), "used both as a tensor and as a ndarray"),
    (lambda m: m["root"]["items"][0][1].update(type="npscalar"), r"numpy scalar 'w' has shape \(3, 2\)"),
])
def test_manifest_that_disagrees_with_its_members(change, message):
    shared = tg.ones(3, 2)
    data = saved({"w": shared, "again": shared})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            payload = src.read(name)
            if name == "manifest.json":
                manifest = json.loads(payload)
                change(manifest)
                payload = json.dumps(manifest).encode()
            dst.writestr(name, payload)
    load_refused(out.getvalue(), message)
