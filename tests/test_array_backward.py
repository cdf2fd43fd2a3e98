"""Function.array_backward: a plain backward runs such ops on raw ndarrays, create_graph on Tensors.

The same formula must give the same numbers both ways, ops without the flag (custom Functions) must
still see Tensors in the middle of an array pass, and whatever users can see (hooks, retain_grad,
autograd.grad results, .grad) is a Tensor.
"""
import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd
from tinygrad_edu.autograd import Function, gradcheck, gradgradcheck


class Cube(Function):
    """x^3 with backward 3 x^2 g, written with operators that arrays and Tensors share."""
    array_backward = True
    seen = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values  # arrays in a plain pass, Tensors in a recorded one
        Cube.seen.append((type(grad), type(x)))
        return grad * 3 * x * x


class Twice(Function):
    """2x, without array_backward: must always get Tensors."""
    seen = []

    @staticmethod
    def forward(ctx, x):
        return x._data * 2

    @staticmethod
    def backward(ctx, grad):
        Twice.seen.append(type(grad))
        return grad * 2


def leaf(values):
    return tg.tensor(values, dtype=tg.float64, requires_grad=True)


def test_plain_backward_passes_arrays_create_graph_passes_tensors():
    Cube.seen.clear()
    x = leaf([1.0, -2.0, 3.0])
    Cube.apply(x).sum().backward()
    assert Cube.seen == [(np.ndarray, np.ndarray)]
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, 4.0, 9.0]))
    Cube.seen.clear()
    (g,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert Cube.seen == [(tg.Tensor, tg.Tensor)]
    assert g.grad_fn is not None  # recorded, so it can be differentiated again
    (gg,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * np.array([1.0, -2.0, 3.0]))


def test_array_backward_op_passes_gradcheck_both_ways():
    x = leaf([0.5, -1.5, 2.0])
    assert gradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,))


def test_op_without_the_flag_gets_tensors_inside_an_array_pass():
    Twice.seen.clear()
    x = leaf([1.0, 2.0])
    y = (Twice.apply(x * 3) + 1).relu().sum()  # built-in array ops on both sides of Twice
    y.backward()
    assert Twice.seen == [tg.Tensor]
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_what_users_see_is_tensors(torch_ref):
    x = leaf([[1.0, -2.0], [3.0, 4.0]])
    h = x * 2
    h.retain_grad()
    hooked = []
    h.register_hook(lambda g: hooked.append(type(g)) or g * 10)
    loss = (h.relu() * h).sum()
    loss.backward()
    assert hooked == [tg.Tensor]
    assert type(h.grad) is tg.Tensor and type(x.grad) is tg.Tensor
    assert isinstance(x.grad._data, np.ndarray) and x.grad._data.flags.writeable
    xt = torch_ref.tensor([[1.0, -2.0], [3.0, 4.0]], dtype=torch_ref.float64, requires_grad=True)
    ht = xt * 2
    ht.retain_grad()
    ht.register_hook(lambda g: g * 10)
    (ht.relu() * ht).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(h.grad.numpy(), ht.grad.numpy())


def test_engine_sums_broadcast_gradients_down_to_the_input_shape(torch_ref):
    a = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = tg.tensor([[1.0], [2.0]], requires_grad=True)
    c = tg.tensor([0.5, 1.5, 2.5], requires_grad=True)
    ((a * b + c) / b - c).sum().backward()
    at, bt, ct = (torch_ref.tensor(v.numpy(), requires_grad=True) for v in (a.detach(), b.detach(), c.detach()))
    ((at * bt + ct) / bt - ct).sum().backward()
    for ours, theirs in ((a, at), (b, bt), (c, ct)):
        assert ours.grad.shape == theirs.grad.shape
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_a_gradient_returned_in_a_wrong_dtype_is_cast_back():
    class Float64Grad(Function):
        array_backward = True

        @staticmethod
        def forward(ctx, x):
            return x._data.copy()

        @staticmethod
        def backward(ctx, grad):
            return grad.astype(np.float64) if isinstance(grad, np.ndarray) else grad.double()

    x = tg.tensor([1.0, 2.0], dtype=tg.float32, requires_grad=True)
    Float64Grad.apply(x).sum().backward()
    assert x.grad.dtype == tg.float32


