"""Comparing one library's result with the other's: structure, Python types, shapes, dtypes (exactly),
requires_grad and values. Every failure message says where in the result it is and both sides."""
import numpy as np
import torch

import tinygrad_edu as tg

# |ours - torch| <= atol + rtol |torch|. float64 is tight on purpose: a float64 result computed
# through float32 is off by ~1e-8 relative and must fail.
TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-10, 1e-12), "float16": (1e-3, 1e-3)}


def dtype_name(dtype):
    return str(dtype).rsplit(".", 1)[-1]


def ours_array(x):
    return np.asarray(x._data)


def torch_array(x):
    return x.detach().numpy(force=True)  # force: torch's ZeroTensor (a second derivative that is zero)


def assert_close_arrays(ours, theirs, dtype, where):
    assert ours.shape == theirs.shape, f"{where}: shape {ours.shape} vs torch {theirs.shape}"
    if dtype in TOLERANCES:
        rtol, atol = TOLERANCES[dtype]
        ours64, theirs64 = ours.astype(np.float64), theirs.astype(np.float64)
        same_nan = np.array_equal(np.isnan(ours64), np.isnan(theirs64))
        assert same_nan, f"{where}: NaNs differ\nours  {ours}\ntorch {theirs}"
        ok = np.isclose(ours64, theirs64, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            err = np.abs(ours64 - theirs64)
            raise AssertionError(f"{where}: {int((~ok).sum())} of {ok.size} values differ (max |diff| "
                                 f"{np.nanmax(err):.3g}, {dtype} rtol {rtol} atol {atol})\n"
                                 f"ours  {ours.ravel()[:8]}\ntorch {theirs.ravel()[:8]}")
    else:
        assert np.array_equal(ours, theirs), f"{where}: values differ\nours  {ours}\ntorch {theirs}"


def assert_same_tensor(ours, theirs, where, compare="values"):
    assert isinstance(ours, tg.Tensor), f"{where}: ours is {type(ours).__name__}, torch gives a Tensor"
    shape, their_shape = tuple(ours.shape), tuple(theirs.shape)
    assert shape == their_shape, f"{where}: shape {shape} vs torch {their_shape}"
    d_ours, d_theirs = dtype_name(ours.dtype), dtype_name(theirs.dtype)
    assert d_ours == d_theirs, f"{where}: dtype {d_ours} vs torch {d_theirs}"
    assert ours_array(ours).dtype == torch_array(theirs).dtype, \
        f"{where}: the array's dtype {ours_array(ours).dtype} disagrees with .dtype {d_ours}"
    assert ours.requires_grad == theirs.requires_grad, \
        f"{where}: requires_grad {ours.requires_grad} vs torch {theirs.requires_grad}"
    if compare == "values":
        assert_close_arrays(ours_array(ours), torch_array(theirs), d_theirs, where)
    elif compare == "exact":
        o, th = ours_array(ours), torch_array(theirs)
        assert np.array_equal(o, th, equal_nan=o.dtype.kind == "f"), \
            f"{where}: values differ (exactly)\nours  {o.ravel()[:8]!r}\ntorch {th.ravel()[:8]!r}"
    elif callable(compare):
        compare(ours_array(ours), torch_array(theirs))


def assert_same(ours, theirs, where="out", compare="values"):
    """ours (tinygrad_edu) agrees with theirs (torch), recursively through tuples and lists."""
    if isinstance(theirs, torch.Tensor):
        return assert_same_tensor(ours, theirs, where, compare)
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)), f"{where}: ours is {type(ours).__name__}, torch a sequence"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} items vs torch {len(theirs)}"
        for field in ("values", "indices"):
            if hasattr(theirs, field):
                assert hasattr(ours, field), f"{where}: ours has no .{field} (torch's {type(theirs).__name__} has)"
        for i, (o, th) in enumerate(zip(ours, theirs)):
            assert_same(o, th, f"{where}[{i}]", compare)
        return None
    if isinstance(theirs, torch.Generator):
        assert type(ours).__name__ == "Generator", f"{where}: ours is {type(ours).__name__}, torch a Generator"
        return None
    assert type(ours) is type(theirs), f"{where}: ours is {type(ours).__name__} {ours!r}, torch {type(theirs).__name__}"
    assert ours == theirs, f"{where}: {ours!r} vs torch {theirs!r}"
    return None


def tensors_of(out):
    """The Tensors in a result, in order (through tuples and lists)."""
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in tensors_of(o)]
    return [out] if isinstance(out, (tg.Tensor, torch.Tensor)) else []


def differentiable(out):
    """The output tensors that require grad (float results recorded in the graph)."""
    return [x for x in tensors_of(out) if x.requires_grad]
