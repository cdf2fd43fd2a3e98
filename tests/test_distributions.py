"""tinygrad_edu.distributions.Categorical against torch.distributions.Categorical (issue 12): parameters,
shapes, log_prob and entropy by value and by gradient, mean/variance/mode/support/enumerate_support,
repr, argument validation (ValueError, same message); sample by statistics and reproducibility."""
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.distributions as td

import tinygrad_edu as tg
import tinygrad_edu.distributions as tgd

RNG = np.random.RandomState(5)
SHAPES = [(3,), (2, 3), (2, 1, 4)]


def _pair(array, grad=True):
    a = tg.from_numpy(array.copy()).requires_grad_(grad)
    b = torch.from_numpy(array.copy()).requires_grad_(grad)
    return a, b


def _param(kind, shape, dtype):
    if kind == "probs":
        return RNG.uniform(0.05, 2.0, shape).astype(dtype)  # unnormalised weights: normalised by Categorical
    return RNG.uniform(-3, 3, shape).astype(dtype)


def _close(ours, theirs, dtype):
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol, equal_nan=True)


def _values_for(shape):
    n = shape[-1]
    return [RNG.randint(0, n, shape[:-1]), RNG.randint(0, n, (5,) + shape[:-1]), RNG.randint(0, n, ())]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_log_prob_entropy_values_and_gradients(kind, shape, dtype):
    p_ours, p_torch = _pair(_param(kind, shape, dtype))
    ours, theirs = tgd.Categorical(**{kind: p_ours}), td.Categorical(**{kind: p_torch})
    outs = [(ours.probs, theirs.probs), (ours.logits, theirs.logits), (ours.entropy(), theirs.entropy())]
    for v in _values_for(shape):
        if len(shape) == 3 and v.ndim and v.shape[-1] != 2:
            continue
        outs.append((ours.log_prob(tg.from_numpy(v)), theirs.log_prob(torch.from_numpy(v))))
    for o, t in outs:
        _close(o, t, dtype)
        up = RNG.standard_normal(tuple(t.shape)).astype(dtype)
        (go,) = tg.autograd.grad(o, p_ours, tg.from_numpy(up.copy()), retain_graph=True)
        (gt,) = torch.autograd.grad(t, p_torch, torch.from_numpy(up.copy()), retain_graph=True)
        _close(go, gt, dtype)


@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_and_summaries(shape):
    p = _param("probs", shape, np.float32)
    ours, theirs = tgd.Categorical(probs=tg.from_numpy(p)), td.Categorical(probs=torch.from_numpy(p))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape) == ()
    assert tuple(ours.param_shape) == tuple(theirs.param_shape)
    for name in ("mean", "variance", "mode"):
        _close(getattr(ours, name), getattr(theirs, name), np.float32)
    for expand in (True, False):
        _close(ours.enumerate_support(expand), theirs.enumerate_support(expand), np.float32)
    assert repr(ours.support) == repr(theirs.support)
    assert repr(ours).replace("tinygrad_edu.Size", "torch.Size") == repr(theirs)
    ours.logits, theirs.logits  # noqa: B018 (computing the other parameter adds it to repr, as torch's)
    assert repr(ours).replace("tinygrad_edu.Size", "torch.Size") == repr(theirs)
    assert ours.has_enumerate_support and not ours.has_rsample


def test_zero_probability_entropy_and_logits():
    for p in (np.array([1.0, 0.0], np.float32), np.array([[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])):
        po, pt = _pair(p)
        ours, theirs = tgd.Categorical(probs=po), td.Categorical(probs=pt)
        _close(ours.entropy(), theirs.entropy(), p.dtype)
        _close(ours.logits, theirs.logits, p.dtype)
        (go,) = tg.autograd.grad(ours.entropy().sum(), po)
        (gt,) = torch.autograd.grad(theirs.entropy().sum(), pt)
        _close(go, gt, p.dtype)
    lo, lt = _pair(np.array([-np.inf, 0.0, 1.0]))
    _close(tgd.Categorical(logits=lo).entropy(), td.Categorical(logits=lt).entropy(), np.float64)


def _message(lib_dist, lib, call):
    try:
        call(lib_dist, lib)
    except ValueError as e:
        return str(e).split("\n")[0].replace("tinygrad_edu.Size", "torch.Size")
    raise AssertionError("no ValueError")


@pytest.mark.parametrize("call", [
    lambda D, L: D.Categorical(), lambda D, L: D.Categorical(probs=L.ones(2), logits=L.ones(2)),
    lambda D, L: D.Categorical(probs=L.tensor(1.0)), lambda D, L: D.Categorical(logits=L.tensor(1.0)),
    lambda D, L: D.Categorical(probs=L.tensor([-1.0, 2.0])), lambda D, L: D.Categorical(probs=L.tensor([0.0, 0.0])),
    lambda D, L: D.Categorical(logits=L.tensor([float("nan"), 0.0])),
    lambda D, L: D.Categorical(logits=L.tensor([float("inf"), 0.0])),
    lambda D, L: D.Categorical(logits=L.zeros(3)).log_prob(L.tensor([3])),
    lambda D, L: D.Categorical(logits=L.zeros(3)).log_prob(L.tensor([-1])),
    lambda D, L: D.Categorical(logits=L.zeros(3)).log_prob(L.tensor([0.5])),
    lambda D, L: D.Categorical(logits=L.zeros(3)).log_prob([1]),
    lambda D, L: D.Categorical(probs=L.ones(2, 3)).log_prob(L.tensor([0, 1, 2]))])
def test_validation_errors_match_torch(call):
    assert _message(tgd, tg, call) == _message(td, torch, call)


def test_validate_args_false_and_float_values():
    p = np.array([-1.0, 2.0])
    ours = tgd.Categorical(probs=tg.from_numpy(p), validate_args=False)
    theirs = td.Categorical(probs=torch.from_numpy(p), validate_args=False)
    _close(ours.probs, theirs.probs, np.float64)
    c_o, c_t = tgd.Categorical(logits=tg.zeros(3)), td.Categorical(logits=torch.zeros(3))
    _close(c_o.log_prob(tg.tensor([1.0, 2.0])), c_t.log_prob(torch.tensor([1.0, 2.0])), np.float32)


def test_sample_shapes_statistics_and_seed():
    probs = np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])
    for lib, D in ((tg, tgd), (torch, td)):
        c = D.Categorical(probs=lib.from_numpy(probs))
        assert tuple(c.sample().shape) == (2,) and str(c.sample().dtype).endswith("int64")
        assert tuple(c.sample((3, 5)).shape) == (3, 5, 2)
        lib.manual_seed(1)
        draws = c.sample((20000,)).numpy()
        for row in range(2):
            counts = np.bincount(draws[:, row], minlength=4)
            keep = probs[row] > 0
            assert counts[~keep].sum() == 0
            expected = probs[row][keep] * 20000
            assert (((counts[keep] - expected) ** 2) / expected).sum() < 25.0
    c = tgd.Categorical(logits=tg.zeros(2, 6, requires_grad=True))
    tg.manual_seed(4)
    a = c.sample((10,))
    tg.manual_seed(4)
    assert np.array_equal(a.numpy(), c.sample((10,)).numpy()) and not a.requires_grad


def test_import_is_lazy_and_both_spellings_work():
    code = ("import sys, tinygrad_edu; assert 'tinygrad_edu.distributions' not in sys.modules; "
            "from tinygrad_edu.distributions import Categorical; "
            "assert tinygrad_edu.distributions.Categorical is Categorical")
    subprocess.run([sys.executable, "-c", code], check=True)
