"""tinygrad_edu.save / load in torch's file format, checked against real torch 2.13 both ways.

The oracle is torch itself: what torch.load(weights_only=True) reads from our files, what torch.save
writes for the same objects (file layout, values, dtypes, shapes, storage sharing), and torch models
and optimizers continuing from our checkpoints (and ours from theirs) step for step.
"""
import collections
import io
import pickle
import pickletools
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim

import torch

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
SHAPES = [(), (0,), (0, 3), (5,), (2, 3, 4)]


def ours_to_bytes(obj):
    buffer = io.BytesIO()
    tg.save(obj, buffer)
    return buffer.getvalue()


def torch_to_bytes(obj, new=True):
    buffer = io.BytesIO()
    torch.save(obj, buffer, _use_new_zipfile_serialization=new)
    return buffer.getvalue()


def values(name, shape):
    return np.asarray((np.arange(int(np.prod(shape))).reshape(shape) % 3 - 1), dtype=np.dtype(name if name != "bool" else "?"))


def assert_tensor_like(ours, theirs, where):
    """A tinygrad_edu tensor and a torch tensor with the same dtype name, shape, values, requires_grad."""
    assert str(theirs.dtype) == f"torch.{ours.dtype.name}", where
    assert tuple(ours.shape) == tuple(theirs.shape), where
    assert ours.requires_grad == theirs.requires_grad, where
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy(), err_msg=where)


# ----------------------------------------------------------------------------------- the file itself
def test_the_archive_has_torchs_members_and_records(tmp_path):
    ours = zipfile.ZipFile(io.BytesIO(ours_to_bytes({"w": tg.ones(2), "n": tg.tensor(3)})))
    theirs = zipfile.ZipFile(io.BytesIO(torch_to_bytes({"w": torch.ones(2), "n": torch.tensor(3)})))
    assert ours.namelist() == theirs.namelist()
    for name in ours.namelist():             # records and storage bytes: identical
        if name not in ("archive/.data/serialization_id", "archive/data.pkl"):
            assert ours.read(name) == theirs.read(name), name
    # the pickles: protocol 2, the same globals and the same persistent ids (memo opcodes may differ)
    def summary(data):
        ops = list(pickletools.genops(data))
        return ops[0][1], [(op.name, arg) for op, arg, _ in ops if op.name in ("GLOBAL", "BINPERSID", "BININT1")]
    assert summary(ours.read("archive/data.pkl")) == summary(theirs.read("archive/data.pkl"))
    assert len(ours.read("archive/.data/serialization_id")) == 40
    for info in ours.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        if "/data/" in info.filename:           # storages start at a multiple of 64 bytes, as torch aligns them
            assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0, info.filename
    tg.save({"w": tg.ones(2)}, tmp_path / "model.pth")      # torch names the folder after the file
    torch.save({"w": torch.ones(2)}, tmp_path / "ref.pth")
    assert zipfile.ZipFile(tmp_path / "model.pth").namelist()[0] == "model/data.pkl"
    assert zipfile.ZipFile(tmp_path / "ref.pth").namelist()[0] == "ref/data.pkl"
    assert list(torch.load(tmp_path / "model.pth", weights_only=True)) == ["w"]


# ----------------------------------------------------------------------------------- torch reads ours
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_torch_reads_our_tensors(dtype, shape):
    t = tg.from_numpy(values(dtype, shape))
    loaded = torch.load(io.BytesIO(ours_to_bytes({"t": t})), weights_only=True)
    assert_tensor_like(t, loaded["t"], f"{dtype}{shape}")


def test_torch_reads_our_views_with_storages_shared():
    x = tg.from_numpy(np.arange(24, dtype=np.float64).reshape(2, 3, 4))
    views = {"x": x, "t": x.transpose(0, 2), "s": x[1, :, ::2], "r": x[:, 1], "flip": x.flip(0)}
    loaded = torch.load(io.BytesIO(ours_to_bytes(views)), weights_only=True)
    for key, view in views.items():
        assert_tensor_like(view, loaded[key], key)
    base = loaded["x"].untyped_storage().data_ptr()
    assert loaded["t"].untyped_storage().data_ptr() == base and loaded["s"].untyped_storage().data_ptr() == base
    lone = torch.load(io.BytesIO(ours_to_bytes({"s": x[1, :, ::2]})), weights_only=True)["s"]
    assert lone.untyped_storage().nbytes() == 6 * 8          # a lone view is saved as its own values only


