"""GroupNorm, RMSNorm, Dropout1d/2d/3d and Bilinear against real torch: same inputs and weights in ->
same outputs and gradients, same errors, state_dict keys and reprs; dropout checked structurally
(its random numbers are not torch's)."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck

import torch
TF = torch.nn.functional

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _arrays(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) if s is not None else None for s in shapes]


def run_both(ours, theirs, arrays, dtype):
    """ours(*tensors) and theirs(*tensors) on the same arrays (None stays None): the same output, and
    the same gradient of every input after backpropagating the same upstream gradient."""
    to = [te.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    yo, yt = ours(*to), theirs(*tt)
    assert yo.dtype == (te.float64 if dtype == np.float64 else te.float32)
    np.testing.assert_allclose(yo._data, yt.detach().numpy(), **TOL[dtype])
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(dtype)
    yo.backward(te.tensor(g))
    yt.backward(torch.tensor(g))
    for i, (a, b) in enumerate(zip(to, tt)):
        if a is not None:
            np.testing.assert_allclose(a.grad._data, b.grad.numpy(), err_msg=f"input {i}", **TOL[dtype])


def same_error(ours, theirs):
    """Both raise, the same exception type with the same message."""
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(type(want.value)) as got:
        ours()
    assert str(got.value) == str(want.value)


def copy_params(ours, theirs):
    mine = dict(ours.named_parameters())
    for name, t in theirs.named_parameters():
        mine[name]._data[...] = t.detach().numpy()


def module_both(ours, theirs, *arrays):
    """Modules with torch's parameters, randomised so that ones/zeros cannot hide a mistake."""
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1, 2)
    copy_params(ours, theirs)
    xo = [te.tensor(a, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo, yt = ours(*xo), theirs(*xt)
    np.testing.assert_allclose(yo._data, yt.detach().numpy(), **TOL[np.float32])
    yo.sum().backward()
    yt.sum().backward()
    for a, b in zip(xo, xt):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), **TOL[np.float32])
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), err_msg=name, **TOL[np.float32])
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def _f64(*arrays):
    return [te.tensor(a.astype(np.float64), requires_grad=True) if a is not None else None for a in arrays]


