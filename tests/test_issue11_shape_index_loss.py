"""Issue 11 (items 3, 4, 7, 10, 11, 12) for shape/index ops, normalisation, losses, pooling and size=:
each case is run on real torch and on tinygrad_edu, and the two must agree (values, dtypes, shapes,
contiguity, exception classes). The registry (tests/opinfo) covers the rest of these ops."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
from tinygrad_edu.nn import functional as F

TF = torch.nn.functional
RNG = np.random.RandomState(11)


def both(fn):
    """fn(lib, F-module, nn-module) on both sides: (ours, torch's) result or exception."""
    out = []
    for lib, fmod, nmod in ((tg, F, tnn), (torch, TF, torch.nn)):
        try:
            out.append(fn(lib, fmod, nmod))
        except Exception as e:  # noqa: BLE001 - the class is what is compared
            out.append(e)
    return out


def same_error(fn):
    ours, theirs = both(fn)
    assert isinstance(theirs, Exception), f"torch accepted: {theirs}"
    assert isinstance(ours, Exception), f"accepted; torch raises {type(theirs).__name__}: {theirs}"
    assert type(ours) is type(theirs), f"ours {type(ours).__name__}: {ours}; torch {type(theirs).__name__}: {theirs}"


def same_tensor(fn, rtol=1e-6, atol=1e-7):
    ours, theirs = both(fn)
    for r in (ours, theirs):
        if isinstance(r, Exception):
            raise r
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.is_contiguous() == theirs.is_contiguous()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def arr(shape, dtype=np.float32):
    return RNG.randn(*shape).astype(dtype)


X64, T32, X32, T64 = arr((3, 4), np.float64), RNG.rand(3, 4).astype(np.float32), arr((3, 4)), RNG.rand(3, 4)


@pytest.mark.parametrize("xd, td", [(X32, T64), (X64, T32)])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_bce_with_logits_mixed_dtypes(xd, td, reduction):
    same_tensor(lambda lib, f, n: f.binary_cross_entropy_with_logits(lib.tensor(xd), lib.tensor(td),
                                                                      reduction=reduction), rtol=1e-6)


@pytest.mark.parametrize("xd, td", [(X32, T64), (X64, T32)])
def test_cross_entropy_prob_mixed_dtypes(xd, td):
    probs = td / td.sum(1, keepdims=True)
    same_tensor(lambda lib, f, n: f.cross_entropy(lib.tensor(xd), lib.tensor(probs)), rtol=1e-6)


def test_cross_entropy_mixed_gradient_dtype():
    for lib, f in ((tg, F), (torch, TF)):
        x = lib.tensor(X32, requires_grad=True)
        f.cross_entropy(x, lib.tensor(T64 / T64.sum(1, keepdims=True))).backward()
        assert str(x.grad.dtype).endswith("float32")


@pytest.mark.parametrize("target", [2.0, "tensor2", "tensor-neg", "tensor-nan"])
def test_binary_cross_entropy_bad_targets(target):
    def call(lib, f, n):
        p = lib.tensor([0.2, 0.5, 0.9])
        t = {"tensor2": lib.full((3,), 2.0), "tensor-neg": lib.full((3,), -0.5),
             "tensor-nan": lib.full((3,), float("nan"))}.get(target, target)
        return f.binary_cross_entropy(p, target=t)
    same_error(call)


@pytest.mark.parametrize("ignore_index", [2.5, 2.0, True])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_ignore_index_must_be_int(loss, ignore_index):
    same_error(lambda lib, f, n: getattr(f, loss)(lib.tensor(X32), lib.tensor([0, 1, 2]), ignore_index=ignore_index))


def test_one_hot_empty_needs_num_classes():
    same_error(lambda lib, f, n: f.one_hot(lib.zeros(0, dtype=lib.int64)))
    same_tensor(lambda lib, f, n: f.one_hot(lib.zeros(0, dtype=lib.int64), 3))


@pytest.mark.parametrize("module", ["LayerNorm", "BatchNorm1d", "BatchNorm1d-eval"])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_norm_modules_refuse_other_dtypes(module, dtype):
    def call(lib, f, n):
        m = getattr(n, module.split("-")[0])(4)
        if module.endswith("eval"):
            m.eval()
        return m(lib.ones(3, 4, dtype=getattr(lib, dtype)))
    same_error(call)


def test_norm_mixed_dtype_messages():
    cases = [lambda lib, f: f.layer_norm(lib.tensor(X64), (4,), lib.ones(4), lib.zeros(4)),
             lambda lib, f: f.layer_norm(lib.tensor(X32), (4,), lib.ones(4, dtype=lib.float64)),
             lambda lib, f: f.batch_norm(lib.tensor(X32), None, None, lib.ones(4, dtype=lib.float64), training=True),
             lambda lib, f: f.group_norm(lib.tensor(X64).reshape(3, 4, 1), 2, lib.ones(4), lib.zeros(4))]
    for case in cases:
        msgs = []
        for lib, f in ((tg, F), (torch, TF)):
            with pytest.raises(RuntimeError) as e:
                case(lib, f)
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]


def test_rms_norm_other_weight_dtype_and_int_input():
    same_tensor(lambda lib, f, n: f.rms_norm(lib.tensor(X32), (4,), lib.tensor(T64[0])), rtol=1e-5)
    same_tensor(lambda lib, f, n: f.rms_norm(lib.tensor(X64), (4,), lib.tensor(T32[0])))
    same_error(lambda lib, f, n: f.rms_norm(lib.ones(3, 4, dtype=lib.int64), (4,)))


