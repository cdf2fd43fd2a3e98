"""Branches of the training-loop fast paths that the other test files do not reach: nn.Linear and the
weighted loss modules reading their registries directly, the cross_entropy / nll_loss target checks,
SGD's per-group step and the DataLoader's row gather."""
import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim
from tinygrad_edu.utils.data import DataLoader, TensorDataset, default_collate

import torch
RNG = np.random.default_rng(7)


def _f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


# ---- nn.Linear reads its registry directly, but still honours replaced parameters ----------------
@pytest.mark.parametrize("bias", [True, False])
def test_linear_uses_plain_attributes_after_its_parameters_are_deleted(bias):
    x, w, b = _f32(4, 3), _f32(2, 3), _f32(2)
    ours, theirs = nn.Linear(3, 2, bias=bias), torch.nn.Linear(3, 2, bias=bias)
    for m, make in ((ours, te.tensor), (theirs, torch.tensor)):
        del m.weight
        m.weight = make(w)  # a plain tensor: an ordinary attribute from now on, in torch too
        if bias:
            del m.bias
            m.bias = make(b)
    expected = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(ours(te.tensor(x))._data, expected, rtol=1e-6)
    assert "weight" not in ours._parameters and "weight" not in dict(theirs.named_parameters())


@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss", "BCELoss"])
def test_weighted_losses_use_a_weight_set_again_as_a_plain_attribute(name):
    bce = name == "BCELoss"
    x = RNG.random((4, 3)).astype(np.float32) if bce else _f32(4, 3)
    t = RNG.random((4, 3)).astype(np.float32) if bce else np.array([0, 2, 1, 2])
    w = np.linspace(0.5, 2.0, 3, dtype=np.float32)
    results = []
    for lib, make in ((nn, te.tensor), (torch.nn, torch.tensor)):
        loss = getattr(lib, name)(weight=make(w))
        results.append(float(loss(make(x), make(t))))
        del loss.weight
        loss.weight = make(w[::-1].copy())  # a plain attribute now, in torch too
        results.append(float(loss(make(x), make(t))))
    np.testing.assert_allclose(results[:2], results[2:], rtol=1e-6)
    assert results[0] != results[1]