# ---- GroupNorm ------------------------------------------------------------------------------------------
GN_CASES = [((2, 4), 2), ((2, 6, 3), 3), ((3, 6, 2, 2), 2), ((2, 4, 1, 2, 3), 4), ((1, 6, 5), 1), ((2, 6, 3), 6)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,groups", GN_CASES)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_group_norm_matches_torch(shape, groups, affine, dtype):
    c = shape[1]
    w = (c,) if affine in ("both", "weight") else None
    b = (c,) if affine in ("both", "bias") else None
    x, wa, ba = _arrays([shape, w, b], dtype)
    x = x * 3 + 1  # a mean and a variance that are not already 0 and 1
    # torch's backward fails with a bias and no weight ("tensor does not have a device"): give it a
    # weight of ones that needs no gradient, the same function
    ones = torch.ones(c, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    run_both(lambda x, w, b: F.group_norm(x, groups, w, b, eps=1e-4),
             lambda x, w, b: TF.group_norm(x, groups, ones if w is None and b is not None else w, b, eps=1e-4),
             [x, wa, ba], dtype)


@pytest.mark.parametrize("shape,groups", [((2, 4), 2), ((2, 6, 3), 3), ((2, 4, 2, 2), 2)])
def test_group_norm_gradcheck(shape, groups):
    x, w, b = _f64(*_arrays([shape, (shape[1],), (shape[1],)], np.float64))
    fn = lambda x, w, b: F.group_norm(x, groups, w, b)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_group_norm_module_matches_torch():
    module_both(nn.GroupNorm(3, 6), torch.nn.GroupNorm(3, 6), _arrays([(2, 6, 4, 3)], np.float32)[0])
    module_both(nn.GroupNorm(2, 4, eps=1e-3, bias=False), torch.nn.GroupNorm(2, 4, eps=1e-3, bias=False),
                _arrays([(3, 4, 5)], np.float32)[0])
    ours, theirs = nn.GroupNorm(2, 4, affine=False), torch.nn.GroupNorm(2, 4, affine=False)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict()) == []
    x = _arrays([(2, 4, 3)], np.float32)[0]
    np.testing.assert_allclose(ours(te.tensor(x))._data, theirs(torch.tensor(x)).numpy(), **TOL[np.float32])


def test_group_norm_module_init_and_dtype():
    m = nn.GroupNorm(2, 4, dtype=te.float64)
    assert m.weight.dtype == te.float64 and np.array_equal(m.weight._data, np.ones(4))
    assert np.array_equal(m.bias._data, np.zeros(4))
    assert nn.GroupNorm(2, 4).weight.dtype == te.float32


def test_group_norm_grad_fn_name():
    x = te.tensor(_arrays([(2, 4, 3)], np.float32)[0], requires_grad=True)
    xt = torch.tensor(x._data, requires_grad=True)
    assert F.group_norm(x, 2).grad_fn.name() == TF.group_norm(xt, 2).grad_fn.name()


@pytest.mark.parametrize("call", [
    lambda L, x: L.nn.functional.group_norm(x(2, 4, 3), 3),
    lambda L, x: L.nn.functional.group_norm(x(4), 2),
    lambda L, x: L.nn.functional.group_norm(x(1, 4), 4),
    lambda L, x: L.nn.functional.group_norm(x(1, 4, 1), 4),
    lambda L, x: L.nn.functional.group_norm(x(2, 4), 0),
    lambda L, x: L.nn.functional.group_norm(x(2, 4, 3), 2, x(3)),
    lambda L, x: L.nn.functional.group_norm(x(2, 4, 3), 2, x(2, 2)),
    lambda L, x: L.nn.functional.group_norm(x(2, 4, 3), 2, x(4), x(3)),
    lambda L, x: L.nn.functional.group_norm(x(2, 4, 3), 2, None, x(3)),
    lambda L, x: L.nn.GroupNorm(3, 4),
    lambda L, x: L.nn.GroupNorm(0, 4),
])
def test_group_norm_errors_match_torch(call):
    same_error(lambda: call(te, lambda *s: te.ones(*s)), lambda: call(torch, lambda *s: torch.ones(*s)))


# ---- RMSNorm --------------------------------------------------------------------------------------------
RMS_CASES = [((5, 3), (3,)), ((2, 4, 3), (4, 3)), ((2, 3, 4, 5), (5,)), ((2, 3, 4, 5), (3, 4, 5)), ((6,), (6,))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,normalized", RMS_CASES)
@pytest.mark.parametrize("weight", [True, False])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape, normalized, weight, eps, dtype):
    x, w = _arrays([shape, normalized if weight else None], dtype)
    run_both(lambda x, w: F.rms_norm(x, normalized, w, eps), lambda x, w: TF.rms_norm(x, normalized, w, eps),
             [x, w], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rms_norm_default_eps_is_the_dtype_epsilon(dtype):
    # mean(x^2) ~ 1e-14 here, so the output depends on eps: a wrong default would not match torch
    x = _arrays([(3, 4)], dtype)[0] * (1e-7 if dtype == np.float64 else 1e-4)
    run_both(lambda x: F.rms_norm(x, [4]), lambda x: TF.rms_norm(x, [4]), [x], dtype)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(F.rms_norm(te.tensor(x), [4], eps=1e-5)._data,
                                   TF.rms_norm(torch.tensor(x), [4]).numpy(), rtol=1e-3)


def test_rms_norm_gradcheck():
    x, w = _f64(*_arrays([(2, 3, 4), (3, 4)], np.float64))
    for fn in (lambda x, w: F.rms_norm(x, (3, 4), w), lambda x, w: F.rms_norm(x, [4], None, 0.1) * w):
        assert gradcheck(fn, (x, w))
        assert gradgradcheck(fn, (x, w))


def test_rms_norm_module_matches_torch():
    x = _arrays([(2, 3, 4)], np.float32)[0]
    module_both(nn.RMSNorm(4), torch.nn.RMSNorm(4), x)
    module_both(nn.RMSNorm([3, 4], eps=1e-3), torch.nn.RMSNorm([3, 4], eps=1e-3), x)
    ours, theirs = nn.RMSNorm((3, 4), elementwise_affine=False), torch.nn.RMSNorm((3, 4), elementwise_affine=False)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict()) == []
    np.testing.assert_allclose(ours(te.tensor(x))._data, theirs(torch.tensor(x)).numpy(), **TOL[np.float32])
    m = nn.RMSNorm(3, dtype=te.float64)
    assert m.eps is None and m.normalized_shape == (3,) and m.weight.dtype == te.float64
    assert np.array_equal(m.weight._data, np.ones(3))


@pytest.mark.parametrize("call", [
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), (4,)),
    lambda L, x: L.nn.functional.rms_norm(x(4, 2, 3), [2, 4]),
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), (2, 3, 4)),
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), (3,), x(4)),
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), (3,), x(3, 1)),
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), (5, 2, 3), x(3)),
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), ()),
    lambda L, x: L.nn.functional.rms_norm(x(2, 3), 3),
    lambda L, x: L.nn.RMSNorm(3)(x(2, 4)),
])
def test_rms_norm_errors_match_torch(call):
    same_error(lambda: call(te, lambda *s: te.ones(*s)), lambda: call(torch, lambda *s: torch.ones(*s)))