def test_torch_reads_parameters_requires_grad_and_plain_objects():
    w = nn.Parameter(tg.randn(2, 3))
    frozen = nn.Parameter(tg.randn(2), requires_grad=False)
    obj = {"w": w, "frozen": frozen, "rg": tg.ones(2, requires_grad=True), "none": None, "int": -(2 ** 70),
           "float": 0.1, "neg0": -0.0, "inf": float("-inf"), "str": "ünï ✓", "bytes": b"\x00\xffab",
           "tuple": (1, (2.5, "x"), []), "set": {1, 2}, "complex": 1 - 2j, "dtype": tg.float16,
           "device": tg.device("cpu"), "size": tg.Size([2, 3]), "ordered": collections.OrderedDict(b=1, a=2),
           3: "int key", (1, "a"): "tuple key", None: "none key"}
    loaded = torch.load(io.BytesIO(ours_to_bytes(obj)), weights_only=True)
    assert type(loaded["w"]) is torch.nn.Parameter and loaded["w"].requires_grad
    assert type(loaded["frozen"]) is torch.nn.Parameter and not loaded["frozen"].requires_grad
    assert_tensor_like(w, loaded["w"], "w")
    assert type(loaded["rg"]) is torch.Tensor and loaded["rg"].requires_grad and loaded["rg"].is_leaf
    expected = {k: v for k, v in obj.items() if not isinstance(v, tg.Tensor)}
    expected.update(dtype=torch.float16, device=torch.device("cpu"), size=torch.Size([2, 3]))
    for key, value in expected.items():
        assert loaded[key] == value and type(loaded[key]) is type(value), key
    assert str(loaded["neg0"]) == "-0.0" and list(loaded) == list(obj)


def test_torch_reads_a_module_state_dict_with_metadata():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    loaded = torch.load(io.BytesIO(ours_to_bytes(model.state_dict())), weights_only=True)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).state_dict()
    assert type(loaded) is collections.OrderedDict and list(loaded) == list(reference)
    # the metadata torch's load_state_dict reads (nn records version 1 for every module; torch's
    # BatchNorm says 2, which only matters for files without num_batches_tracked)
    assert list(loaded._metadata) == list(reference._metadata)
    assert all(set(entry) == {"version"} for entry in loaded._metadata.values())
    for key in reference:
        assert loaded[key].dtype == reference[key].dtype and loaded[key].shape == reference[key].shape


# ----------------------------------------------------------------------------------- we read torch's
def torch_objects():
    x = torch.arange(24.0).reshape(2, 3, 4)
    objects = {f"{d}{s}": torch.from_numpy(values(d, s)) for d in DTYPES for s in SHAPES}
    objects.update(x=x, t=x.transpose(0, 2), s=x[1, :, ::2], expanded=torch.ones(3, 1).expand(3, 4),
                   p=torch.nn.Parameter(torch.randn(2)), rg=torch.ones(2, requires_grad=True))
    return objects


@pytest.mark.parametrize("new", [True, False], ids=["zip", "legacy"])
def test_we_read_torchs_tensors(new):
    objects = torch_objects()
    loaded = tg.load(io.BytesIO(torch_to_bytes(objects, new)))
    assert list(loaded) == list(objects)
    for key, value in objects.items():
        assert_tensor_like(loaded[key], value, key)
    assert np.shares_memory(loaded["x"].numpy(), loaded["t"].numpy())      # one storage, as in torch
    assert np.shares_memory(loaded["x"].numpy(), loaded["s"].numpy())
    loaded["expanded"].add_(1)                # an expanded (overlapping) tensor comes back as a copy
    np.testing.assert_array_equal(loaded["expanded"].numpy(), np.full((3, 4), 2, np.float32))


@pytest.mark.parametrize("new", [True, False], ids=["zip", "legacy"])
def test_we_read_torchs_plain_objects(new):
    obj = {"none": None, "int": 2 ** 70, "float": 0.1, "str": "ü", "bytes": b"\xff", "tuple": (1, [2]),
           "set": {3}, "complex": 1j, "dtype": torch.int16, "device": torch.device("cpu"),
           "size": torch.Size([4]), "od": collections.OrderedDict(z=1)}
    loaded = tg.load(io.BytesIO(torch_to_bytes(obj, new)))
    expected = dict(obj, dtype=tg.int16, device=tg.device("cpu"), size=tg.Size([4]))
    for key, value in expected.items():
        assert loaded[key] == value and type(loaded[key]) is type(value), key


