"""The activation, softmax and loss ops of tinygrad_edu/ops/ (activation.py, softmax.py, loss.py, and the
unary/reduce ops with a numpy `backward_arrays` or a saved constant derivative) compute their gradient
two ways: a plain backward() runs numpy (`backward_arrays`, or the shared formula on arrays), a
create_graph=True pass runs Tensor operations. Both must give torch's gradient, for every input that
has one; grad_fn names and in-place use are compared with torch too."""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as tgF
from tinygrad_edu import autograd

import torch
F = torch.nn.functional

RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 5)) * 2
X[0, :3] = [0.0, 25.0, -25.0]  # relu's kink, softplus's threshold, the saturated sigmoid / tanh
X[1, :2] = [1.0, -1.0]         # hardtanh's bounds (gradient 0 there, as torch)
PROBS = np.abs(RNG.standard_normal((4, 5)))
PROBS /= PROBS.sum(1, keepdims=True)
IDX = np.array([0, 3, 1, 3])
W5 = np.abs(RNG.standard_normal(5)) + 0.5
SIG = 1 / (1 + np.exp(-RNG.standard_normal((4, 5))))
TIES = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]])

# name -> (f(L, F, *tensors), input arrays, indices of the inputs that require grad)
CASES = {
    "relu": (lambda L, F, x: F.relu(x), [X], [0]),
    "leaky_relu": (lambda L, F, x: F.leaky_relu(x, 0.2), [X], [0]),
    "hardtanh": (lambda L, F, x: F.hardtanh(x), [X], [0]),
    "sigmoid": (lambda L, F, x: L.sigmoid(x), [X], [0]),
    "erf": (lambda L, F, x: L.erf(x) if L is torch else tgF.erf(x), [X], [0]),
    "gelu": (lambda L, F, x: F.gelu(x), [X], [0]),
    "gelu_tanh": (lambda L, F, x: F.gelu(x, approximate="tanh"), [X], [0]),
    "elu": (lambda L, F, x: F.elu(x, 0.7), [X], [0]),
    "selu": (lambda L, F, x: F.selu(x), [X], [0]),
    "softplus": (lambda L, F, x: F.softplus(x), [X], [0]),
    "softplus_beta": (lambda L, F, x: F.softplus(x, beta=2.0, threshold=3.0), [X], [0]),
    "silu": (lambda L, F, x: F.silu(x), [X], [0]),
    "mish": (lambda L, F, x: F.mish(x), [X], [0]),
    "sin": (lambda L, F, x: x.sin(), [X], [0]),
    "cos": (lambda L, F, x: x.cos(), [X], [0]),
    "cast": (lambda L, F, x: x.float() * 3, [X], [0]),
    "clamp": (lambda L, F, x: x.clamp(-1.0, 1.0), [X], [0]),
    "clamp_tensor_bounds": (lambda L, F, x, lo: x.clamp(lo, lo + 1), [X, X[::-1].copy()], [0]),
    "amax_ties": (lambda L, F, x: x.amax(1), [TIES], [0]),
    "max_all_ties": (lambda L, F, x: x.max(), [TIES], [0]),
    "softmax": (lambda L, F, x: F.softmax(x, 1), [X], [0]),
    "log_softmax": (lambda L, F, x: F.log_softmax(x, 0), [X], [0]),
    "logsumexp": (lambda L, F, x: x.logsumexp(1), [X], [0]),
    "logsumexp_all_keepdim": (lambda L, F, x: x.logsumexp((0, 1), keepdim=True), [X], [0]),
    "cross_entropy": (lambda L, F, x: F.cross_entropy(x, L.tensor(IDX)), [X], [0]),
    "cross_entropy_sum": (lambda L, F, x: F.cross_entropy(x, L.tensor(IDX), reduction="sum"), [X], [0]),
    "cross_entropy_weight_ignore_smooth": (lambda L, F, x, w: F.cross_entropy(
        x, L.tensor(IDX), weight=w, ignore_index=1, label_smoothing=0.1, reduction="none"), [X, W5], [0]),
    "cross_entropy_probs": (lambda L, F, x, p: F.cross_entropy(x, p), [X, PROBS], [0, 1]),
    "cross_entropy_probs_weight_smooth": (lambda L, F, x, p, w: F.cross_entropy(
        x, p, weight=w, label_smoothing=0.2, reduction="none"), [X, PROBS, W5], [0, 1]),
    "nll_loss": (lambda L, F, x: F.nll_loss(x, L.tensor(IDX)), [X], [0]),
    "nll_loss_weight_none": (lambda L, F, x, w: F.nll_loss(x, L.tensor(IDX), weight=w, reduction="none"),
                             [X, W5], [0]),
    "bce": (lambda L, F, x, t: F.binary_cross_entropy(x, t), [SIG, PROBS], [0, 1]),
    "bce_logits_pos_weight": (lambda L, F, x, t, pw: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw),
                              [X, PROBS, W5], [0, 1]),  # torch: pos_weight may not require grad
    "bce_logits": (lambda L, F, x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum"),
                   [X, PROBS], [0, 1]),
}


