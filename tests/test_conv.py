"""Conv2d and the 2-D poolings against real torch: outputs, gradients, modules, errors."""
import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck

# torch warns that its own 'same' padding with an even kernel copies the input: not our concern
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

CONV_CASES = [  # (input shape, weight shape, kwargs)
    ((2, 3, 7, 8), (4, 3, 3, 3), {}),
    ((2, 3, 7, 8), (4, 3, 3, 2), dict(stride=2, padding=1)),
    ((2, 3, 9, 8), (4, 3, 3, 2), dict(stride=(2, 3), padding=(2, 1), dilation=(2, 1))),
    ((2, 4, 9, 8), (6, 2, 3, 3), dict(stride=(3, 2), padding=(0, 1), dilation=2, groups=2)),
    ((2, 4, 9, 8), (8, 1, 3, 3), dict(groups=4, padding="same")),                  # depthwise
    ((2, 4, 9, 8), (8, 1, 4, 2), dict(groups=4, padding="same", dilation=(1, 3))),  # uneven 'same'
    ((2, 4, 9, 8), (8, 4, 4, 2), dict(padding="valid", stride=3)),
    ((1, 2, 5, 5), (3, 2, 1, 1), dict(padding=3, stride=4)),  # padding larger than the kernel
    ((4, 9, 8), (8, 4, 4, 2), dict(padding=(4, 1), stride=3)),  # unbatched
]


def _pair_of_tensors(torch, array):
    return tg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def _check_against_torch(torch, fn, torch_fn, arrays, rtol, atol, seed=0):
    """Run fn and torch_fn on the same arrays, backpropagate the same random gradient, compare all."""
    ours, theirs = zip(*[_pair_of_tensors(torch, a) for a in arrays])
    out, ref = fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=rtol, atol=atol)
    assert out._data.dtype == arrays[0].dtype
    g = np.random.default_rng(seed).standard_normal(ref.shape).astype(arrays[0].dtype)
    out.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=rtol, atol=atol)
        assert a.grad._data.dtype == arrays[0].dtype
    return ours, g


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("xs,ws,kw", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(torch_ref, rng, xs, ws, kw, dtype, tol, bias):
    arrays = [rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)]
    if bias:
        arrays.append(rng.standard_normal(ws[0]).astype(dtype))
    _check_against_torch(torch_ref, lambda *t: F.conv2d(*t, **kw), lambda *t: torch_ref.nn.functional.conv2d(*t, **kw),
                         arrays, tol, tol)


@pytest.mark.parametrize("xs,ws,kw", CONV_CASES[1:6])
def test_conv2d_recorded_backward_equals_plain(rng, xs, ws, kw):
    """create_graph=True builds the gradients from convolutions; they must equal the numpy col2im ones."""
    x = tg.tensor(rng.standard_normal(xs), requires_grad=True)
    w = tg.tensor(rng.standard_normal(ws), requires_grad=True)
    out = F.conv2d(x, w, **kw)
    g = tg.tensor(rng.standard_normal(out.shape))
    plain = tg.autograd.grad(out, [x, w], g, retain_graph=True)
    recorded = tg.autograd.grad(out, [x, w], g, create_graph=True)
    assert all(r.grad_fn is not None for r in recorded)
    for p, r in zip(plain, recorded):
        np.testing.assert_allclose(r._data, p._data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(dilation=(2, 1), padding=(0, 2), groups=2),
                                dict(padding="same")])
