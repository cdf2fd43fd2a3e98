"""tinygrad_edu.save / load: exact round trips, no code run from a file, clear errors on damaged files.

Expected values are the saved objects themselves (compared element by element, dtype and type
included); the damage tests build broken files by hand with zipfile and pickle. save writes torch's
format (tests/test_torch_checkpoint*.py check it against torch); the files of tinygrad_edu 0.1
(zip + manifest.json + .npy, written here by checkpoint_forge.save_old_format) must still load.
"""
import collections
import io
import json
import math
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, strategies as st

import tinygrad_edu as tg
from checkpoint_forge import save_old_format
from tinygrad_edu.serialization import load, save


def roundtrip(obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer)


def assert_same(a, b, where="root"):
    """Deep equality that also checks types, dtypes, shapes, requires_grad and -0.0 / nan."""
    assert type(a) is type(b) or (isinstance(a, tg.Tensor) and isinstance(b, tg.Tensor)), where
    if isinstance(a, tg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.numpy().dtype == b.numpy().dtype, where
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), where
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert type(key) is type(next(k for k in b if k == key)), where
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b)), where
    else:
        assert a == b, where


def state_dict():
    rng = np.random.default_rng(0)
    return collections.OrderedDict([
        ("fc2.weight", tg.from_numpy(rng.standard_normal((4, 3)).astype(np.float32))),
        ("fc1.weight", tg.from_numpy(rng.standard_normal((3, 5)).astype(np.float32))),
        ("fc1.bias", tg.from_numpy(np.zeros(3, np.float32))),
        ("bn.num_batches_tracked", tg.tensor(7)),
        ("bn.running_var", tg.from_numpy(rng.random(3))),
    ])


# ----------------------------------------------------------------------------------- round trips
def test_state_dict_roundtrip_keeps_order_and_ordereddict(tmp_path):
    sd = state_dict()
    path = tmp_path / "model.tge"
    save(sd, path)
    loaded = load(str(path))
    assert isinstance(loaded, collections.OrderedDict)
    assert list(loaded) == list(sd)
    assert_same(sd, loaded)
    assert [p.name for p in tmp_path.iterdir()] == ["model.tge"]     # no temporary file left behind


def test_plain_dict_stays_dict():
    out = roundtrip({"b": 1, "a": 2})
    assert type(out) is dict and list(out) == ["b", "a"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16,
                                   np.int8, np.uint8, np.bool_])
@pytest.mark.parametrize("shape", [(), (0,), (0, 3), (5,), (2, 3, 4)])
def test_tensor_dtypes_and_shapes(dtype, shape):
    values = np.asarray(np.arange(int(np.prod(shape))).reshape(shape) % 3, dtype=dtype)
    t = tg.from_numpy(values)
    out = roundtrip({"t": t})
    assert_same({"t": t}, out)
    assert out["t"].dtype == t.dtype


def test_non_contiguous_tensors():
    base = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    views = [base.transpose(2, 0, 1), base[:, ::2, 1:], np.asfortranarray(base), base[1, :, 3], base[::-1]]
    for together in (True, False):            # sharing one storage (torch's way) or each alone
        out = roundtrip([tg.from_numpy(v) for v in views] if together else [[tg.from_numpy(v)] for v in views])
        for original, loaded in zip(views, out):
            data = (loaded if together else loaded[0]).numpy()
            assert data.shape == original.shape
            np.testing.assert_array_equal(data, original)


def test_requires_grad_preserved():
    w = tg.randn(3, 2, requires_grad=True)
    out = roundtrip({"w": w, "b": tg.zeros(2)})
    assert out["w"].requires_grad and out["w"].is_leaf and out["w"].grad is None
    assert not out["b"].requires_grad
    (out["w"] * 2).sum().backward()
    np.testing.assert_array_equal(out["w"].grad.numpy(), np.full((3, 2), 2, np.float32))


def test_optimizer_state_dict_with_int_keys():
    sd = {
        "state": {0: {"step": tg.tensor(3.0), "exp_avg": tg.ones(2, 2), "exp_avg_sq": tg.zeros(2, 2)},
                  1: {"step": tg.tensor(3.0), "momentum_buffer": None}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                          "amsgrad": False, "foreach": None, "maximize": False, "params": [0, 1],
                          "name": "全部参数"}],
    }
    out = roundtrip(sd)
    assert_same(sd, out)
    assert list(out["state"]) == [0, 1] and isinstance(out["param_groups"][0]["betas"], tuple)


def test_python_scalars_exact():
    values = [0.1, -0.0, float("inf"), float("-inf"), float("nan"), 1e-310, 2 ** 70, -2 ** 2000, -5, 255, 256, 65536,
              -2 ** 31, 2 ** 31, True, False, None, "", "ünïcode ✓", "\ud800", b"", b"\x00\xff", 1.5 - 0j, {1, "a"}]
    out = roundtrip(values)
    assert_same(values, out)


def test_numpy_values_of_old_files_still_load():
    values = [np.float64(0.25), np.float32(1.5), np.int64(-3), np.bool_(True), np.arange(3, dtype=np.int16)]
    buffer = io.BytesIO()
    save_old_format(values, buffer)
    buffer.seek(0)
    assert_same(values, load(buffer))


def test_keys_of_many_kinds():
    obj = {1: "int", "1": "str", 2.5: "float", None: "none", False: "bool", (1, "a"): "tuple"}
    assert_same(obj, roundtrip(obj))


