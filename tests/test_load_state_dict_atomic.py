"""load_state_dict is all or nothing: every value is checked (and, with assign=True, every new
Parameter made) before the first copy, so a failed load leaves every parameter and buffer exactly
as it was: same arrays, same values, same dtypes, same version counters.

torch itself copies as it checks and half-loads; the tests show that on real torch, then compare
our error class and message with torch's (torch's copy failure is provoked with a meta tensor,
ours with a value of a dtype the engine cannot cast: a string, structured or complex array).
"""
import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from tinygrad_edu.tensor import Tensor

import torch

BAD = {
    "str": lambda shape: np.full(shape, "1.5"),                 # numpy would even parse this one: still refused
    "structured": lambda shape: np.zeros(shape, dtype=[("a", "<f4"), ("b", "<f4")]),
    "complex": lambda shape: np.ones(shape, np.complex128),
    "object": lambda shape: np.full(shape, None, dtype=object),
}


def model(nn):
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def snapshot(module):
    """Everything a half-load could change, per entry: the array object, its values, dtype and version."""
    return {name: (t._data, t._data.copy(), t._data.dtype, t._version[0])
            for name, t in module.state_dict(keep_vars=True).items()}


def assert_untouched(module, before):
    after = snapshot(module)
    assert list(after) == list(before)
    for name, (array, values, dtype, version) in before.items():
        now = after[name]
        assert now[0] is array and now[2] == dtype and now[3] == version, name
        np.testing.assert_array_equal(now[1], values, err_msg=name)


def without_exception_text(message):
    return re.sub(r"an exception occurred : \(.*?\)\.", "an exception occurred : (...).",
                  str(message).replace("tinygrad_edu.", "torch."))


def ones_like_state(module, lib):
    """Every entry as ones: float64 for the floating ones (load_state_dict casts them), others as they are."""
    return {k: lib.ones(tuple(v.shape), dtype=lib.float64 if v.dtype.is_floating_point else v.dtype)
            for k, v in module.state_dict().items()}


@pytest.mark.parametrize("bad", sorted(BAD))
@pytest.mark.parametrize("key", ["0.weight", "1.running_var", "2.bias"])
@pytest.mark.parametrize("strict", [True, False])
def test_uncastable_value_leaves_the_module_as_it_was(bad, key, strict):
    ours, ref = model(tnn), model(torch.nn)
    sd, torch_sd = ones_like_state(ours, tg), ones_like_state(ref, torch)
    sd[key] = Tensor._wrap(BAD[bad](tuple(sd[key].shape)))
    torch_sd[key] = torch.empty(torch_sd[key].shape, device="meta")      # a value torch cannot copy
    before = snapshot(ours)
    with pytest.raises(RuntimeError) as theirs:
        ref.load_state_dict(torch_sd, strict=strict)
    with pytest.raises(RuntimeError) as info:
        ours.load_state_dict(sd, strict=strict)
    assert type(info.value) is RuntimeError
    assert without_exception_text(info.value) == without_exception_text(theirs.value)
    assert "can't convert np.ndarray of type" in str(info.value)
    assert_untouched(ours, before)
    if key != "0.weight":                                # torch half-loads: what came before the bad key is in
        assert torch.equal(ref[0].weight.detach(), torch.ones(4, 3))


def test_missing_key_and_uncastable_value_together_match_torch():
    ours, ref = model(tnn), model(torch.nn)
    sd, torch_sd = ones_like_state(ours, tg), ones_like_state(ref, torch)
    del sd["2.bias"], torch_sd["2.bias"]
    sd["1.running_var"] = Tensor._wrap(BAD["structured"]((4,)))
    torch_sd["1.running_var"] = torch.empty(4, device="meta")
    sd["extra"], torch_sd["extra"] = tg.zeros(1), torch.zeros(1)
    before = snapshot(ours)
    with pytest.raises(RuntimeError) as theirs:
        ref.load_state_dict(torch_sd)
    with pytest.raises(RuntimeError) as info:
        ours.load_state_dict(sd)
    assert without_exception_text(info.value) == without_exception_text(theirs.value)
    assert_untouched(ours, before)


def test_assign_that_cannot_make_a_parameter_leaves_the_module_as_it_was():
    """assign=True with an int64 weight: Parameter(value, requires_grad=True) fails, in torch as here."""
    ours, ref = model(tnn), model(torch.nn)
    sd, torch_sd = ones_like_state(ours, tg), ones_like_state(ref, torch)
    sd["2.weight"] = tg.ones(2, 4, dtype=tg.int64)
    torch_sd["2.weight"] = torch.ones(2, 4, dtype=torch.int64)
    before = snapshot(ours)
    with pytest.raises(RuntimeError) as theirs:
        ref.load_state_dict(torch_sd, assign=True)
    with pytest.raises(RuntimeError) as info:
        ours.load_state_dict(sd, assign=True)
    assert without_exception_text(info.value) == without_exception_text(theirs.value)
    assert "floating point" in str(info.value) and "floating point" in str(theirs.value)
    assert_untouched(ours, before)
    assert ref[0].weight.dtype == torch.float64                # torch assigned the keys before the bad one


def test_successful_assign_and_copy_still_match_torch():
    for assign in (False, True):
        ours, ref = model(tnn), model(torch.nn)
        sd, torch_sd = ones_like_state(ours, tg), ones_like_state(ref, torch)
        ours.load_state_dict(sd, assign=assign)
        ref.load_state_dict(torch_sd, assign=assign)
        for (name, mine), (_, theirs) in zip(ours.state_dict(keep_vars=True).items(),
                                             ref.state_dict(keep_vars=True).items()):
            assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1], (assign, name)
            assert mine.requires_grad == theirs.requires_grad, (assign, name)
            np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def test_nan_into_an_integer_buffer_loads_even_when_warnings_are_errors():
    """A cast numpy warns about must not turn into an exception halfway through the copies."""
    ours, ref = model(tnn), model(torch.nn)
    sd, torch_sd = ones_like_state(ours, tg), ones_like_state(ref, torch)
    sd["1.num_batches_tracked"] = tg.tensor(float("nan"), dtype=tg.float64)
    torch_sd["1.num_batches_tracked"] = torch.tensor(float("nan"), dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref.load_state_dict(torch_sd)
        ours.load_state_dict(sd)
    assert ours[1].num_batches_tracked.dtype == tg.int64
    np.testing.assert_array_equal(ours[2].bias.detach().numpy(), np.ones(2, np.float32))