def test_conv2d_gradcheck_and_gradgradcheck(rng, kw):
    x = tg.tensor(rng.standard_normal((2, 2, 5, 4)), requires_grad=True)
    w = tg.tensor(rng.standard_normal((2, 2 // kw.get("groups", 1), 2, 3)), requires_grad=True)
    b = tg.tensor(rng.standard_normal(2), requires_grad=True)
    fn = lambda x, w, b: F.conv2d(x, w, b, **kw)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv2d_second_derivative_matches_torch(torch_ref, rng):
    xa, wa = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((4, 1, 3, 2))
    results = []
    for lib, fn in ((tg, F.conv2d), (torch_ref, torch_ref.nn.functional.conv2d)):
        x, w = lib.tensor(xa, requires_grad=True), lib.tensor(wa, requires_grad=True)
        out = fn(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
        gx, = lib.autograd.grad((out ** 2).sum(), [x], create_graph=True)
        (gx ** 2).sum().backward()
        results.append((gx.detach().numpy() if lib is torch_ref else gx._data, x.grad, w.grad))
    (gx, x_g, w_g), (tgx, tx_g, tw_g) = results
    np.testing.assert_allclose(gx, tgx, rtol=1e-10)
    np.testing.assert_allclose(x_g._data, tx_g.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w_g._data, tw_g.numpy(), rtol=1e-10)


def test_conv2d_grad_fn_name_and_no_grad(rng):
    x, w = tg.tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True), tg.randn(1, 1, 2, 2, dtype=tg.float64)
    assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    with tg.no_grad():
        assert F.conv2d(x, w).grad_fn is None


@pytest.mark.parametrize("args,kw", [
    ((3, 8, 3), {}),
    ((3, 8, (3, 5)), dict(stride=2, padding=(1, 2), dilation=2, bias=False, padding_mode="reflect")),
    ((4, 8, 3), dict(padding="same", groups=4)),
    ((4, 8, 4), dict(padding="same", padding_mode="circular", dilation=(1, 2))),
    ((4, 6, 3), dict(padding="valid", groups=2, stride=(1, 3), padding_mode="replicate")),
])
def test_conv2d_module_matches_torch(torch_ref, rng, args, kw):
    ours, theirs = nn.Conv2d(*args, **kw), torch_ref.nn.Conv2d(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.weight.dtype == tg.float32
    with torch_ref.no_grad():  # same parameters in both, then compare the forward
        for name, p in ours.named_parameters():
            getattr(theirs, name).copy_(torch_ref.tensor(p._data))
    x = rng.standard_normal((2, args[0], 7, 9)).astype(np.float32)
    np.testing.assert_allclose(ours(tg.tensor(x))._data, theirs(torch_ref.tensor(x)).detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(ours(tg.tensor(x[0]))._data, theirs(torch_ref.tensor(x[0])).detach().numpy(), atol=1e-5)


def test_conv2d_default_init_bounds():
    tg.manual_seed(0)
    m = nn.Conv2d(6, 16, (3, 5), groups=2, dtype=tg.float64)
    bound = 1 / math.sqrt(3 * 3 * 5)  # fan_in = in_channels / groups * kh * kw
    for p in (m.weight, m.bias):
        assert p.dtype == tg.float64
        assert np.abs(p._data).max() <= bound and np.abs(p._data).max() > 0.9 * bound
    m.weight.sum().backward()  # a Parameter: requires grad
    assert m.weight.grad is not None


CONV_ERRORS = [  # (input shape, weight shape, bias shape or None, kwargs)
    ((2, 4, 5, 5), (8, 3, 3, 3), None, {}),
    ((2, 3), (8, 3, 3, 3), None, {}),
    ((2, 3, 5, 5, 5), (8, 3, 3, 3), None, {}),
    ((3, 5, 5), (8, 4, 3, 3), None, {}),
    ((1, 3, 2, 2), (8, 3, 3, 3), None, {}),
    ((1, 3, 4, 4), (8, 3, 3, 3), None, dict(dilation=2)),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(padding="same", stride=2)),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(padding="foo")),
    ((1, 3, 5, 5), (8, 3, 3, 3), (7,), {}),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(padding=-1)),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(stride=0)),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(dilation=0)),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(stride=(1, 2, 3))),
    ((1, 3, 5, 5), (8, 3, 3, 3), None, dict(padding=(1, 2, 3))),
    ((1, 4, 5, 5), (3, 2, 3, 3), None, dict(groups=2)),
    ((1, 4, 5, 5), (4, 2, 3, 3), None, dict(groups=0)),
    ((1, 3, 5, 5), (8, 3, 3), None, {}),
    ((1, 3, 5, 5), (0, 3, 3, 3), None, {}),                 # no output channels
    ((1, 4, 5, 5), (0, 2, 3, 3), None, dict(groups=2)),
]