def test_loaded_tensors_are_new_and_independent():
    t = tg.ones(3)
    buffer = io.BytesIO()
    save({"t": t}, buffer)
    first = load(io.BytesIO(buffer.getvalue()))["t"]
    t._data[...] = 5                     # changing the original after saving changes nothing saved
    first.data[...] = 7
    second = load(io.BytesIO(buffer.getvalue()))["t"]
    np.testing.assert_array_equal(second.numpy(), np.ones(3, np.float32))
    assert not np.shares_memory(first.numpy(), t.numpy())


def test_shared_tensor_stays_shared():
    t = tg.ones(2)
    out = roundtrip({"a": t, "b": [t]})
    assert out["a"] is out["b"][0]


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=5) | st.integers(), children, max_size=4),
    max_leaves=12))
def test_nested_python_structures(obj):
    assert_same(obj, roundtrip(obj))


def test_file_objects_and_paths(tmp_path):
    sd = state_dict()
    with open(tmp_path / "a.tge", "wb") as f:
        save(sd, f)
    with open(tmp_path / "a.tge", "rb") as f:
        assert_same(sd, load(f, map_location="cpu", weights_only=True))
    save(sd, tmp_path / "a.tge")         # overwriting an existing checkpoint
    assert_same(sd, load(tmp_path / "a.tge"))


# ----------------------------------------------------------------------------------- what cannot be saved
class Custom:
    pass


@pytest.mark.parametrize("obj,type_name,where", [
    ({"a": {"b": [1, lambda: 0]}}, "function", "a['b'][1]"),
    ({"model": Custom()}, "Custom", "model"),
    ([frozenset({1, 2})], "frozenset", "[0]"),
    ({"x": np.array([object()])}, "numpy ndarray", "x"),
    ({"x": {object(): 1}}, "object", "x"),
    (Custom(), "Custom", "<root>"),
])
def test_unsaveable_objects_raise_type_error(obj, type_name, where):
    buffer = io.BytesIO()
    with pytest.raises(TypeError) as info:
        save(obj, buffer)
    assert type_name in str(info.value) and where in str(info.value)
    assert buffer.getvalue() == b""       # nothing written


def test_self_reference_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="itself"):
        save(loop, io.BytesIO())


# ----------------------------------------------------------------------------------- damaged files
def saved_bytes(obj, writer=save_old_format):
    buffer = io.BytesIO()
    writer(obj, buffer)
    return buffer.getvalue()


def member_offset(data, name):
    """Offset in ``data`` of the first byte of member ``name``'s stored payload."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    header = data[info.header_offset:info.header_offset + 30]
    name_len, extra_len = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len


def array_member(data, where):
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    return next(entry["member"] for entry in manifest["arrays"] if entry["where"] == where)


def test_flipped_bit_in_payload():
    data = bytearray(saved_bytes(state_dict()))
    position = member_offset(bytes(data), array_member(bytes(data), "fc1.weight")) + 140   # inside the values
    data[position] ^= 0x04
    with pytest.raises(RuntimeError, match="checksum mismatch for tensor 'fc1.weight'"):
        load(io.BytesIO(bytes(data)))


def test_payload_replaced_with_valid_crc_is_caught_by_sha256():
    original = saved_bytes(state_dict())
    target = array_member(original, "fc1.bias")
    rebuilt = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for name in src.namelist():
            payload = src.read(name)
            if name == target:           # same header, different numbers: a well-formed .npy
                payload = payload[:-4] + np.float32(9).tobytes()
            dst.writestr(name, payload)
    with pytest.raises(RuntimeError, match="checksum mismatch for tensor 'fc1.bias'"):
        load(io.BytesIO(rebuilt.getvalue()))


@pytest.mark.parametrize("writer", [save, save_old_format], ids=["torch-format", "old-format"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated_file(keep, writer):
    data = saved_bytes(state_dict(), writer)
    with pytest.raises(RuntimeError, match="truncated"):
        load(io.BytesIO(data[:int(len(data) * keep)]))


def test_garbage_and_empty_files():
    for data in (b"", b"hello world" * 10):
        with pytest.raises(RuntimeError, match="not a tinygrad_edu checkpoint"):
            load(io.BytesIO(data))


def edit_manifest(data, change):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            payload = src.read(name)
            if name == "manifest.json":
                manifest = json.loads(payload)
                change(manifest)
                payload = json.dumps(manifest).encode()
            dst.writestr(name, payload)
    return out.getvalue()


@pytest.mark.parametrize("change,message", [
    (lambda m: m.update(version=99), "version 99"),
    (lambda m: m.update(format="other"), "not a tinygrad_edu checkpoint"),
    (lambda m: m["root"].update(type="pickle"), "unknown node type"),
    (lambda m: m["arrays"].pop(), "not listed"),
    (lambda m: m.pop("root"), "malformed manifest"),
])
def test_edited_manifest(change, message):
    data = edit_manifest(saved_bytes({"w": tg.ones(2), "n": 1}), change)
    with pytest.raises(RuntimeError, match=message):
        load(io.BytesIO(data))


# ----------------------------------------------------------------------------------- no code ever runs
class CreatesFile:
    """Unpickling an instance calls open(path, 'w'): the file appearing proves code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_malicious_pickle_really_runs_code(tmp_path):
    marker = tmp_path / "probe"
    pickle.loads(pickle.dumps(CreatesFile(marker))).close()
    assert marker.exists()              # so the absence of the marker below means something


def test_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pth"
    path.write_bytes(pickle.dumps({"weights": CreatesFile(marker)}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="global (__builtin__|builtins|io).open"):
        load(path)
    assert not marker.exists()


def test_torch_style_zip_with_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(CreatesFile(marker)))
        archive.writestr("archive/version", "3\n")
    with pytest.raises(pickle.UnpicklingError, match="global (__builtin__|builtins|io).open"):
        load(path)
    assert not marker.exists()