def _inputs(L, arrays, wanted):
    return [L.tensor(a.copy(), dtype=L.float64, requires_grad=i in wanted) for i, a in enumerate(arrays)]


@pytest.mark.parametrize("case", list(CASES))
def test_plain_and_recorded_backward_both_give_torchs_gradient(case):
    fn, arrays, wanted = CASES[case]
    xt = _inputs(torch, arrays, wanted)
    out_t = fn(torch, F, *xt)
    seed = np.cos(np.arange(out_t.numel()).reshape(out_t.shape))  # not all ones: 'none' rows get weighted
    expected = torch.autograd.grad(out_t, [xt[i] for i in wanted], torch.tensor(seed))
    for create_graph in (False, True):
        xs = _inputs(tg, arrays, wanted)
        out = fn(tg, tgF, *xs)
        np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-6, atol=1e-9)
        grads = autograd.grad(out, [xs[i] for i in wanted], tg.tensor(seed), create_graph=create_graph)
        for g, e in zip(grads, expected):
            np.testing.assert_allclose(g.detach().numpy(), e.numpy(), rtol=1e-6, atol=1e-9,
                                       err_msg=f"{case}, create_graph={create_graph}")
            assert (g.grad_fn is not None) == create_graph or not g.requires_grad


@pytest.mark.parametrize("case", ["relu", "leaky_relu", "hardtanh", "sigmoid", "erf", "gelu", "gelu_tanh", "elu",
                                  "selu", "softplus", "softplus_beta", "silu", "mish", "sin", "cos", "cast", "clamp"])
@pytest.mark.parametrize("value", [0.5, -2.0, 30.0])
def test_zero_dim_input_both_ways(case, value):
    """numpy returns scalars, not arrays, for 0-d arithmetic: both backwards must still work."""
    fn = CASES[case][0]
    xt = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(fn(torch, F, xt), xt)
    for create_graph in (False, True):
        x = tg.tensor(value, dtype=tg.float64, requires_grad=True)
        (g,) = autograd.grad(fn(tg, tgF, x), x, create_graph=create_graph)
        assert g.shape == ()
        np.testing.assert_allclose(g.detach().numpy(), expected.numpy(), rtol=1e-6, atol=1e-12)


NAMES = {
    "prod_dim": lambda L, F, a: a.prod(1), "prod": lambda L, F, a: a.prod(), "cumsum": lambda L, F, a: a.cumsum(0),
    "logsumexp": lambda L, F, a: a.logsumexp(1), "selu": lambda L, F, a: F.selu(a), "mish": lambda L, F, a: F.mish(a),
    "relu6": lambda L, F, a: F.relu6(a), "softmin": lambda L, F, a: F.softmin(a, 1),
    "erf": lambda L, F, a: L.erf(a) if L is torch else tgF.erf(a),
    "ce_probs_mean": lambda L, F, a: F.cross_entropy(a, a.softmax(1).detach()),
    "ce_probs_sum": lambda L, F, a: F.cross_entropy(a, a.softmax(1).detach(), reduction="sum"),
    "ce_probs_none": lambda L, F, a: F.cross_entropy(a, a.softmax(1).detach(), reduction="none"),
    "nll_weight": lambda L, F, a: F.nll_loss(a, L.tensor([0, 2]), weight=L.ones(3, dtype=L.float64)),
    "bce_plain": lambda L, F, a: F.binary_cross_entropy(a.sigmoid(), a.sigmoid().detach(), reduction="none"),
}