def test_bfloat16_comes_back_as_float32_with_a_warning():
    values_bf16 = torch.tensor([1.5, -2.25, 3.0e38, 1e-40, float("inf")], dtype=torch.bfloat16)
    with pytest.warns(UserWarning, match="bfloat16 storage.*float32"):
        loaded = tg.load(io.BytesIO(torch_to_bytes({"w": values_bf16})))
    assert loaded["w"].dtype == tg.float32
    np.testing.assert_array_equal(loaded["w"].numpy(), values_bf16.float().numpy())


def test_our_files_load_here_with_types_kept():
    x = tg.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4))
    obj = collections.OrderedDict(x=x, t=x.T, same=x, items=[x, (1, 2.5)], tensor_list=[tg.tensor(7)])
    loaded = tg.load(io.BytesIO(ours_to_bytes(obj)))
    assert type(loaded) is collections.OrderedDict and list(loaded) == list(obj)
    assert loaded["same"] is loaded["x"] and loaded["items"][0] is loaded["x"]
    np.testing.assert_array_equal(loaded["t"].numpy(), x.numpy().T)
    assert np.shares_memory(loaded["t"].numpy(), loaded["x"].numpy())
    assert not np.shares_memory(loaded["x"].numpy(), x.numpy())           # new arrays, not the saved ones
    assert loaded["tensor_list"][0].dtype == tg.int64 and loaded["items"][1] == (1, 2.5)


def test_numpy_objects_are_refused_at_save_with_a_hint():
    for obj in ({"a": np.ones(2)}, [np.float32(1.5)]):
        buffer = io.BytesIO()
        with pytest.raises(TypeError, match="weights_only.*from_numpy"):
            tg.save(obj, buffer)
        assert buffer.getvalue() == b""


def test_map_location_and_mmap_as_torch(tmp_path):
    path = tmp_path / "t.pth"
    torch.save({"a": torch.arange(5.0)}, path)
    for location in (None, "cpu", tg.device("cpu"), {"cpu": "cpu"}, lambda storage, loc: storage):
        np.testing.assert_array_equal(tg.load(path, map_location=location)["a"].numpy(), np.arange(5.0))
    for location in ("cuda", {"cpu": "cuda:0"}):
        with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
            tg.load(path, map_location=location)
    mapped = tg.load(path, mmap=True, weights_only=True)["a"]
    assert isinstance(mapped.numpy().base, np.memmap)
    mapped.add_(1)                                          # copy-on-write: the file is unchanged
    np.testing.assert_array_equal(torch.load(path)["a"].numpy(), np.arange(5.0))
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap argument"):
        tg.load(io.BytesIO(path.read_bytes()), mmap=True)
    torch.save({"a": torch.ones(1)}, tmp_path / "old.pth", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="mmap can only be used with files saved with"):
        tg.load(tmp_path / "old.pth", mmap=True)


def test_save_takes_torchs_keywords():
    buffer = io.BytesIO()
    tg.save({"w": tg.ones(2)}, buffer, pickle_module=pickle, pickle_protocol=4,
            _disable_byteorder_record=True)
    assert "archive/byteorder" not in zipfile.ZipFile(io.BytesIO(buffer.getvalue())).namelist()
    buffer.seek(0)
    np.testing.assert_array_equal(torch.load(buffer, weights_only=True)["w"].numpy(), np.ones(2, np.float32))
    with pytest.raises(NotImplementedError, match="legacy"):
        tg.save({"w": tg.ones(2)}, io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="pickle_protocol"):
        tg.save({"w": tg.ones(2)}, io.BytesIO(), pickle_protocol=1)


def test_a_whole_pickled_torch_model_is_refused_naming_its_class():
    """torch.save(model) pickles the module's class: torch's weights-only load refuses it, so does ours."""
    buffer = io.BytesIO()
    torch.save(torch.nn.Linear(2, 3), buffer)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.linear.Linear"):
        tg.load(io.BytesIO(buffer.getvalue()))
    with pytest.raises(pickle.UnpicklingError):
        torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
