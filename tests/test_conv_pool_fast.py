"""The fast paths of ops/conv.py (im2col as a channels-last matrix, col2im one kernel offset at a
time), ops/pool.py (max pooling over the offsets' slices, first maximum by counting) and the
cross-entropy/softmax forward that reuses its buffers: values, gradients, dtypes and index rules
against real torch, on the cases where such code goes wrong (groups, stride and dilation, uneven
padding, overlapping windows, ties at zero after a ReLU, NaN, empty batches, 'none' reductions)."""
import numpy as np
import pytest
import torch

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F

RNG = np.random.default_rng(12)


def _pair(a, dtype=np.float32):
    a = np.asarray(a, dtype=dtype)
    return te.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(ours, ref, tol=1e-5):
    np.testing.assert_allclose(ours.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    assert ours.detach().numpy().dtype == ref.detach().numpy().dtype
    assert tuple(ours.shape) == tuple(ref.shape)


@pytest.mark.parametrize("xs, ws, kw", [
    ((2, 4, 7, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ((3, 6, 5, 5), (6, 1, 3, 3), dict(padding=1, groups=6)),                # depthwise
    ((2, 3, 9, 8), (4, 3, 2, 3), dict(stride=3, dilation=2)),
    ((1, 2, 6, 7), (4, 2, 3, 4), dict(padding="same")),                     # uneven 'same' padding
    ((0, 2, 5, 5), (3, 2, 3, 3), dict(padding=1)),                          # empty batch
    ((64, 16, 4, 4), (32, 16, 3, 3), dict(padding=1)),                      # digits_cnn's conv2
])
def test_conv2d_values_and_grads_match_torch(xs, ws, kw):
    (x, tx), (w, tw), (b, tb) = _pair(RNG.standard_normal(xs)), _pair(RNG.standard_normal(ws)), \
        _pair(RNG.standard_normal(ws[0]))
    out, ref = F.conv2d(x, w, b, **kw), torch.nn.functional.conv2d(tx, tw, tb, **kw)
    _close(out, ref, 1e-4)
    g = RNG.standard_normal(tuple(ref.shape)).astype(np.float32)
    out.backward(te.tensor(g))
    ref.backward(torch.tensor(g))
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        _close(ours.grad, theirs.grad, 1e-4)


def test_conv2d_double_backward_matches_torch():
    (x, tx), (w, tw) = _pair(RNG.standard_normal((2, 2, 5, 5))), _pair(RNG.standard_normal((3, 2, 3, 3)))
    out = F.conv2d(x, w, stride=2, padding=1)
    ref = torch.nn.functional.conv2d(tx, tw, stride=2, padding=1)
    (gx,) = te.autograd.grad((out * out).sum(), x, create_graph=True)
    (tgx,) = torch.autograd.grad((ref * ref).sum(), tx, create_graph=True)
    _close(gx, tgx, 1e-4)
    gx.sum().backward()
    tgx.sum().backward()
    _close(w.grad, tw.grad, 1e-3)


@pytest.mark.parametrize("kw", [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),                               # overlapping windows
    dict(kernel_size=(3, 2), stride=(2, 1), dilation=(2, 1), padding=(1, 0)),
    dict(kernel_size=3, stride=2, ceil_mode=True, padding=1),
])
def test_max_pool_ties_after_relu_match_torch(kw):
    """Many zeros after a ReLU: the gradient and the index go to the first maximum of each window."""
    a = np.maximum(RNG.standard_normal((3, 2, 7, 6)), 0).round(1)  # ties at 0 and between rounded values
    x, tx = _pair(a)
    out, idx = F.max_pool2d(x, return_indices=True, **kw)
    ref, tidx = torch.nn.functional.max_pool2d(tx, return_indices=True, **kw)
    _close(out, ref)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.numpy().dtype == np.int64
    g = RNG.standard_normal(tuple(ref.shape)).astype(np.float32)
    out.backward(te.tensor(g))
    ref.backward(torch.tensor(g))
    _close(x.grad, tx.grad)


def test_max_pool_nan_picks_torchs_index_and_propagates():
    a = RNG.standard_normal((1, 2, 4, 6)).astype(np.float32)
    a[0, 0, 0, 1] = a[0, 0, 1, 0] = a[0, 1, 3, 5] = np.nan  # two NaN in one window, one alone
    x, tx = _pair(a)
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    ref, tidx = torch.nn.functional.max_pool2d(tx, 2, return_indices=True)
    np.testing.assert_array_equal(np.isnan(out.detach().numpy()), np.isnan(ref.detach().numpy()))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    out.sum().backward()
    ref.sum().backward()
    _close(x.grad, tx.grad)


def test_max_pool_double_backward_matches_torch():
    x, tx = _pair(RNG.standard_normal((2, 3, 6, 6)))
    out, ref = F.max_pool2d(x, 3, stride=2, padding=1), torch.nn.functional.max_pool2d(tx, 3, stride=2, padding=1)
    (gx,) = te.autograd.grad((out * out).sum(), x, create_graph=True)
    (tgx,) = torch.autograd.grad((ref * ref).sum(), tx, create_graph=True)
    _close(gx, tgx)
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    _close(x.grad, tx.grad)
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_index_fast_backward_matches_torch(reduction, dtype):
    z = (RNG.standard_normal((37, 11)) * 4).astype(dtype)
    y = RNG.integers(0, 11, 37)
    x, tx = _pair(z, dtype)
    out = F.cross_entropy(x, te.tensor(y), reduction=reduction)
    ref = torch.nn.functional.cross_entropy(tx, torch.tensor(y), reduction=reduction)
    _close(out, ref, 1e-6 if dtype == np.float64 else 1e-5)
    g = RNG.standard_normal(tuple(ref.shape)).astype(dtype)
    out.backward(te.tensor(g))
    ref.backward(torch.tensor(g))
    _close(x.grad, tx.grad, 1e-6 if dtype == np.float64 else 1e-5)
    assert x.grad.numpy().dtype == dtype


def test_cross_entropy_small_loss_is_accurate():
    """A confident right answer: the loss is tiny, and must not be lost to cancellation."""
    z = np.array([[20.0, 1.0, -3.0], [0.5, 30.0, 2.0]], dtype=np.float32)
    y = np.array([0, 1])
    ours = F.cross_entropy(te.tensor(z), te.tensor(y))
    ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y))
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-5)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_and_softmax_match_torch_on_strided_input(dim):
    a = (RNG.standard_normal((5, 7, 3)) * 10).astype(np.float32)
    x, tx = _pair(a)
    xs, txs = x.permute(2, 0, 1), tx.permute(2, 0, 1)  # a non-contiguous input
    for ours, ref in ((F.log_softmax(xs, dim), torch.nn.functional.log_softmax(txs, dim)),
                      (F.softmax(xs, dim), torch.nn.functional.softmax(txs, dim))):
        _close(ours, ref)
        assert ours.is_contiguous()
    ls = te.tensor(np.float32(3.0)).logsumexp(0)
    assert float(ls) == pytest.approx(float(torch.tensor(3.0).logsumexp(0)))