@pytest.mark.parametrize("xs,ws,bs,kw", CONV_ERRORS)
def test_conv2d_errors_match_torch(torch_ref, xs, ws, bs, kw):
    def call(lib, fn):
        b = lib.zeros(bs) if bs is not None else None
        try:
            fn(lib.zeros(xs), lib.zeros(ws), b, **kw)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__, str(e)
        return None
    expected = call(torch_ref, torch_ref.nn.functional.conv2d)
    assert expected is not None and call(tg, F.conv2d) == expected


@pytest.mark.parametrize("x_dtype,w_dtype,b_dtype", [("float64", "float32", None), ("float32", "float64", None),
                                                     ("float32", "float32", "float64")])
def test_conv2d_dtype_errors_match_torch(torch_ref, x_dtype, w_dtype, b_dtype):
    def call(lib, fn):
        b = lib.zeros(8, dtype=getattr(lib, b_dtype)) if b_dtype else None
        with pytest.raises(RuntimeError) as info:
            fn(lib.zeros(1, 3, 5, 5, dtype=getattr(lib, x_dtype)),
               lib.zeros(8, 3, 3, 3, dtype=getattr(lib, w_dtype)), b)
        return str(info.value)
    assert call(tg, F.conv2d) == call(torch_ref, torch_ref.nn.functional.conv2d)


@pytest.mark.parametrize("args,kw", [
    ((3, 8, 3), dict(padding="same", stride=2)),
    ((3, 8, 3), dict(padding="foo")),
    ((3, 8, 3), dict(groups=2)),
    ((4, 9, 3), dict(groups=2)),
    ((4, 8, 3), dict(groups=0)),
    ((4, 8, 3), dict(padding_mode="bad")),
])
def test_conv2d_module_errors_match_torch(torch_ref, args, kw):
    with pytest.raises(Exception) as theirs:
        torch_ref.nn.Conv2d(*args, **kw)
    with pytest.raises(type(theirs.value)) as ours:
        nn.Conv2d(*args, **kw)
    # torch prints a Python set in two of these messages, whose order varies: compare up to it
    assert str(ours.value).split("{")[0] == str(theirs.value).split("{")[0]


# ---- pooling ------------------------------------------------------------------------------------------------
MAX_CASES = [  # (input shape, kwargs)
    ((2, 3, 7, 8), dict(kernel_size=2)),
    ((2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 9, 8), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1))),
    ((2, 3, 7, 8), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 3, 8, 7), dict(kernel_size=(2, 3), stride=(3, 2), padding=1, dilation=2, ceil_mode=True)),
    ((3, 7, 8), dict(kernel_size=3, stride=1, padding=1)),  # unbatched, overlapping windows
]
AVG_CASES = [
    ((2, 3, 7, 8), dict(kernel_size=2)),
    ((2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 7, 8), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 3, 9, 8), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 0), divisor_override=5)),
    ((2, 3, 7, 8), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 3, 8, 7), dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True)),
    ((2, 3, 8, 7), dict(kernel_size=(2, 3), stride=(3, 2), padding=1, ceil_mode=True, count_include_pad=False)),
    ((3, 7, 8), dict(kernel_size=3, stride=1, padding=1)),  # unbatched
]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("xs,kw", MAX_CASES)
def test_max_pool2d_matches_torch(torch_ref, rng, xs, kw, dtype, tol):
    x = rng.standard_normal(xs).astype(dtype)
    _check_against_torch(torch_ref, lambda t: F.max_pool2d(t, **kw),
                         lambda t: torch_ref.nn.functional.max_pool2d(t, **kw),
                         [x], tol, tol)
    out, idx = F.max_pool2d(tg.tensor(x), **kw, return_indices=True)
    ref, ref_idx = torch_ref.nn.functional.max_pool2d(torch_ref.tensor(x), **kw, return_indices=True)
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())
    assert idx.dtype == tg.int64 and not idx.requires_grad


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("xs,kw", AVG_CASES)
def test_avg_pool2d_matches_torch(torch_ref, rng, xs, kw, dtype, tol):
    x = rng.standard_normal(xs).astype(dtype)
    _check_against_torch(torch_ref, lambda t: F.avg_pool2d(t, **kw),
                         lambda t: torch_ref.nn.functional.avg_pool2d(t, **kw),
                         [x], tol, tol)