# ---- Dropout1d/2d/3d ------------------------------------------------------------------------------------
# (function, input shape, the dims one channel spans: the mask is constant along them)
FEATURE_CASES = [(F.dropout1d, (8, 16, 5), (2,)), (F.dropout1d, (16, 5), (1,)),
                 (F.dropout2d, (8, 16, 3, 4), (2, 3)),
                 (F.dropout3d, (4, 16, 2, 3, 2), (2, 3, 4)), (F.dropout3d, (16, 2, 3, 2), (1, 2, 3))]


@pytest.mark.parametrize("fn,shape,spatial", FEATURE_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_feature_dropout_zeroes_whole_channels(fn, shape, spatial, dtype):
    te.manual_seed(0)
    p = 0.4
    x = te.tensor(np.abs(_arrays([shape], dtype)[0]) + 0.5, requires_grad=True)  # no zeros of its own
    y = fn(x, p)
    assert y.dtype == x.dtype and y.shape == x.shape
    ratio = y._data / x._data
    kept = np.isclose(ratio, 1 / (1 - p), rtol=1e-6)
    assert np.all(kept | (ratio == 0))  # every element is dropped or scaled by 1/(1-p)
    per_channel = kept.all(axis=spatial)
    assert np.array_equal(per_channel, kept.any(axis=spatial))  # and all of a channel together
    assert 0.2 < 1 - per_channel.mean() < 0.6  # about p of the channels are dropped (n >= 64)
    g = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    y.backward(te.tensor(g))
    np.testing.assert_allclose(x.grad._data, g * ratio, rtol=1e-6)  # the gradient goes through the same mask


@pytest.mark.parametrize("fn", [F.dropout1d, F.dropout2d, F.dropout3d])
def test_feature_dropout_drop_rate_and_mean(fn):
    te.manual_seed(1)
    shape = {F.dropout1d: (100, 50, 2), F.dropout2d: (100, 50, 2, 2), F.dropout3d: (100, 50, 2, 1, 2)}[fn]
    y = fn(te.ones(*shape), 0.3)._data
    assert abs((y == 0).mean() - 0.3) < 0.03
    assert abs(y.mean() - 1) < 0.05  # inverted dropout keeps the expected value


@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (2, 3, 4)), (F.dropout2d, (2, 3, 4, 5)),
                                      (F.dropout3d, (2, 3, 2, 2, 2))])
def test_feature_dropout_p0_p1_and_eval(fn, shape):
    x = te.tensor(_arrays([shape], np.float32)[0], requires_grad=True)
    assert np.array_equal(fn(x, 0.0)._data, x._data)
    assert np.array_equal(fn(x, 0.7, training=False)._data, x._data)
    y = fn(x, 1.0)
    assert np.array_equal(y._data, np.zeros(shape, np.float32))
    y.sum().backward()
    assert np.array_equal(x.grad._data, np.zeros(shape, np.float32))


def test_feature_dropout_inplace():
    te.manual_seed(0)
    x = te.ones(4, 8, 3)
    y = F.dropout1d(x, 0.5, inplace=True)
    assert y is x and set(np.unique(x._data)) <= {0.0, 2.0} and (x._data == 0).any()