@pytest.mark.parametrize("kw", [dict(kernel_size=2, stride=1, padding=1), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=(3, 2), stride=1, padding=(1, 1), dilation=(1, 2)),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)])
def test_max_pool_windows_of_only_minus_inf_pick_an_input_position_as_torch(kw):
    # windows whose max is -inf tie with the -inf padding: torch keeps the first position inside the
    # input (and sends it the gradient); an index into the padding would be a silent wrong answer
    a = RNG.standard_normal((2, 3, 7, 6)).astype(np.float32)
    a[RNG.random(a.shape) < 0.7] = -np.inf
    ours, ref = _pair(a)
    out, idx = F.max_pool2d(ours, return_indices=True, **kw)
    tout, tidx = torch.nn.functional.max_pool2d(ref, return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    g = RNG.standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(te.tensor(g))
    tout.backward(torch.tensor(g))
    _close(ours.grad, ref.grad)


def test_max_pool_integer_minimum_ties_with_padding_as_torch():
    a = np.full((1, 2, 4, 4), np.iinfo(np.int64).min, np.int64)
    a[0, 0, 3, 3] = 5
    out, idx = F.max_pool2d(te.tensor(a), 2, 2, padding=1, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(torch.tensor(a), 2, 2, padding=1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(out.numpy(), tout.numpy())