def test_max_pool2d_ties_send_the_gradient_to_the_first_max(torch_ref):
    x = np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [2.0, 3.0, 1.0]]]])
    ours, _ = _check_against_torch(torch_ref, lambda t: F.max_pool2d(t, 2, stride=1),
                                   lambda t: torch_ref.nn.functional.max_pool2d(t, 2, stride=1), [x], 0, 0)
    g = np.random.default_rng(0).standard_normal((1, 1, 2, 2))
    # every window's max 3 first appears at: (0,1), (0,1), (1,0), (1,2) -> the (0,1) entry gets two gradients
    expected = np.zeros((3, 3))
    for (r, c), gv in zip([(0, 1), (0, 1), (1, 0), (1, 2)], g.ravel()):
        expected[r, c] += gv
    np.testing.assert_allclose(ours[0].grad._data[0, 0], expected)


@pytest.mark.parametrize("fn,kw", [(F.max_pool2d, dict(kernel_size=2, stride=1, padding=1)),
                                   (F.max_pool2d, dict(kernel_size=(2, 3), stride=2, dilation=(1, 2), ceil_mode=True)),
                                   (F.avg_pool2d, dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
                                   (F.avg_pool2d, dict(kernel_size=2, ceil_mode=True, divisor_override=3))])
def test_pool2d_gradcheck_and_gradgradcheck(rng, fn, kw):
    # distinct values well apart, so a finite-difference step never changes which element is the max
    x = tg.tensor(rng.permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) * 0.1, requires_grad=True)
    assert gradcheck(lambda t: fn(t, **kw), (x,))
    assert gradgradcheck(lambda t: fn(t, **kw), (x,))


@pytest.mark.parametrize("cls,args,kw", [
    ("MaxPool2d", (3,), {}),
    ("MaxPool2d", ((3, 2),), dict(stride=1, padding=1, dilation=2, return_indices=True, ceil_mode=True)),
    ("AvgPool2d", (3,), {}),
    ("AvgPool2d", ((3, 2),),
     dict(stride=(1, 2), padding=1, ceil_mode=True, count_include_pad=False, divisor_override=2)),
])
def test_pool2d_modules_match_torch(torch_ref, rng, cls, args, kw):
    ours, theirs = getattr(nn, cls)(*args, **kw), getattr(torch_ref.nn, cls)(*args, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []
    x = rng.standard_normal((2, 3, 7, 9))
    out, ref = ours(tg.tensor(x)), theirs(torch_ref.tensor(x))
    if kw.get("return_indices"):
        np.testing.assert_array_equal(out[1]._data, ref[1].numpy())
        out, ref = out[0], ref[0]
    np.testing.assert_allclose(out._data, ref.numpy(), rtol=1e-12)


POOL_ERRORS = [  # (function name, input shape, kwargs)
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=3, padding=2)),
    ("avg_pool2d", (2, 3, 7, 7), dict(kernel_size=3, padding=2)),
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=3, stride=0)),
    ("avg_pool2d", (2, 3, 7, 7), dict(kernel_size=3, stride=0)),
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=9)),
    ("avg_pool2d", (2, 3, 7, 7), dict(kernel_size=9)),
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=3, dilation=4)),
    ("max_pool2d", (3, 7), dict(kernel_size=2)),
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=3, dilation=0)),
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=(1, 2, 3))),
    ("avg_pool2d", (2, 3, 7, 7), dict(kernel_size=(1, 2, 3))),
    ("max_pool2d", (2, 3, 7, 7), dict(kernel_size=3, padding=-1)),
    ("avg_pool2d", (2, 3, 7, 7), dict(kernel_size=2, divisor_override=0)),
]


@pytest.mark.parametrize("name,xs,kw", POOL_ERRORS)
def test_pool2d_errors_match_torch(torch_ref, name, xs, kw):
    with pytest.raises(Exception) as theirs:
        getattr(torch_ref.nn.functional, name)(torch_ref.zeros(xs), **kw)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(F, name)(tg.zeros(xs), **kw)
    assert str(ours.value) == str(theirs.value)