def test_zero_dim_results_and_scalar_gradients():
    x = tg.tensor(2.0, requires_grad=True)
    y = (x * 3) * (x + 1)  # 0-d throughout: numpy returns scalars for 0-d arithmetic
    y.backward()
    assert x.grad.shape == () and float(x.grad) == pytest.approx(3 * 3.0 + 3 * 2.0)


def test_second_backward_through_a_freed_graph_still_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_backward_is_silent_about_inf_and_nan_like_torch(recwarn):
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(all="ignore"):
        y = x.sqrt().sum()
    y.backward()  # d sqrt(x)/dx at 0 is 1/0: inf, as torch gives, with no numpy warning
    assert np.isinf(x.grad.numpy()[0]) and not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert np.geterr()["divide"] == "warn"  # the user's numpy settings are restored afterwards
    with np.errstate(all="ignore"):
        y = x.sqrt().sum()
    with pytest.raises(RuntimeError, match="SqrtBackward0"), autograd.detect_anomaly():
        y.backward()  # anomaly mode still names the op


class GradIsSaved(Function):
    """0.5 x, whose backward (wrongly, but legally) returns a saved tensor itself as x's gradient."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(y)
        return x._data * 0.5

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y, None


def test_accumulating_into_grad_never_changes_someone_elses_array(torch_ref):
    """.grad takes over a gradient array only if nothing else holds it (torch's AccumulateGrad rule)."""
    x, y = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([10.0, 20.0])
    for _ in range(2):
        GradIsSaved.apply(x, y).sum().backward()
    np.testing.assert_array_equal(y.numpy(), [10.0, 20.0])
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 40.0])
    g = tg.tensor([1.0, 1.0])  # the user's gradient= tensor flows straight to x through the add
    x.grad = None
    for _ in range(2):
        (x + 0.0).backward(gradient=g)
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    x.grad = None  # the same through a create_graph pass, then a plain one that adds into .grad
    (x + 0.0).backward(gradient=g, create_graph=True)
    (x * 1.0).sum().backward()
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


class SameArrayTwice(Function):
    """x + y whose numpy backward returns one new array for both inputs."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, y):
        return x._data + y._data

    @staticmethod
    def backward(ctx, grad):
        out = grad * 1.0
        return out, out


def _independent(*arrays):
    return all(not np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1:])


def test_grad_never_shares_memory_with_another_grad_or_a_users_tensor():
    """.grad is an array of its own, whichever way the gradient reached the leaf: a user's
    gradient= passed through Add, one array sent to two leaves, a view (reshape's backward), or a
    tensor a hook kept."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = tg.tensor([1.0, 1.0], dtype=tg.float64)
    (x + y).backward(gradient=g)
    assert _independent(x.grad._data, y.grad._data, g._data)
    x.grad = y.grad = None
    SameArrayTwice.apply(x, y).sum().backward()
    assert _independent(x.grad._data, y.grad._data)
    z = leaf([[1.0, 2.0], [3.0, 4.0]])
    kept = []
    mid = z * 2.0
    mid.register_hook(lambda t: kept.append(t))
    mid.reshape(4).sum().backward()
    assert _independent(z.grad._data, kept[0]._data)
    before = z.grad.numpy().copy()
    mid2 = z * 2.0
    mid2.sum().backward()  # accumulating in place into z.grad must leave the hook's tensor alone
    np.testing.assert_array_equal(kept[0].numpy(), [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(z.grad.numpy(), before + 2.0)


def test_a_0d_leaf_used_twice_gets_a_0d_tensor_grad_that_accumulates_like_torch():
    import torch
    b, bt = tg.tensor(0.5, requires_grad=True), torch.tensor(0.5, requires_grad=True)
    for lib, t in ((tg, b), (torch, bt)):
        for _ in range(2):
            (t * 3.0 + t * t).backward()
    assert isinstance(b.grad._data, np.ndarray) and b.grad.shape == ()
    np.testing.assert_allclose(b.grad.numpy(), bt.grad.numpy())
    b.grad.zero_()
    assert b.grad.item() == 0.0