@pytest.mark.parametrize("case", list(NAMES))
def test_grad_fn_name_is_torchs(case):
    values = np.random.default_rng(1).standard_normal((2, 3))
    names = [NAMES[case](L, functional, L.tensor(values, requires_grad=True)).grad_fn.name()
             for L, functional in ((tg, tgF), (torch, F))]
    assert names[0] == names[1]


@pytest.mark.parametrize("name", ["leaky_relu", "hardtanh", "relu", "elu", "clamp_"])
def test_in_place_on_a_non_leaf_as_torch(name):
    """The op's derivative is a constant saved by forward (or read off the output), so writing the result
    into the input does not break backward."""
    ops = {"leaky_relu": lambda F, h: F.leaky_relu(h, 0.1, inplace=True),
           "hardtanh": lambda F, h: F.hardtanh(h, inplace=True), "relu": lambda F, h: F.relu(h, inplace=True),
           "elu": lambda F, h: F.elu(h, inplace=True), "clamp_": lambda F, h: h.clamp_(-0.5, 0.5)}
    grads = []
    for L, functional in ((tg, tgF), (torch, F)):
        x = L.tensor([-1.0, 0.25, 2.0, -0.1], dtype=L.float64, requires_grad=True)
        h = x * 1.5
        out = ops[name](functional, h)
        assert out is h
        (out * L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float64)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_softmax_family_on_infinite_rows_as_torch():
    """The one stable helper keeps torch's answers where a row holds +-inf: softmax and log_softmax nan
    (torch does not special-case them), logsumexp -inf for an all -inf row and inf with an inf in it."""
    inf = np.inf
    rows = np.array([[-inf, -inf, -inf], [inf, 1.0, 0.0], [-inf, 1.0, 2.0], [inf, -inf, 0.0]])
    x, xt = tg.tensor(rows), torch.tensor(rows)
    with np.errstate(invalid="ignore", divide="ignore"):  # numpy warns where torch is silent
        for ours, theirs in ((x.softmax(1), xt.softmax(1)), (x.log_softmax(1), xt.log_softmax(1)),
                             (x.logsumexp(1), xt.logsumexp(1))):
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)  # nan where torch has nan


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_plain_backward_twice_with_retain_graph(reduction):
    # the plain backward writes dx over its saved exp(x - max) buffer; a second backward through the
    # retained graph must recompute it, not read the first gradient back
    ours = tg.tensor(X, requires_grad=True)
    ref = torch.tensor(X, requires_grad=True)
    loss = tgF.cross_entropy(ours, tg.tensor(IDX), reduction=reduction)
    tloss = F.cross_entropy(ref, torch.tensor(IDX), reduction=reduction)
    g = np.arange(1.0, 5.0) if reduction == "none" else np.array(1.5)
    for retain in (True, True, False):
        loss.backward(tg.tensor(g), retain_graph=retain)
        tloss.backward(torch.tensor(g), retain_graph=retain)
        np.testing.assert_allclose(ours.grad.numpy(), ref.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_relu_gradient_keeps_its_output_in_the_graph_as_torch():
    # torch records relu's gradient as ThresholdBackwardBackward0(grad, result): differentiating it
    # reaches what relu's input depends on, with zeros (relu'' = 0), where a bare mask would leave
    # that input unused and autograd.grad would raise
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0, 0.5], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([0.5, 0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([2.0, 1.0, -1.0, 3.0], dtype=lib.float64, requires_grad=True)
        (gx,) = lib.autograd.grad(((x + b).relu() * w).sum(), x, create_graph=True)
        second = lib.autograd.grad((gx * gx).sum(), [b, w])
        return gx.grad_fn.name(), [s.detach().numpy() for s in second]
    (ours_name, ours), (ref_name, ref) = run(tg), run(torch)
    assert ours_name == ref_name
    for o, r in zip(ours, ref):
        np.testing.assert_array_equal(o, r)
