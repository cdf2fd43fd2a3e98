"""nn.MSELoss / F.mse_loss against real torch 2.13 (issue 14): the graph ends in one MseLossBackward0
node whose next_functions is torch's (ExpandBackward0 on an operand that was broadcast), for every
reduction; values and gradients are torch's; float64 gradients and second derivatives pass
gradcheck / gradgradcheck; warnings and errors are torch's."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.nn as tnn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.autograd import gradcheck, gradgradcheck


def _chain(node):
    """The graph below `node` as text: name[(child, output_nr), ...]."""
    if node is None:
        return "None"
    name = node.name() if hasattr(node, "name") else type(node).__name__
    name = name.rsplit("::", 1)[-1]
    return name + "[" + ", ".join(f"({_chain(n)}, {nr})" for n, nr in node.next_functions) + "]"


SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((), ()),
          ((2, 3, 4), (3, 1))]
# (input, target): a leaf, a computed tensor, or a constant (at least one of the two needs grad)
KINDS = [(i, t) for i in ("leaf", "computed", "constant") for t in ("constant", "leaf", "computed")
         if (i, t) != ("constant", "constant")]


def _make(lib, shape, kind, seed):
    values = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    if kind == "constant":
        return lib.tensor(values)
    t = lib.tensor(values, requires_grad=True)
    return t * 2.0 if kind == "computed" else t


def _loss(lib, functional, shapes, input_kind, target_kind, reduction, module=False):
    x, t = _make(lib, shapes[0], input_kind, 0), _make(lib, shapes[1], target_kind, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcasting warning: tested below
        if module:
            return (tnn if lib is tg else torch.nn).MSELoss(reduction=reduction)(x, t)
        return functional.mse_loss(x, t, reduction=reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("input_kind,target_kind", KINDS, ids=str)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_the_graph_is_torchs(shapes, input_kind, target_kind, reduction):
    ours = _loss(tg, F, shapes, input_kind, target_kind, reduction)
    theirs = _loss(torch, torch.nn.functional, shapes, input_kind, target_kind, reduction)
    assert _chain(ours.grad_fn) == _chain(theirs.grad_fn)
    assert ours.grad_fn.name() == "MseLossBackward0"
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_no_graph_without_grad():
    assert F.mse_loss(tg.ones(3), tg.zeros(3)).grad_fn is None


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_the_module_builds_the_same_graph(reduction):
    ours = _loss(tg, F, ((5, 2), (5, 2)), "leaf", "constant", reduction, module=True)
    theirs = _loss(torch, None, ((5, 2), (5, 2)), "leaf", "constant", reduction, module=True)
    assert _chain(ours.grad_fn) == _chain(theirs.grad_fn) == "MseLossBackward0[(AccumulateGrad[], 0), (None, 0)]"


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_with_a_weight_the_graph_is_torchs_composition(reduction):
    def run(lib, functional):
        x = lib.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
        w = lib.tensor(np.linspace(0.1, 2, 12, dtype=np.float32).reshape(3, 4))
        return functional.mse_loss(x, lib.ones(3, 4), reduction=reduction, weight=w)
    ours, theirs = run(tg, F), run(torch, torch.nn.functional)
    assert _chain(ours.grad_fn) == _chain(theirs.grad_fn)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shapes", [((6, 5), (6, 5)), ((6, 5), (5,)), ((6, 1), (1, 5)), ((), ())], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_are_torchs(shapes, reduction, dtype):
    rng = np.random.default_rng(7)
    xs, ts = (rng.standard_normal(s).astype(dtype) for s in shapes)
    grad_out = rng.standard_normal(np.broadcast_shapes(*shapes)).astype(dtype)
    results = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        x, t = lib.tensor(xs, requires_grad=True), lib.tensor(ts, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = functional.mse_loss(x, t, reduction=reduction)
        loss.backward(lib.tensor(grad_out) if reduction == "none" else None)
        results.append([a.detach().numpy() for a in (loss, x.grad, t.grad)])
    tol = 1e-6 if dtype == "float32" else 1e-14
    for ours, theirs in zip(*results):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("target_dtype", ["int64", "float16", "float64"])
def test_mixed_dtypes_promote_as_torch(target_dtype):
    results = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        x = lib.tensor([[0.5, -1.25, 2.0]], requires_grad=True)
        t = lib.tensor(np.array([[1, 0, 3]]).astype(target_dtype))
        loss = functional.mse_loss(x, t)
        loss.backward()
        results.append((str(loss.dtype).split(".")[-1], loss.item(), x.grad.dtype, x.grad.numpy().ravel().tolist()))
    (ours_dtype, ours_value, ours_gdtype, ours_grad), (dtype, value, gdtype, grad) = results
    assert ours_dtype == dtype and str(ours_gdtype).split(".")[-1] == str(gdtype).split(".")[-1]
    assert ours_value == pytest.approx(value, rel=1e-7) and ours_grad == pytest.approx(grad, rel=1e-7)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (1, 4))], ids=str)
def test_gradcheck_and_gradgradcheck_in_float64(shapes, reduction):
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal(shapes[0]), requires_grad=True)
    t = tg.tensor(rng.standard_normal(shapes[1]), requires_grad=True)

    def fn(a, b):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return F.mse_loss(a, b, reduction=reduction)
    assert gradcheck(fn, (x, t))
    assert gradgradcheck(fn, (x, t))


def test_a_broadcast_target_warns_as_torch():
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        with pytest.warns(UserWarning) as caught:
            functional.mse_loss(lib.ones(3, 4), lib.ones(4))
        assert str(caught[0].message).replace("tinygrad_edu.", "torch.") == (
            "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([3, 4])). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")
        assert caught[0].filename == __file__  # points at the caller


def test_errors_are_torchs():
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        with pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the size of tensor b \(4\) "
                                               r"at non-singleton dimension 1$"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                functional.mse_loss(lib.ones(2, 3), lib.ones(4))
        with pytest.raises(ValueError, match="^avg is not a valid value for reduction$"):
            functional.mse_loss(lib.ones(3), lib.ones(3), reduction="avg")


def test_training_a_linear_layer_with_mse_matches_torch():
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 2)
    ours = tnn.Linear(4, 2)
    ours.weight.data = tg.tensor(layer.weight.detach().numpy().copy())
    ours.bias.data = tg.tensor(layer.bias.detach().numpy().copy())
    X = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
    Y = np.random.default_rng(1).standard_normal((8, 2)).astype(np.float32)
    opt, topt = tg.optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(layer.parameters(), lr=0.1)
    for _ in range(20):
        opt.zero_grad()
        topt.zero_grad()
        tnn.MSELoss()(ours(tg.tensor(X)), tg.tensor(Y)).backward()
        torch.nn.MSELoss()(layer(torch.tensor(X)), torch.tensor(Y)).backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(ours.weight.detach().numpy(), layer.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
