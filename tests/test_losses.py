"""Losses (nn.losses, nn.modules.loss) against real torch: values, input gradients, error types,
module repr/state_dict; gradcheck / gradgradcheck against float64 finite differences."""
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
from tinygrad_edu.autograd import gradcheck, gradgradcheck
from tinygrad_edu.nn import losses as F

import torch
TF = torch.nn.functional
RNG = np.random.default_rng(1234)


def _f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _probs(*shape, axis=1):
    e = np.exp(_f32(*shape))
    return (e / e.sum(axis, keepdims=True)).astype(np.float32)


def _classes(n_classes, *shape, ignore=None):
    t = RNG.integers(0, n_classes, shape).astype(np.int64)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t


def _run(lib, name, arrays, kwargs, grad_idx):
    """Call loss `name` of `lib` ("ours" or "torch") on fresh tensors made from numpy arrays."""
    make = te.tensor if lib == "ours" else torch.tensor
    fn = getattr(F if lib == "ours" else TF, name)
    tensors = [make(a.copy(), requires_grad=i in grad_idx) for i, a in enumerate(arrays)]
    kw = {k: make(v.copy()) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*tensors, **kw), tensors


def assert_parity(name, arrays, grad_idx=(0,), rtol=1e-5, atol=1e-6, **kwargs):
    ours, ot = _run("ours", name, arrays, kwargs, grad_idx)
    ref, tt = _run("torch", name, arrays, kwargs, grad_idx)
    assert ours.shape == tuple(ref.shape)
    assert ours._data.dtype == ref.detach().numpy().dtype
    np.testing.assert_allclose(ours._data, ref.detach().numpy(), rtol=rtol, atol=atol)
    seed = RNG.standard_normal(ref.shape).astype(ours._data.dtype)
    ours.backward(te.tensor(seed))
    ref.backward(torch.tensor(seed))
    for i in grad_idx:
        np.testing.assert_allclose(ot[i].grad._data, tt[i].grad.numpy(), rtol=1e-4, atol=atol)


# ---- the lecture's snippets ------------------------------------------------------------------------
LOGITS = [[0.2, 6, 0.2], [0.1, 0.8, 10]]


@pytest.mark.parametrize("target", [[1, 2], [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]])
def test_lecture_cross_entropy(target):
    ours = nn.CrossEntropyLoss()(te.tensor(LOGITS), te.tensor(target))
    ref = torch.nn.CrossEntropyLoss()(torch.tensor(LOGITS), torch.tensor(target))
    assert ours.numpy().dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6)


def test_lecture_bce():
    x, y = [0.02, 0.8, 0.01], [0.0, 1.0, 0.0]
    ours = nn.BCELoss()(te.tensor(x), te.tensor(y))
    np.testing.assert_allclose(ours.numpy(), torch.nn.BCELoss()(torch.tensor(x), torch.tensor(y)).numpy(), rtol=1e-6)