# ---- class-index targets: the one-reduction range check and the skipped ignore mask ----------------
def _parity(fn, x, t, **kwargs):
    """Loss and input gradient of nn.functional.`fn` against torch's; ndarray kwargs become tensors."""
    results = []
    for lib, make in ((nn.functional, te.tensor), (torch.nn.functional, torch.tensor)):
        xt = make(x.copy(), requires_grad=True)
        kw = {k: make(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        loss = getattr(lib, fn)(xt, make(t), **kw)
        if loss.numel() and not np.isnan(float(loss.detach().sum())):  # no gradient through a nan mean
            loss.sum().backward()
        results.append((np.asarray(loss.detach()), None if xt.grad is None else np.asarray(xt.grad)))
    (ours, ours_grad), (ref, ref_grad) = results
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
    assert (ours_grad is None) == (ref_grad is None)
    if ref_grad is not None:
        np.testing.assert_allclose(ours_grad, ref_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("targets, kwargs", [
    ([1, 4, 0, 2], {}),                                   # all in range: no mask is built
    ([1, 7, 0, 7], {"ignore_index": 7}),                  # ignore_index above the classes, present
    ([1, -1, 0, 2], {"ignore_index": -1}),                # a negative ignore_index, present
    ([1, 3, 0, 2], {"ignore_index": 3}),                  # ignore_index is a class: masked
    ([1, 3, 0, 2], {"ignore_index": 4, "reduction": "none"}),  # ignore_index a class, absent
    ([1, 4, 0, 2], {"weight": np.linspace(0.5, 2, 5, dtype=np.float32), "ignore_index": 9}),
])
def test_index_targets_match_torch(fn, targets, kwargs):
    _parity(fn, _f32(4, 5), np.array(targets, np.int64), **kwargs)


def test_uint8_and_empty_targets_match_torch():
    _parity("cross_entropy", _f32(3, 5), np.array([4, 0, 2], np.uint8))
    _parity("cross_entropy", _f32(0, 5), np.zeros(0, np.int64))               # mean of nothing: nan
    _parity("nll_loss", _f32(0, 5), np.zeros(0, np.int64), reduction="sum")


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("targets, kwargs", [
    ([1, -2, 0], {}), ([1, -2, 0], {"ignore_index": 1}), ([1, 5, -100], {}), ([1, 2**62, 0], {}),
    ([1, 4, 9], {"ignore_index": 4}),
])
def test_out_of_range_targets_raise_torchs_error(fn, targets, kwargs):
    x, t = _f32(3, 5), np.array(targets, np.int64)
    with pytest.raises(IndexError) as theirs:
        getattr(torch.nn.functional, fn)(torch.tensor(x), torch.tensor(t), **kwargs)
    bad = next(v for v in targets if v != kwargs.get("ignore_index", -100) and not 0 <= v < 5)
    with pytest.raises(IndexError, match=f"^Target {bad} is out of bounds.$"):
        getattr(nn.functional, fn)(te.tensor(x), te.tensor(t), **kwargs)
    assert f"Target {bad} is out of bounds" in str(theirs.value)


# ---- SGD: hyper-parameters as 0-d arrays per dtype; a hook that changes the gradient's dtype -------
@pytest.mark.parametrize("kwargs", [dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                    dict(momentum=0.5, dampening=0.3), dict(momentum=0.0)])
def test_sgd_group_mixing_float32_and_float64_matches_torch(kwargs):
    arrays = [_f32(3, 2), _f32(4).astype(np.float64), _f32(2)]
    ours = [te.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt, topt = optim.SGD(ours, lr=0.1, **kwargs), torch.optim.SGD(theirs, lr=0.1, **kwargs)
    for _ in range(4):
        grads = [RNG.standard_normal(a.shape).astype(a.dtype) for a in arrays]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = te.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, q in zip(ours, theirs):  # float64 tightly: float32 hyper-parameters would show at 1e-8
        assert p._data.dtype == q.detach().numpy().dtype
        tol = 1e-6 if p._data.dtype == np.float32 else 1e-13
        np.testing.assert_allclose(p._data, q.detach().numpy(), rtol=tol, atol=tol)


def test_sgd_with_a_gradient_of_another_dtype_computes_as_numpy_promotes():
    """A hook may make a float32 parameter's gradient float64 (torch would refuse): the update then
    computes in float64 with the plain hyper-parameters and casts the result, as numpy promotes."""
    w0 = _f32(5)
    p = te.tensor(w0, requires_grad=True)
    p.register_hook(lambda g: g.double())
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    w, buf = w0.copy(), None
    for _ in range(3):
        opt.zero_grad()
        (p * p).sum().backward()
        assert p.grad._data.dtype == np.float64
        opt.step()
        g = 2.0 * w.astype(np.float64)
        if buf is None:
            buf = g.astype(np.float32)
        else:
            buf *= 0.9
            buf += g
        w -= buf * 0.1
        assert p._data.dtype == np.float32
        np.testing.assert_array_equal(p._data, w)


# ---- DataLoader: rows gathered with take() equal the per-sample collation ----------------------------
def test_fast_batches_of_3d_and_1d_tensors_equal_per_sample_collation():
    x, y = _f32(11, 2, 3), np.arange(11, dtype=np.int64)
    ds = TensorDataset(te.from_numpy(x), te.from_numpy(y))
    fast = DataLoader(ds, batch_size=4, shuffle=True, generator=te.Generator().manual_seed(3))
    slow = DataLoader(ds, batch_size=4, shuffle=True, generator=te.Generator().manual_seed(3),
                      collate_fn=default_collate)
    assert fast._fast is not None and slow._fast is None
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx._data.dtype == sx._data.dtype and fy._data.dtype == sy._data.dtype
        np.testing.assert_array_equal(fx._data, sx._data)
        np.testing.assert_array_equal(fy._data, sy._data)
        np.testing.assert_array_equal(fx._data, x[fy._data])
