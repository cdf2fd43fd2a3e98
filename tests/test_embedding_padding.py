"""nn.Embedding's padding_idx, max_norm and from_pretrained against real torch: the zero row at
init, no gradient at that row, negative padding_idx, renormalised rows, frozen pretrained tables,
the same errors and reprs."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn

import torch

W = np.random.default_rng(0).standard_normal((6, 4)) * 0.8
IDX = np.array([[0, 2, 5, 2], [5, 5, 1, 0]])


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


@pytest.mark.parametrize("padding_idx", [None, 0, 3, -1, -5])
def test_init_zero_row_and_repr(padding_idx):
    te.manual_seed(0)
    ours, theirs = nn.Embedding(5, 3, padding_idx=padding_idx), torch.nn.Embedding(5, 3, padding_idx=padding_idx)
    assert ours.padding_idx == theirs.padding_idx
    assert repr(ours) == repr(theirs)
    zero_rows = np.where(~ours.weight._data.any(axis=1))[0]
    tzero_rows = np.where(~theirs.weight.detach().numpy().any(axis=1))[0]
    np.testing.assert_array_equal(zero_rows, tzero_rows)
    ours.weight._data[:] = 3.0
    with torch.no_grad():
        theirs.weight.fill_(3.0)
    ours.reset_parameters()
    theirs.reset_parameters()
    np.testing.assert_array_equal(np.where(~ours.weight._data.any(axis=1))[0], tzero_rows)


def test_init_is_standard_normal():
    te.manual_seed(0)
    w = nn.Embedding(2000, 50, padding_idx=7).weight._data
    rest = np.delete(w, 7, axis=0)
    assert w.dtype == np.float32 and not w[7].any()
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1.0) < 0.01  # 99,950 draws: 5 sigma ~ 0.0045/0.0032


@pytest.mark.parametrize("padding_idx", [6, -7])
def test_padding_idx_out_of_range(padding_idx):
    assert _error(lambda: nn.Embedding(6, 2, padding_idx=padding_idx)) == \
        _error(lambda: torch.nn.Embedding(6, 2, padding_idx=padding_idx))
    f = lambda mod, lib: mod.functional.embedding(lib.tensor([0, 1]), lib.ones(6, 2), padding_idx=padding_idx)
    assert _error(lambda: f(nn, te)) == _error(lambda: f(torch.nn, torch))


@pytest.mark.parametrize("padding_idx", [2, -1, None])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
@pytest.mark.parametrize("max_norm,norm_type", [(None, 2.0), (1.0, 2.0), (1.0, 1.0), (0.7, math.inf), (1.5, 0.5)])
def test_forward_backward_and_renorm(padding_idx, scale_grad_by_freq, max_norm, norm_type):
    kw = dict(padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq)
    ours = nn.Embedding(6, 4, dtype=te.float64, **kw)
    theirs = torch.nn.Embedding(6, 4, dtype=torch.float64, **kw)
    ours.weight._data[...] = W
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(W))
    out, tout = ours(te.tensor(IDX)), theirs(torch.tensor(IDX))
    np.testing.assert_allclose(out._data, tout.detach().numpy(), rtol=1e-13)
    g = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    out.backward(te.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.weight._data, theirs.weight.detach().numpy(), rtol=1e-13)  # renormed rows
    if padding_idx is not None:
        assert not ours.weight.grad._data[padding_idx].any()


@pytest.mark.parametrize("freeze", [True, False])
@pytest.mark.parametrize("padding_idx", [None, 1, -2])
def test_from_pretrained(freeze, padding_idx):
    wa, wb = te.tensor(W), torch.tensor(W)
    ours = nn.Embedding.from_pretrained(wa, freeze=freeze, padding_idx=padding_idx)
    theirs = torch.nn.Embedding.from_pretrained(wb, freeze=freeze, padding_idx=padding_idx)
    assert repr(ours) == repr(theirs) and ours.padding_idx == theirs.padding_idx
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    np.testing.assert_array_equal(ours.weight._data, theirs.weight.detach().numpy())  # padding row kept
    assert np.shares_memory(ours.weight._data, wa._data) == np.shares_memory(theirs.weight.detach().numpy(), wb.numpy())
    out, tout = ours(te.tensor(IDX)), theirs(torch.tensor(IDX))
    np.testing.assert_array_equal(out._data, tout.detach().numpy())
    if not freeze:
        (out * out).sum().backward()
        (tout * tout).sum().backward()
        np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-13)


def test_from_pretrained_and_weight_errors():
    cases = [lambda m, t: m.Embedding.from_pretrained(t.ones(3)),
             lambda m, t: m.Embedding.from_pretrained(t.ones(3, 2), padding_idx=3),
             lambda m, t: m.Embedding(3, 2, _weight=t.ones(2, 2))]
    for case in cases:
        assert _error(lambda: case(nn, te)) == _error(lambda: case(torch.nn, torch))


def test_max_norm_renorm_is_an_inplace_change_that_saved_weights_notice(torch_ref):
    """torch bumps the weight's version when max_norm rescales rows, so a graph that saved the
    weight before refuses to backward; silently using the rescaled values would be a wrong gradient."""
    import tinygrad_edu as tg
    import tinygrad_edu.nn.functional as F
    import torch.nn.functional as TF
    w0 = np.arange(12, dtype=np.float32).reshape(4, 3)
    idx = [0, 2]
    results = []
    for lib, f in ((torch_ref, TF), (tg, F)):
        w = lib.tensor(w0.copy(), requires_grad=True)
        y = (w * w).sum()
        with lib.no_grad():
            f.embedding(lib.tensor(idx), w, max_norm=1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
        results.append(w.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)