@pytest.mark.parametrize("name", ["Dropout1d", "Dropout2d", "Dropout3d"])
def test_dropout_nd_modules(name):
    ours, theirs = getattr(nn, name)(0.25), getattr(torch.nn, name)(0.25)
    assert repr(ours) == repr(theirs)
    assert repr(getattr(nn, name)(inplace=True)) == repr(getattr(torch.nn, name)(inplace=True))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    assert not isinstance(ours, nn.Dropout) and not isinstance(theirs, torch.nn.Dropout)
    x = te.ones(8, 16, 2, 2, 2) if name == "Dropout3d" else te.ones(8, 16, 2, 2) if name == "Dropout2d" \
        else te.ones(8, 16, 3)
    te.manual_seed(0)
    y = ours(x)._data
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75], rtol=1e-6)
    ours.eval()
    assert np.array_equal(ours(x)._data, x._data)
    same_error(lambda: getattr(nn, name)(1.5), lambda: getattr(torch.nn, name)(1.5))


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except Exception as e:  # noqa: BLE001  (the error is compared by the caller)
            return [(type(e), str(e))]
    return [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("name", ["dropout1d", "dropout2d", "dropout3d"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("p", [0.5, -0.1])
def test_feature_dropout_dim_warnings_and_errors_match_torch(name, ndim, p):
    shape = (2,) * ndim
    got = _warnings_of(lambda: getattr(F, name)(te.ones(shape), p))
    want = _warnings_of(lambda: getattr(TF, name)(torch.ones(shape), p))
    assert got == want


# ---- Bilinear -------------------------------------------------------------------------------------------
BILINEAR_SHAPES = [((5, 3), (5, 4)), ((2, 7, 3), (2, 7, 4)), ((3,), (4,)), ((2, 2, 3, 3), (2, 2, 3, 4))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("s1,s2", BILINEAR_SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(s1, s2, bias, dtype):
    arrays = _arrays([s1, s2, (5, 3, 4), (5,) if bias else None], dtype)
    run_both(F.bilinear, TF.bilinear, arrays, dtype)


def test_bilinear_gradcheck():
    args = _f64(*_arrays([(2, 3, 3), (2, 3, 4), (5, 3, 4), (5,)], np.float64))
    assert gradcheck(F.bilinear, args)
    assert gradgradcheck(F.bilinear, args)


def test_bilinear_module_matches_torch():
    x1, x2 = _arrays([(6, 3), (6, 4)], np.float32)
    module_both(nn.Bilinear(3, 4, 5), torch.nn.Bilinear(3, 4, 5), x1, x2)
    module_both(nn.Bilinear(3, 4, 2, bias=False), torch.nn.Bilinear(3, 4, 2, bias=False), x1, x2)


def test_bilinear_default_init_matches_torch_bounds():
    te.manual_seed(0)
    ours, theirs = nn.Bilinear(100, 30, 40), torch.nn.Bilinear(100, 30, 40)
    assert ours.weight.shape == (40, 100, 30) and ours.bias.shape == (40,) and ours.weight.dtype == te.float32
    bound = 1 / math.sqrt(100)  # torch: U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias alike
    for a, b in ((ours.weight._data, theirs.weight.detach().numpy()), (ours.bias._data, theirs.bias.detach().numpy())):
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.9 * bound
        assert abs(a.std() - b.std()) < 0.15 * bound
    assert nn.Bilinear(2, 3, 4, dtype=te.float64).weight.dtype == te.float64
    same_error(lambda: nn.Bilinear(0, 3, 4), lambda: torch.nn.Bilinear(0, 3, 4))


@pytest.mark.parametrize("call", [
    lambda L, x: L.nn.functional.bilinear(x(2, 3), x(3, 4), x(5, 3, 4)),
    lambda L, x: L.nn.functional.bilinear(x(2, 3), x(2, 1, 4), x(5, 3, 4)),
    lambda L, x: L.nn.functional.bilinear(x(2, 7, 3), x(2, 6, 4), x(5, 3, 4)),
    lambda L, x: L.nn.functional.bilinear(x(2, 3), x(2, 4), x(5, 2, 4)),
    lambda L, x: L.nn.functional.bilinear(x(2, 3), x(2, 4), x(5, 3, 3)),
    lambda L, x: L.nn.functional.bilinear(x(2, 3), x(2, 4), x(5, 3, 4), x(4)),
    lambda L, x: L.nn.Bilinear(3, 4, 5)(x(2, 4), x(2, 4)),
])
def test_bilinear_errors_match_torch(call):
    same_error(lambda: call(te, lambda *s: te.ones(*s)), lambda: call(torch, lambda *s: torch.ones(*s)))
