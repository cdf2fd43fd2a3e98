"""Reductions and softmax against torch: numpy's argument names (axis=, keepdims=), which torch
accepts too, and torch's refusal of integer softmax."""
import numpy as np
import pytest

import tinygrad_edu as tg

import torch


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "argmax", "argmin", "prod", "std", "var",
                                  "logsumexp", "all", "any", "max", "min"])
def test_reductions_take_numpys_axis_and_keepdims_names(torch_ref, name):
    """torch accepts numpy's names axis= and keepdims= for dim= and keepdim=; so must we."""
    values = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    ours, theirs = tg.tensor(values), torch_ref.tensor(values)
    for kwargs in ({"axis": 1}, {"axis": 0, "keepdims": True}, {"dim": 1, "keepdims": True}):
        a, b = getattr(ours, name)(**kwargs), getattr(theirs, name)(**kwargs)
        a, b = (a[0], b[0]) if isinstance(b, tuple) else (a, b)
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy().astype(float), b.numpy().astype(float), rtol=1e-6)
    with pytest.raises(TypeError):
        getattr(ours, name)(1, axis=1)
    with pytest.raises(TypeError):
        getattr(theirs, name)(1, axis=1)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("values", [[[1, 2], [3, 4]], [[True, False], [False, False]]])
def test_softmax_of_integers_raises_like_torch(torch_ref, fn, dim, values):
    """torch has no integer softmax kernel and does not promote: it raises unless dtype= is given."""
    with pytest.raises(NotImplementedError) as theirs:
        getattr(torch_ref.tensor(values), fn)(dim)
    with pytest.raises(NotImplementedError) as ours:
        getattr(tg.tensor(values), fn)(dim)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(NotImplementedError):
        getattr(tg.nn.functional, fn)(tg.tensor(values), dim=dim)
    a = getattr(tg.tensor(values), fn)(dim, dtype=tg.float32)
    b = getattr(torch_ref.tensor(values), fn)(dim, dtype=torch_ref.float32)
    assert a.dtype == tg.float32
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