# ---- parity: every loss x option x reduction -------------------------------------------------------
W5 = RNG.random(5).astype(np.float32) + 0.1
CASES = {
    # name: (loss, arrays, differentiable inputs, kwargs)
    "ce": ("cross_entropy", lambda: [_f32(8, 5), _classes(5, 8)], (0,), {}),
    "ce_weight": ("cross_entropy", lambda: [_f32(8, 5), _classes(5, 8)], (0,), {"weight": W5}),
    "ce_ignore": ("cross_entropy", lambda: [_f32(8, 5), _classes(5, 8, ignore=-100)], (0,), {}),
    "ce_ignore_class": ("cross_entropy", lambda: [_f32(8, 5), _classes(5, 8, ignore=2)], (0,),
                        {"ignore_index": 2, "weight": W5}),
    "ce_smooth": ("cross_entropy", lambda: [_f32(8, 5), _classes(5, 8)], (0,), {"label_smoothing": 0.2}),
    "ce_smooth_weight_ignore": ("cross_entropy", lambda: [_f32(8, 5), _classes(5, 8, ignore=-100)], (0,),
                                {"label_smoothing": 0.3, "weight": W5}),
    "ce_kdim": ("cross_entropy", lambda: [_f32(3, 5, 4, 2), _classes(5, 3, 4, 2, ignore=-100)], (0,),
                {"weight": W5, "label_smoothing": 0.1}),
    "ce_unbatched": ("cross_entropy", lambda: [_f32(5), _classes(5)], (0,), {"label_smoothing": 0.1}),
    "ce_prob": ("cross_entropy", lambda: [_f32(8, 5), _probs(8, 5)], (0, 1), {}),
    "ce_prob_weight_smooth": ("cross_entropy", lambda: [_f32(8, 5), _probs(8, 5)], (0, 1),
                              {"weight": W5, "label_smoothing": 0.25}),
    "ce_prob_kdim": ("cross_entropy", lambda: [_f32(3, 5, 4), _probs(3, 5, 4)], (0, 1), {"weight": W5}),
    "ce_prob_unbatched": ("cross_entropy", lambda: [_f32(5), _probs(5, axis=0)], (0, 1), {}),
    "nll": ("nll_loss", lambda: [_f32(8, 5), _classes(5, 8)], (0,), {}),
    "nll_weight_ignore": ("nll_loss", lambda: [_f32(8, 5), _classes(5, 8, ignore=-100)], (0,), {"weight": W5}),
    "nll_kdim": ("nll_loss", lambda: [_f32(3, 5, 4), _classes(5, 3, 4, ignore=1)], (0,), {"ignore_index": 1}),
    "nll_unbatched": ("nll_loss", lambda: [_f32(5), _classes(5)], (0,), {}),
    "bce": ("binary_cross_entropy", lambda: [RNG.random((6, 3)).astype(np.float32) * 0.9 + 0.05,
                                             RNG.random((6, 3)).astype(np.float32)], (0, 1), {}),
    "bce_weight": ("binary_cross_entropy", lambda: [RNG.random((6, 3)).astype(np.float32) * 0.9 + 0.05,
                                                    RNG.random((6, 3)).astype(np.float32)], (0, 1),
                   {"weight": RNG.random(3).astype(np.float32)}),
    "bcewl": ("binary_cross_entropy_with_logits", lambda: [_f32(6, 3) * 3, RNG.random((6, 3)).astype(np.float32)],
              (0, 1), {}),
    "bcewl_pos_weight": ("binary_cross_entropy_with_logits", lambda: [_f32(6, 3) * 3,
                                                                     RNG.random((6, 3)).astype(np.float32)],
                         (0, 1), {"pos_weight": RNG.random(3).astype(np.float32) * 3,
                                  "weight": RNG.random((6, 3)).astype(np.float32)}),
    "mse": ("mse_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {}),
    "mse_weight": ("mse_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {"weight": RNG.random((6, 3)).astype(np.float32)}),
    "l1": ("l1_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {}),
    "l1_weight": ("l1_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {"weight": RNG.random((6, 3)).astype(np.float32)}),
    "smooth_l1": ("smooth_l1_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {}),
    "smooth_l1_beta": ("smooth_l1_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {"beta": 0.4}),
    "smooth_l1_beta0": ("smooth_l1_loss", lambda: [_f32(6, 3), _f32(6, 3)], (0, 1), {"beta": 0.0}),
    "huber": ("huber_loss", lambda: [_f32(6, 3) * 2, _f32(6, 3)], (0, 1), {}),
    "huber_delta_weight": ("huber_loss", lambda: [_f32(6, 3) * 2, _f32(6, 3)], (0, 1),
                           {"delta": 0.3, "weight": RNG.random((6, 3)).astype(np.float32)}),
    "kl": ("kl_div", lambda: [np.log(_probs(4, 5)), np.where(RNG.random((4, 5)) < 0.3, 0, _probs(4, 5))
                              .astype(np.float32)], (0,), {}),  # d/dtarget at target 0: nan in torch
    "kl_target_grad": ("kl_div", lambda: [np.log(_probs(4, 5)), _probs(4, 5)], (0, 1), {}),
    "kl_log_target": ("kl_div", lambda: [np.log(_probs(4, 5)), np.log(_probs(4, 5))], (0, 1), {"log_target": True}),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_parity_with_torch(case, reduction):
    name, arrays, grad_idx, kwargs = CASES[case]
    assert_parity(name, arrays(), grad_idx, reduction=reduction, **kwargs)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_batchmean(log_target):
    target = _probs(4, 5)
    assert_parity("kl_div", [np.log(_probs(4, 5)), np.log(target) if log_target else target], (0, 1),
                  reduction="batchmean", log_target=log_target)


def test_float64_stays_float64_and_float32_stays_float32():
    assert_parity("cross_entropy", [_f32(4, 3).astype(np.float64), _classes(3, 4)])
    out = F.cross_entropy(te.tensor(_f32(16, 4), requires_grad=True), te.tensor(_classes(4, 16)))
    out.backward()
    assert out._data.dtype == np.float32


def test_all_targets_ignored_gives_nan_like_torch():
    assert_parity("cross_entropy", [_f32(3, 4), np.full(3, -100, np.int64)], label_smoothing=0.1)


def test_uint8_targets_are_accepted():
    assert_parity("cross_entropy", [_f32(6, 4), _classes(4, 6).astype(np.uint8)])


# ---- extreme inputs ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,arrays", [
    ("cross_entropy", [np.array([[1e4, 0, -1e4], [-1e4, 1e4, 0]], np.float32), np.array([2, 1])]),
    ("cross_entropy", [np.array([[1e4, 0, -1e4], [-1e4, 1e4, 0]], np.float32),
                       np.array([[0.2, 0.3, 0.5], [0, 1, 0]], np.float32)]),
    ("binary_cross_entropy_with_logits", [np.array([1e4, -1e4, 80.0, -80.0], np.float32),
                                          np.array([0.0, 1.0, 0.5, 1.0], np.float32)]),
    ("binary_cross_entropy", [np.array([0.0, 1.0, 1e-30, 1.0], np.float32),
                              np.array([1.0, 0.0, 1.0, 1.0], np.float32)]),
])
def test_extreme_inputs_finite_and_equal_to_torch(name, arrays):
    out, _ = _run("ours", name, arrays, {}, ())
    assert np.isfinite(out._data).all()
    assert_parity(name, arrays, rtol=1e-5, atol=1e-5)


# ---- gradcheck / gradgradcheck (float64) -------------------------------------------------------------
def _f64(*shape, grad=True):
    return te.tensor(RNG.standard_normal(shape), requires_grad=grad)


def _p64(*shape, axis=1):
    e = np.exp(RNG.standard_normal(shape))
    return te.tensor(e / e.sum(axis, keepdims=True), requires_grad=True)


IDX = te.tensor(np.array([0, 3, -100, 2, 1]))
IDX_KDIM = te.tensor(_classes(4, 2, 3))
W64 = te.tensor(RNG.random(4) + 0.1)
GRAD_CASES = {
    "ce_index": (lambda x: F.cross_entropy(x, IDX, weight=W64, label_smoothing=0.2), lambda: [_f64(5, 4)]),
    "ce_index_kdim_none": (lambda x: F.cross_entropy(x, IDX_KDIM, reduction="none"),
                           lambda: [_f64(2, 4, 3)]),
    "ce_prob": (lambda x, t: F.cross_entropy(x, t, weight=W64, label_smoothing=0.1), lambda: [_f64(3, 4), _p64(3, 4)]),
    "nll": (lambda x: F.nll_loss(x, IDX, weight=W64), lambda: [_f64(5, 4)]),
    "bce": (lambda x, t: F.binary_cross_entropy(x, t, reduction="sum"),
            lambda: [te.tensor(RNG.random(5) * 0.8 + 0.1, requires_grad=True), te.tensor(RNG.random(5), requires_grad=True)]),
    "bce_with_logits": (lambda x, t, p: F.binary_cross_entropy_with_logits(x, t, pos_weight=p, reduction="sum"),
                        lambda: [_f64(4, 3), te.tensor(RNG.random((4, 3)), requires_grad=True),
                                 te.tensor(RNG.random(3) + 0.5, requires_grad=True)]),
    "mse": (lambda x, t: F.mse_loss(x, t), lambda: [_f64(4, 3), _f64(4, 3)]),
    "l1": (lambda x, t: F.l1_loss(x, t), lambda: [_f64(4, 3), _f64(4, 3)]),
    "smooth_l1": (lambda x, t: F.smooth_l1_loss(x, t, beta=0.7), lambda: [_f64(4, 3), _f64(4, 3)]),
    "huber": (lambda x, t: F.huber_loss(x, t, delta=0.6), lambda: [_f64(4, 3), _f64(4, 3)]),
    "kl_div": (lambda x, t: F.kl_div(x, t, reduction="batchmean"), lambda: [_f64(3, 4), _p64(3, 4)]),
    "kl_div_log_target": (lambda x, t: F.kl_div(x, t, reduction="sum", log_target=True),
                          lambda: [_f64(3, 4), _f64(3, 4)]),
}
SECOND_ORDER = ["ce_index", "ce_index_kdim_none", "ce_prob", "bce_with_logits", "mse", "smooth_l1", "kl_div",
                "kl_div_log_target"]


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradcheck(case):
    fn, inputs = GRAD_CASES[case]
    assert gradcheck(fn, inputs())


@pytest.mark.parametrize("case", SECOND_ORDER)
def test_gradgradcheck(case):
    fn, inputs = GRAD_CASES[case]
    assert gradgradcheck(fn, inputs())


# ---- errors: same exception type as torch, our message names the values ------------------------------
X35 = _f32(3, 5)
ERRORS = [
    ("cross_entropy", [X35, np.array([1, 5, 2])], {}, "Target 5 is out of bounds"),
    ("cross_entropy", [X35, np.array([1, -3, 2])], {}, "Target -3"),
    ("cross_entropy", [X35, np.array([1, 4, 2], np.int32)], {}, "but got Int"),
    ("cross_entropy", [X35, np.array([1.0, 4, 2], np.float32)], {}, "but got Float"),
    ("cross_entropy", [X35, np.array([1, 4])], {}, "batch_size (3) to match target batch_size (2)"),
    ("cross_entropy", [X35, RNG.random((3, 4)).astype(np.float32)], {}, "multi-target"),
    ("cross_entropy", [X35, np.ones((3, 5), np.int64)], {}, "got Long"),
    ("cross_entropy", [X35, _probs(3, 5)], {"ignore_index": 1}, "ignore_index"),
    ("cross_entropy", [X35, np.array([1, 4, 2])], {"label_smoothing": 1.5}, "1.5"),
    ("cross_entropy", [X35, np.array([1, 4, 2])], {"reduction": "avg"}, "avg"),
    ("cross_entropy", [X35, np.array([1, 4, 2])], {"weight": np.ones(4, np.float32)}, "[4]"),
    ("cross_entropy", [X35, _probs(3, 5)], {"weight": np.ones(4, np.float32)}, "[4]"),
    ("cross_entropy", [X35, np.array([1, 4, 2])], {"weight": np.ones(5)}, "Double"),
    ("cross_entropy", [_f32(2, 3, 4), np.zeros((2, 3), np.int64)], {}, "[2, 4], got [2, 3]"),
    ("cross_entropy", [_f32(3), np.array([1, 2])], {}, "size: 2"),
    ("nll_loss", [X35, np.array([1, 5, 2])], {}, "Target 5"),
    ("nll_loss", [X35, np.array([1, 4])], {}, "(2)"),
    ("binary_cross_entropy", [RNG.random(3).astype(np.float32), RNG.random((3, 1)).astype(np.float32)], {}, "[3, 1]"),
    ("binary_cross_entropy", [RNG.random(3).astype(np.float32) + 1, RNG.random(3).astype(np.float32)], {},
     "between 0 and 1"),
    ("binary_cross_entropy", [RNG.random(3).astype(np.float32), np.array([1, 0, 1])], {}, "Long"),
    ("binary_cross_entropy_with_logits", [_f32(3), _f32(3, 1)], {}, "[3, 1]"),
    ("binary_cross_entropy_with_logits", [_f32(3, 2), _f32(3, 2)], {"pos_weight": _f32(4, 3, 2)}, "[4, 3, 2]"),
    ("mse_loss", [_f32(3), _f32(4)], {}, "must match the size of tensor b (4) at non-singleton dimension 0"),  # torch's words
    ("l1_loss", [_f32(3), _f32(3)], {"reduction": "foo"}, "foo"),
    ("smooth_l1_loss", [_f32(3), _f32(3)], {"beta": -1.0}, "beta"),
    ("huber_loss", [_f32(3), _f32(3)], {"delta": 0.0}, "delta"),
    ("kl_div", [_f32(3), _f32(3)], {"reduction": "batch"}, "batch"),
]


@pytest.mark.parametrize("name,arrays,kwargs,text", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_match_torch(name, arrays, kwargs, text):
    with pytest.raises(Exception) as ref:
        _run("torch", name, arrays, kwargs, ())
    with pytest.raises(type(ref.value)) as ours:
        _run("ours", name, arrays, kwargs, ())
    assert type(ours.value) is type(ref.value)
    assert text in str(ours.value)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_size_mismatch_warns_and_broadcasts_like_torch(name):
    x, t = _f32(4, 3), _f32(4, 1)
    with pytest.warns(UserWarning, match=r"target size .*\[4, 1\].* different to the input size .*\[4, 3\]"):
        getattr(F, name)(te.tensor(x), te.tensor(t))
    assert_parity(name, [x, t], (0, 1))


@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_legacy_size_average_reduce(size_average, reduce):
    x, t = _f32(4, 3), _f32(4, 3)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated") as ours:
        out = F.mse_loss(te.tensor(x), te.tensor(t), size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning) as ref:
        expected = TF.mse_loss(torch.tensor(x), torch.tensor(t), size_average=size_average, reduce=reduce)
    assert str(ours[0].message) == str(ref[0].message)
    np.testing.assert_allclose(out._data, expected.numpy(), rtol=1e-6)


def test_target_must_be_a_tensor():
    for name in ("cross_entropy", "nll_loss"):
        with pytest.raises(TypeError):
            getattr(TF, name)(torch.zeros(2, 3), [0, 1])
        with pytest.raises(TypeError, match="list"):
            getattr(F, name)(te.zeros(2, 3), [0, 1])


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(te.tensor(_f32(3)), te.tensor(_probs(3, axis=0)))


# ---- modules -----------------------------------------------------------------------------------------
MODULES = [
    ("CrossEntropyLoss", {}), ("CrossEntropyLoss", {"weight": W5, "ignore_index": 3, "label_smoothing": 0.1}),
    ("NLLLoss", {"weight": W5}), ("BCELoss", {"weight": W5}), ("BCELoss", {}),
    ("BCEWithLogitsLoss", {"pos_weight": W5}), ("BCEWithLogitsLoss", {"weight": W5, "pos_weight": W5}),
    ("MSELoss", {"reduction": "sum"}), ("L1Loss", {}), ("SmoothL1Loss", {"beta": 0.5}), ("HuberLoss", {"delta": 2.0}),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}), ("MSELoss", {"size_average": False}),
    ("CrossEntropyLoss", {"reduce": False}),
]


@pytest.mark.parametrize("name,kwargs", MODULES)
def test_module_repr_state_dict_and_attributes(name, kwargs):
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = getattr(nn, name)(**{k: te.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    with warnings.catch_warnings(record=True) as ref_w:
        warnings.simplefilter("always")
        ref = getattr(torch.nn, name)(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                         for k, v in kwargs.items()})
    assert repr(ours) == repr(ref)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [str(w.message) for w in ours_w] == [str(w.message) for w in ref_w]
    for attr in ("reduction", "ignore_index", "label_smoothing", "beta", "delta", "log_target"):
        assert getattr(ours, attr, None) == getattr(ref, attr, None)


def test_module_forward_equals_functional():
    x, t = _f32(6, 5), _classes(5, 6, ignore=-100)
    loss = nn.CrossEntropyLoss(weight=te.tensor(W5), label_smoothing=0.2, reduction="sum")
    ref = torch.nn.CrossEntropyLoss(weight=torch.tensor(W5), label_smoothing=0.2, reduction="sum")
    np.testing.assert_allclose(loss(te.tensor(x), te.tensor(t))._data,
                               ref(torch.tensor(x), torch.tensor(t)).numpy(), rtol=1e-5)
    bce = nn.BCEWithLogitsLoss(pos_weight=te.tensor(W5))
    y = RNG.random((6, 5)).astype(np.float32)
    np.testing.assert_allclose(bce(te.tensor(x), te.tensor(y))._data,
                               torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(W5))(torch.tensor(x),
                                                                                       torch.tensor(y)).numpy(), rtol=1e-5)
