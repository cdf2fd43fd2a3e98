"""Conv1d, the 1-D poolings and adaptive average pooling against real torch: outputs, gradients, modules,
errors."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck

# torch warns that its own 'same' padding with an even kernel copies the input: not our concern
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

DTYPES = [(np.float64, 1e-10), (np.float32, 1e-4)]


def _check_against_torch(torch, fn, torch_fn, arrays, tol, seed=0):
    """Run fn and torch_fn on the same arrays, backpropagate the same random gradient, compare all."""
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), torch_fn(*theirs)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=tol, atol=tol)
    assert out._data.dtype == arrays[0].dtype
    g = np.random.default_rng(seed).standard_normal(tuple(ref.shape)).astype(arrays[0].dtype)
    out.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=tol, atol=tol)
        assert a.grad._data.dtype == arrays[0].dtype


def _errors_match(torch_fn, our_fn, *args, **kw):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as theirs:
        torch_fn(*args[0], **kw)
    with pytest.raises(type(theirs.value)) as ours:
        our_fn(*args[1], **kw)
    assert str(ours.value) == str(theirs.value)


# ---- conv1d ---------------------------------------------------------------------------------------------------
CONV_CASES = [  # (input shape, weight shape, kwargs)
    ((2, 3, 9), (4, 3, 3), {}),
    ((2, 3, 9), (4, 3, 2), dict(stride=2, padding=1)),
    ((2, 3, 11), (4, 3, 3), dict(stride=(3,), padding=(2,), dilation=(2,))),
    ((2, 4, 10), (6, 2, 3), dict(stride=2, padding=1, dilation=2, groups=2)),
    ((2, 4, 9), (8, 1, 3), dict(groups=4, padding="same")),               # depthwise
    ((2, 4, 9), (8, 1, 4), dict(groups=4, padding="same", dilation=3)),   # uneven 'same'
    ((2, 4, 9), (8, 4, 4), dict(padding="valid", stride=3)),
    ((1, 2, 5), (3, 2, 1), dict(padding=3, stride=4)),  # padding larger than the kernel
    ((4, 9), (8, 4, 2), dict(padding=1, stride=3)),      # unbatched
    ((4, 9), (8, 2, 3), dict(padding="same", groups=2)),  # unbatched, grouped
]


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("xs,ws,kw", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv1d_matches_torch(torch_ref, rng, xs, ws, kw, dtype, tol, bias):
    arrays = [rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]).astype(dtype))
    _check_against_torch(torch_ref, lambda *t: F.conv1d(*t, **kw),
                         lambda *t: torch_ref.nn.functional.conv1d(*t, **kw), arrays, tol)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(dilation=2, padding=2, groups=2),
                                dict(padding="same")])
def test_conv1d_gradcheck_and_gradgradcheck(rng, kw):
    x = tg.tensor(rng.standard_normal((2, 2, 7)), requires_grad=True)
    w = tg.tensor(rng.standard_normal((2, 2 // kw.get("groups", 1), 3)), requires_grad=True)
    b = tg.tensor(rng.standard_normal(2), requires_grad=True)
    fn = lambda x, w, b: F.conv1d(x, w, b, **kw)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv1d_second_derivative_matches_torch(torch_ref, rng):
    xa, wa = rng.standard_normal((2, 2, 9)), rng.standard_normal((4, 1, 3))
    results = []
    for lib, fn in ((tg, F.conv1d), (torch_ref, torch_ref.nn.functional.conv1d)):
        x, w = lib.tensor(xa, requires_grad=True), lib.tensor(wa, requires_grad=True)
        out = fn(x, w, stride=2, padding=1, dilation=2, groups=2)
        gx, = lib.autograd.grad((out ** 2).sum(), [x], create_graph=True)
        (gx ** 2).sum().backward()
        results.append((gx.detach().numpy() if lib is torch_ref else gx._data, x.grad, w.grad))
    (gx, x_g, w_g), (tgx, tx_g, tw_g) = results
    np.testing.assert_allclose(gx, tgx, rtol=1e-10)
    np.testing.assert_allclose(x_g._data, tx_g.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w_g._data, tw_g.numpy(), rtol=1e-10)


@pytest.mark.parametrize("args,kw", [
    ((3, 8, 3), {}),
    ((3, 8, (5,)), dict(stride=2, padding=(2,), dilation=2, bias=False, padding_mode="reflect")),
    ((4, 8, 3), dict(padding="same", groups=4)),
    ((4, 8, 4), dict(padding="same", padding_mode="circular", dilation=2)),
    ((4, 6, 3), dict(padding="valid", groups=2, stride=3, padding_mode="replicate")),
    ((4, 6, 3), dict(padding=2, padding_mode="zeros")),
])
def test_conv1d_module_matches_torch(torch_ref, rng, args, kw):
    ours, theirs = nn.Conv1d(*args, **kw), torch_ref.nn.Conv1d(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    assert (ours.kernel_size, ours.stride, ours.padding, ours.dilation) == \
        (theirs.kernel_size, theirs.stride, theirs.padding, theirs.dilation)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.weight.dtype == tg.float32
    with torch_ref.no_grad():  # same parameters in both, then compare the forward
        for name, p in ours.named_parameters():
            getattr(theirs, name).copy_(torch_ref.tensor(p._data))
    x = rng.standard_normal((2, args[0], 11)).astype(np.float32)
    np.testing.assert_allclose(ours(tg.tensor(x))._data, theirs(torch_ref.tensor(x)).detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(ours(tg.tensor(x[0]))._data, theirs(torch_ref.tensor(x[0])).detach().numpy(),
                               atol=1e-5)


def test_conv1d_default_init_bounds_and_training():
    tg.manual_seed(0)
    m = nn.Conv1d(6, 16, 5, groups=2, dtype=tg.float64)
    bound = 1 / math.sqrt(3 * 5)  # fan_in = in_channels / groups * k
    for p in (m.weight, m.bias):
        assert p.dtype == tg.float64
        assert np.abs(p._data).max() <= bound and np.abs(p._data).max() > 0.9 * bound
    m(tg.randn(2, 6, 9, dtype=tg.float64)).sum().backward()  # gradients reach both parameters
    assert m.weight.grad.shape == (16, 3, 5) and m.bias.grad.shape == (16,)


CONV_ERRORS = [  # (input shape, weight shape, bias shape or None, kwargs)
    ((2, 3, 4, 5), (8, 3, 3), None, {}),
    ((5,), (8, 3, 3), None, {}),
    ((2, 4, 5), (8, 3, 3), None, {}),
    ((4, 5), (8, 3, 3), None, {}),  # unbatched channel mismatch: the message shows the batch of one
    ((1, 3, 2), (8, 3, 3), None, {}),
    ((1, 3, 5), (8, 3, 3), None, dict(dilation=3)),
    ((1, 3, 5), (8, 3, 3), (7,), {}),
    ((1, 3, 5), (8, 3, 3), None, dict(stride=0)),
    ((1, 3, 5), (8, 3, 3), None, dict(padding=-1)),
    ((1, 3, 5), (8, 3, 3), None, dict(dilation=0)),
    ((1, 3, 5), (8, 3, 3), None, dict(padding="same", stride=2)),
    ((1, 3, 5), (8, 3, 3), None, dict(padding="foo")),
    ((1, 3, 5), (8, 3, 3), None, dict(stride=(1, 2))),
    ((1, 3, 5), (8, 3, 3), None, dict(padding=(1, 2))),
    ((1, 4, 5), (3, 2, 3), None, dict(groups=2)),
    ((1, 4, 5), (4, 2, 3), None, dict(groups=0)),
    ((1, 3, 5), (8, 3, 3, 3), None, {}),
    ((1, 3, 5), (8, 3), None, {}),
]


@pytest.mark.parametrize("xs,ws,bs,kw", CONV_ERRORS)
def test_conv1d_errors_match_torch(torch_ref, xs, ws, bs, kw):
    def args(lib):
        return lib.zeros(xs), lib.zeros(ws), lib.zeros(bs) if bs is not None else None
    _errors_match(torch_ref.nn.functional.conv1d, F.conv1d, args(torch_ref), args(tg), **kw)


@pytest.mark.parametrize("args,kw", [
    ((3, 8, 3), dict(padding="same", stride=2)),
    ((3, 8, 3), dict(padding="foo")),
    ((3, 8, 3), dict(groups=2)),
    ((4, 8, 3), dict(padding_mode="bad")),
])
def test_conv1d_module_errors_match_torch(torch_ref, args, kw):
    with pytest.raises(Exception) as theirs:
        torch_ref.nn.Conv1d(*args, **kw)
    with pytest.raises(type(theirs.value)) as ours:
        nn.Conv1d(*args, **kw)
    assert str(ours.value).split("{")[0] == str(theirs.value).split("{")[0]  # torch prints a set: unordered


def test_conv1d_module_wrong_input_raises_torchs_message(torch_ref):
    ours, theirs = nn.Conv1d(3, 4, 3), torch_ref.nn.Conv1d(3, 4, 3)
    _errors_match(theirs, ours, (torch_ref.zeros(2, 3, 4, 5),), (tg.zeros(2, 3, 4, 5),))
    _errors_match(theirs, ours, (torch_ref.zeros(2, 5, 7),), (tg.zeros(2, 5, 7),))


# ---- 1-D pooling ------------------------------------------------------------------------------------------------
MAX_CASES = [  # (input shape, kwargs)
    ((2, 3, 9), dict(kernel_size=2)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 11), dict(kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,))),
    ((2, 3, 8), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 3, 10), dict(kernel_size=2, stride=3, padding=1, dilation=2, ceil_mode=True)),
    ((3, 8), dict(kernel_size=3, stride=1, padding=1)),  # unbatched, overlapping windows
]
AVG_CASES = [
    ((2, 3, 9), dict(kernel_size=2)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 3, 8), dict(kernel_size=(3,), stride=(2,), ceil_mode=True)),
    ((2, 3, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((3, 8), dict(kernel_size=3, stride=1, padding=1)),  # unbatched
]


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("xs,kw", MAX_CASES)
def test_max_pool1d_matches_torch(torch_ref, rng, xs, kw, dtype, tol):
    x = rng.standard_normal(xs).astype(dtype)
    _check_against_torch(torch_ref, lambda t: F.max_pool1d(t, **kw),
                         lambda t: torch_ref.nn.functional.max_pool1d(t, **kw), [x], tol)
    out, idx = F.max_pool1d(tg.tensor(x), **kw, return_indices=True)
    ref, ref_idx = torch_ref.nn.functional.max_pool1d(torch_ref.tensor(x), **kw, return_indices=True)
    np.testing.assert_array_equal(out._data, ref.numpy())
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())
    assert idx.dtype == tg.int64 and not idx.requires_grad


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("xs,kw", AVG_CASES)
def test_avg_pool1d_matches_torch(torch_ref, rng, xs, kw, dtype, tol):
    x = rng.standard_normal(xs).astype(dtype)
    _check_against_torch(torch_ref, lambda t: F.avg_pool1d(t, **kw),
                         lambda t: torch_ref.nn.functional.avg_pool1d(t, **kw), [x], tol)


@pytest.mark.parametrize("fn,kw", [(F.max_pool1d, dict(kernel_size=2, stride=1, padding=1)),
                                   (F.max_pool1d, dict(kernel_size=2, stride=2, dilation=2, ceil_mode=True)),
                                   (F.avg_pool1d, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
                                   (F.avg_pool1d, dict(kernel_size=2, ceil_mode=True))])
def test_pool1d_gradcheck_and_gradgradcheck(rng, fn, kw):
    # distinct values well apart, so a finite-difference step never changes which element is the max
    x = tg.tensor(rng.permutation(2 * 2 * 7).reshape(2, 2, 7) * 0.1, requires_grad=True)
    assert gradcheck(lambda t: fn(t, **kw), (x,))
    assert gradgradcheck(lambda t: fn(t, **kw), (x,))


POOL_ERRORS = [  # (function name, input shape, kwargs)
    ("max_pool1d", (2, 3, 4, 5), dict(kernel_size=2)),
    ("max_pool1d", (5,), dict(kernel_size=2)),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=9)),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=3, padding=2)),
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, padding=2, dilation=2)),  # 1-D bound ignores dilation
    ("max_pool1d", (2, 3, 5), dict(kernel_size=3, stride=0)),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=(1, 2))),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=3, stride=(1, 2))),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=3, padding=(1, 2))),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=3, padding=-1)),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=3, dilation=0)),
    ("max_pool1d", (2, 3, 5), dict(kernel_size=0)),
    ("avg_pool1d", (2, 3, 4, 5), dict(kernel_size=2)),
    ("avg_pool1d", (5,), dict(kernel_size=2)),
    ("avg_pool1d", (2, 3, 5), dict(kernel_size=9)),
    ("avg_pool1d", (2, 3, 5), dict(kernel_size=3, padding=2)),
    ("avg_pool1d", (2, 3, 5), dict(kernel_size=3, stride=0)),
    ("avg_pool1d", (2, 3, 5), dict(kernel_size=(1, 2))),
    ("avg_pool1d", (2, 3, 5), dict(kernel_size=3, stride=(1, 2))),
]


@pytest.mark.parametrize("name,xs,kw", POOL_ERRORS)
def test_pool1d_errors_match_torch(torch_ref, name, xs, kw):
    _errors_match(getattr(torch_ref.nn.functional, name), getattr(F, name), (torch_ref.zeros(xs),),
                  (tg.zeros(xs),), **kw)


@pytest.mark.parametrize("cls,args,kw", [
    ("MaxPool1d", (3,), {}),
    ("MaxPool1d", (2,), dict(stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True)),
    ("AvgPool1d", (3,), {}),
    ("AvgPool1d", ((3,),), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("AdaptiveAvgPool1d", (4,), {}),
    ("AdaptiveAvgPool1d", (3,), {}),
])
def test_pool1d_modules_match_torch(torch_ref, rng, cls, args, kw):
    ours, theirs = getattr(nn, cls)(*args, **kw), getattr(torch_ref.nn, cls)(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    for xs in ((2, 3, 8), (3, 8)):
        x = rng.standard_normal(xs)
        out, ref = ours(tg.tensor(x)), theirs(torch_ref.tensor(x))
        if kw.get("return_indices"):
            np.testing.assert_array_equal(out[1]._data, ref[1].numpy())
            out, ref = out[0], ref[0]
        np.testing.assert_allclose(out._data, ref.numpy(), rtol=1e-12)


# ---- adaptive average pooling ----------------------------------------------------------------------------------
ADAPTIVE2D_CASES = [  # (input shape, output_size)
    ((2, 3, 8, 6), 2),               # both divide: one avg_pool2d
    ((2, 3, 8, 6), (4, 3)),
    ((2, 3, 7, 5), 3),               # neither divides: slices of sizes 3, 3, 3 (overlapping)
    ((2, 3, 10, 7), (3, 2)),
    ((2, 3, 8, 7), (4, 3)),          # one divides, the other not
    ((2, 3, 9, 5), (3, 2)),
    ((2, 3, 5, 6), (None, 4)),       # None keeps the dim
    ((2, 3, 5, 6), (2, None)),
    ((2, 3, 4, 5), (6, 7)),          # larger than the input: windows repeat elements
    ((3, 7, 5), (3, 2)),             # unbatched
    ((2, 3, 5, 6), 1),               # global average pooling
    ((2, 3, 5, 6), [5, 6]),          # identity
]


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("xs,size", ADAPTIVE2D_CASES)
def test_adaptive_avg_pool2d_matches_torch(torch_ref, rng, xs, size, dtype, tol):
    x = rng.standard_normal(xs).astype(dtype)
    _check_against_torch(torch_ref, lambda t: F.adaptive_avg_pool2d(t, size),
                         lambda t: torch_ref.nn.functional.adaptive_avg_pool2d(t, size), [x], tol)


@pytest.mark.parametrize("dtype,tol", DTYPES)
@pytest.mark.parametrize("xs,size", [((2, 3, 8), 4), ((2, 3, 8), 3), ((2, 3, 7), (5,)), ((3, 5), 8),
                                     ((2, 3, 9), 1)])
def test_adaptive_avg_pool1d_matches_torch(torch_ref, rng, xs, size, dtype, tol):
    x = rng.standard_normal(xs).astype(dtype)
    _check_against_torch(torch_ref, lambda t: F.adaptive_avg_pool1d(t, size),
                         lambda t: torch_ref.nn.functional.adaptive_avg_pool1d(t, size), [x], tol)


def test_adaptive_avg_pool_window_rule_by_hand():
    """L = 5 to 3 windows: [0, 2), [1, 4), [3, 5) (floor(i*5/3), ceil((i+1)*5/3))."""
    x = tg.tensor([[[1.0, 2.0, 4.0, 8.0, 16.0]]], requires_grad=True)
    out = F.adaptive_avg_pool1d(x, 3)
    np.testing.assert_allclose(out._data, [[[1.5, 14 / 3, 12.0]]])
    out.sum().backward()
    np.testing.assert_allclose(x.grad._data, [[[0.5, 0.5 + 1 / 3, 1 / 3, 1 / 3 + 0.5, 0.5]]])


def test_adaptive_avg_pool2d_zero_output_size(torch_ref):
    out = F.adaptive_avg_pool2d(tg.zeros(2, 3, 5, 5), 0)
    assert tuple(out.shape) == tuple(torch_ref.nn.functional.adaptive_avg_pool2d(torch_ref.zeros(2, 3, 5, 5), 0).shape)


@pytest.mark.parametrize("fn,xs,size", [(F.adaptive_avg_pool2d, (2, 2, 5, 4), (3, 3)),
                                        (F.adaptive_avg_pool2d, (2, 2, 6, 5), (3, None)),
                                        (F.adaptive_avg_pool2d, (2, 2, 4, 6), 2),
                                        (F.adaptive_avg_pool1d, (2, 2, 7), 3)])
def test_adaptive_avg_pool_gradcheck_and_gradgradcheck(rng, fn, xs, size):
    x = tg.tensor(rng.standard_normal(xs), requires_grad=True)
    assert gradcheck(lambda t: fn(t, size), (x,))
    assert gradgradcheck(lambda t: fn(t, size), (x,))


@pytest.mark.parametrize("cls,size", [("AdaptiveAvgPool2d", 3), ("AdaptiveAvgPool2d", (None, 3)),
                                      ("AdaptiveAvgPool2d", (2, 4))])
def test_adaptive_avg_pool2d_module_matches_torch(torch_ref, rng, cls, size):
    ours, theirs = getattr(nn, cls)(size), getattr(torch_ref.nn, cls)(size)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    for xs in ((2, 3, 7, 9), (3, 7, 9)):
        x = rng.standard_normal(xs)
        np.testing.assert_allclose(ours(tg.tensor(x))._data, theirs(torch_ref.tensor(x)).numpy(), rtol=1e-12)


ADAPTIVE_ERRORS = [  # (function name, input shape, output_size)
    ("adaptive_avg_pool2d", (2, 3, 5, 5), (1, 2, 3)),
    ("adaptive_avg_pool2d", (5, 5), 3),
    ("adaptive_avg_pool2d", (1, 2, 5, 5, 5), 3),
    ("adaptive_avg_pool2d", (1, 2, 0, 5), 3),
    ("adaptive_avg_pool2d", (2, 3, 5, 5), -1),
    ("adaptive_avg_pool2d", (2, 3, 5, 5), (1, -1)),
    ("adaptive_avg_pool1d", (2, 3, 4, 5), 3),
    ("adaptive_avg_pool1d", (5,), 3),
    ("adaptive_avg_pool1d", (2, 3, 5), (1, 2)),
]


@pytest.mark.parametrize("name,xs,size", ADAPTIVE_ERRORS)
def test_adaptive_avg_pool_errors_match_torch(torch_ref, name, xs, size):
    _errors_match(getattr(torch_ref.nn.functional, name), getattr(F, name), (torch_ref.zeros(xs), size),
                  (tg.zeros(xs), size))