def test_float64_norms_unchanged():
    same_tensor(lambda lib, f, n: f.layer_norm(lib.tensor(X64), (4,)), rtol=1e-10, atol=1e-12)
    same_tensor(lambda lib, f, n: f.batch_norm(lib.tensor(X64), None, None, training=True), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("value", [None, "abc"])
def test_setitem_none_or_str(value):
    def call(lib, f, n):
        x = lib.zeros(3)
        x[0] = value
    same_error(call)


def test_masked_fill_broadcasts_the_tensor_too():
    same_tensor(lambda lib, f, n: lib.tensor(X32[0]).masked_fill(lib.tensor(X32 > 0), 1.0))
    same_error(lambda lib, f, n: lib.tensor(X32).masked_fill(lib.tensor(np.ones((3, 4, 2), bool)), 1.0))


def test_view_after_advanced_index():
    base = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    same_tensor(lambda lib, f, n: lib.tensor(base).permute(2, 0, 1)[lib.tensor([0, 1])].view(-1))
    same_tensor(lambda lib, f, n: (lambda x: x[x > 2])(lib.tensor(base).mT).view(-1))


def test_gather_0d_and_negative_index():
    same_tensor(lambda lib, f, n: lib.gather(lib.tensor(2.0), 0, lib.tensor([0, 0])))
    same_tensor(lambda lib, f, n: lib.gather(lib.tensor(2.0), 0, lib.tensor(0)))
    same_error(lambda lib, f, n: lib.gather(lib.tensor(X32), 1, lib.tensor([[-1], [0], [1]])))
    same_error(lambda lib, f, n: lib.gather(lib.tensor(X32), 1, lib.tensor([[0], [0], [1]], dtype=lib.int16)))
    same_error(lambda lib, f, n: lib.index_select(lib.tensor(2.0), 0, lib.tensor([0, 0])))
    same_error(lambda lib, f, n: lib.index_select(lib.tensor(X32), 0, lib.tensor([-1])))


def test_gather_0d_gradient():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(2.0, requires_grad=True)
        (lib.gather(x, 0, lib.tensor([0, 0])) * lib.tensor([1.0, 3.0])).sum().backward()
        grads.append(float(x.grad))
    assert grads[0] == grads[1]


def test_cat_legacy_empty_and_refusals():
    same_tensor(lambda lib, f, n: lib.cat([lib.zeros(0, dtype=lib.float64), lib.tensor(X32)], 1))
    same_tensor(lambda lib, f, n: lib.cat([lib.zeros(0), lib.zeros(0)]))
    same_error(lambda lib, f, n: lib.cat([lib.tensor(X32), lib.tensor(1.0)]))
    same_error(lambda lib, f, n: lib.cat([lib.tensor(X32), lib.zeros(0)], 5))
    same_error(lambda lib, f, n: lib.cat([]))


def test_cat_legacy_empty_gradient():
    for lib in (tg, torch):
        x, e = lib.tensor(X32, requires_grad=True), lib.zeros(0, requires_grad=True)
        lib.cat([e, x]).sum().backward()
        assert tuple(e.grad.shape) == (0,) and tuple(x.grad.shape) == (3, 4)


@pytest.mark.parametrize("args", [(1.5, -1), ("abc",), (True, -1), (None,)])
@pytest.mark.parametrize("method", ["reshape", "view"])
def test_shape_arguments_must_be_ints(method, args):
    same_error(lambda lib, f, n: getattr(lib.tensor(X32), method)(*args))


def test_shape_numpy_and_tensor_sizes_accepted():
    same_tensor(lambda lib, f, n: lib.tensor(X32).reshape(np.int64(2), lib.tensor(6)))


@pytest.mark.parametrize("shape", [(0, 3, 4, 4), (2, 0, 4, 4), (0, 4, 4), (2, 3, 0, 4)])
@pytest.mark.parametrize("pool", ["max_pool2d", "avg_pool2d"])
def test_pool_empty_dims(pool, shape):
    ours, theirs = both(lambda lib, f, n: getattr(f, pool)(lib.zeros(*shape), 2))
    if isinstance(theirs, Exception):
        assert type(ours) is type(theirs)
    else:
        assert tuple(ours.shape) == tuple(theirs.shape)


def test_pool_dims_refusals():
    same_error(lambda lib, f, n: f.avg_pool2d(lib.zeros(5, 7), 2))
    same_error(lambda lib, f, n: f.avg_pool2d(lib.zeros(7), 2))
    same_error(lambda lib, f, n: f.max_pool2d(lib.zeros(5, 7), 2))
    same_error(lambda lib, f, n: f.adaptive_avg_pool2d(lib.zeros(5, 7), (2, 2)))
    same_error(lambda lib, f, n: f.adaptive_avg_pool2d(lib.zeros(5, 7), 2))


@pytest.mark.parametrize("fname", ["zeros", "ones", "empty"])
def test_size_keyword(fname):
    for size in ((2, 3), [2], ()):
        ours, theirs = both(lambda lib, f, n: getattr(lib, fname)(size=size))
        assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[-7:] == str(theirs.dtype)[-7:]
    same_error(lambda lib, f, n: getattr(lib, fname)(size=2))
    same_error(lambda lib, f, n: getattr(lib, fname)(2, size=(2, 3)))
    same_error(lambda lib, f, n: getattr(lib, fname)(size=(2.5,)))
