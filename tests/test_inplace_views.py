"""In-place ops on views of tensors in the graph: the base's history changes too (torch's
CopySlices), so values and gradients of everything computed afterwards from the base or the view
are torch's. Each case runs the same script on both libraries."""
import numpy as np
import pytest

import tinygrad_edu as tg

import torch

X = np.arange(1.0, 13.0).reshape(3, 4) / 4


def _select_mul(L, y):
    y[0].mul_(5)


def _slice_add(L, y):
    y[:, 1:3].add_(y[:, :2] * 2)  # the right side is read before the write


def _transpose_sub(L, y):
    y.t()[1].sub_(3)


def _view_of_view(L, y):
    y.view(-1)[2:7].mul_(y.reshape(-1)[:5].detach() + 1)


def _setitem_on_view(L, y):
    v = y[1:]
    v[0, 2] = y[0, 0] * 10


def _permute_clamp(L, y):
    y.unsqueeze(0).permute(2, 0, 1)[3].clamp_(min=1.5)


def _copy_into_buffer(L, y):
    buf = L.zeros(3, 4, dtype=L.float64)
    buf[1:].copy_(y[:2] * 3)
    y.mul_(buf + 1)


def _two_views(L, y):
    y[0].mul_(2)
    y[:, 0].add_(1)


CASES = [_select_mul, _slice_add, _transpose_sub, _view_of_view, _setitem_on_view, _permute_clamp,
         _copy_into_buffer, _two_views]


def _run(L, case):
    x = L.tensor(X, dtype=L.float64, requires_grad=True)
    y = x * 2 + 0.5
    case(L, y)
    loss = (y * y * L.tensor(np.arange(12.0).reshape(3, 4))).sum()
    loss.backward()
    return y.detach().numpy(), x.grad.numpy(), y.grad_fn.name()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_inplace_on_a_view_rewrites_the_base_history_as_torch(case):
    (y, g, name), (ty, tgrad, tname) = _run(tg, case), _run(torch, case)
    np.testing.assert_allclose(y, ty, rtol=1e-12)
    np.testing.assert_allclose(g, tgrad, rtol=1e-12, atol=1e-12)
    assert name.split("::")[-1] == tname.split("::")[-1]


def test_the_view_itself_carries_the_new_history():
    def run(L):
        x = L.tensor(X, dtype=L.float64, requires_grad=True)
        v = (x * 3)[1:, ::2]
        v.mul_(x[:2, 1::2] + 1)
        (v * 2).sum().backward()
        return x.grad.numpy()
    np.testing.assert_allclose(run(tg), run(torch), rtol=1e-12)


def test_second_order_through_an_inplace_view():
    def run(L):
        x = L.tensor(X, dtype=L.float64, requires_grad=True)
        y = x * x
        y[0].mul_(x[1])
        (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
        (g * g).sum().backward()
        return g.detach().numpy(), x.grad.numpy()
    for ours, ref in zip(run(tg), run(torch)):
        np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_a_view_of_a_leaf_that_requires_grad_refuses_as_torch():
    for L in (tg, torch):
        w = L.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an "
                                               "in-place operation"):
            w[0].mul_(2)


def test_under_no_grad_a_view_is_written_without_a_graph():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with tg.no_grad():
        w[1:].mul_(2)
    assert w.grad_fn is None and w.is_leaf
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 4.0, 6.0])


def test_a_view_saved_by_the_inplace_op_itself_is_caught_as_torch():
    # y[1] is saved by mul_ and shares y's version counter, which the write bumps: both refuse
    for L in (tg, torch):
        x = L.tensor(X, dtype=L.float64, requires_grad=True)
        y = x * x
        y[0].mul_(y[1])
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def _earlier_view_then_base_changes(L, y):
    v = y[0]
    y.mul_(2)
    y[1].copy_(v * 3)  # v is read after its base changed: its history is derived again


def _earlier_view_then_sibling_changes(L, y):
    a, b = y[:2], y[1:]
    a.mul_(3)  # overlaps b's first row
    y.copy_(L.cat([y[:1], b * 2]))


@pytest.mark.parametrize("case", [_earlier_view_then_base_changes, _earlier_view_then_sibling_changes],
                         ids=lambda c: c.__name__)
def test_views_taken_before_an_inplace_change_follow_it_as_torch(case):
    (y, g, _), (ty, tgrad, _) = _run(tg, case), _run(torch, case)
    np.testing.assert_allclose(y, ty, rtol=1e-12)
    np.testing.assert_allclose(g, tgrad, rtol=1e-12, atol=1e-12)


def test_a_view_of_a_parameter_follows_an_optimizer_step():
    def run(L):
        w = L.nn.Parameter(L.tensor(X[0], dtype=L.float64))
        v = w[1:]
        with L.no_grad():
            w.mul_(2)
        (v * v).sum().backward()
        return w.grad.numpy()
    np.testing.assert_array_equal(run(tg), run(torch))
