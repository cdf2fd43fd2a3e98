"""Issue 14's in-place shape methods (unsqueeze_, squeeze_, t_, transpose_, swapaxes_, resize_) and the
factory methods new_tensor/new_zeros/new_ones/new_full/new_empty, each call run on tinygrad_edu and on
real torch 2.13 and compared: shapes, values, dtypes, version counters, grad_fn names, gradients, and
the exception classes of the calls torch refuses."""
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

import torch


def _v(t):
    return t._version[0] if isinstance(t._version, list) else t._version


def _both(fn):
    """fn(lib) on both libraries; both raise the same class, or both return."""
    results, errors = [], []
    for lib in (tg, torch):
        try:
            results.append(fn(lib))
            errors.append(None)
        except Exception as e:  # noqa: BLE001 (comparing what is raised)
            errors.append(e)
    if errors[1] is not None:
        assert errors[0] is not None, f"accepted; torch raises {type(errors[1]).__name__}: {errors[1]}"
        assert isinstance(errors[0], type(errors[1])), f"{errors[0]!r} vs torch {errors[1]!r}"
        return None
    assert errors[0] is None, f"raises {errors[0]!r}; torch accepts"
    return results


# name -> f(t): an in-place shape call on a (2, 3) tensor (values 0..5)
SHAPE_CALLS = {
    "unsqueeze_0": lambda t: t.unsqueeze_(0), "unsqueeze_-1": lambda t: t.unsqueeze_(-1),
    "squeeze_": lambda t: t.unsqueeze_(1).squeeze_(), "squeeze_dim": lambda t: t.unsqueeze_(0).squeeze_(0),
    "squeeze_kept": lambda t: t.squeeze_(1), "t_": lambda t: t.t_(), "transpose_": lambda t: t.transpose_(0, 1),
    "transpose_-1": lambda t: t.transpose_(-1, 0), "swapaxes_": lambda t: t.swapaxes_(0, 1),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CALLS))
def test_inplace_shape_op_on_a_plain_tensor(name):
    results = _both(lambda L: (lambda t: (SHAPE_CALLS[name](t) is t, t))(L.arange(6.0).reshape(2, 3)))
    (same_o, ours), (same_t, theirs) = results
    assert same_o and same_t
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.is_contiguous() == theirs.is_contiguous()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert _v(ours) == _v(theirs)


@pytest.mark.parametrize("name", sorted(SHAPE_CALLS))
def test_inplace_shape_op_in_the_graph(name):
    grads, names = [], []
    for lib in (tg, torch):
        leaf = lib.arange(6.0, dtype=lib.float64).reshape(2, 3).requires_grad_()
        y = leaf * 1
        SHAPE_CALLS[name](y)
        names.append(y.grad_fn.name())
        (y * lib.arange(6.0, dtype=lib.float64).reshape(y.shape)).sum().backward()
        grads.append(leaf.grad.numpy())
    assert names[0] == names[1]
    np.testing.assert_array_equal(grads[0], grads[1])


def test_inplace_shape_op_is_shared_with_nobody_else():
    for lib in (tg, torch):
        base = lib.arange(6.0)
        view = base.view(2, 3)
        view.unsqueeze_(0)
        assert tuple(view.shape) == (1, 2, 3) and tuple(base.shape) == (6,)
        view.mul_(2)  # still the same memory
        assert base[5].item() == 10
        assert _v(base) == _v(view) == 2


def test_inplace_shape_op_refusals_match_torch():
    _both(lambda L: L.randn(3, requires_grad=True).unsqueeze_(0))  # a leaf that requires grad
    _both(lambda L: L.randn(3).squeeze_(5))
    _both(lambda L: L.randn(3).unsqueeze_(3))
    _both(lambda L: L.randn(2, 3, 4).t_())
    _both(lambda L: L.randn(2, 3).transpose_(0, 2))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        tg.randn(3, requires_grad=True).t_()


def test_inplace_shape_op_on_a_leaf_under_no_grad():
    for lib in (tg, torch):
        leaf = lib.randn(3, requires_grad=True)
        with lib.no_grad():
            leaf.unsqueeze_(0)
        assert tuple(leaf.shape) == (1, 3) and leaf.requires_grad and leaf.is_leaf


def test_a_saved_tensor_reshaped_in_place_is_refused_at_backward():
    for lib in (tg, torch):
        leaf = lib.randn(3, requires_grad=True)
        y = leaf * 2
        w = y * y  # saves y
        y.unsqueeze_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            w.sum().backward()


def test_1d_t_is_the_identity_but_counts_as_a_change():
    for lib in (tg, torch):
        x = lib.arange(3.0)
        assert x.t_() is x and tuple(x.shape) == (3,) and _v(x) == 1


RESIZES = {"same-size": (2, 3), "smaller": (2, 2), "flat": (6,), "to-0d": (), "empty": (0, 4)}


@pytest.mark.parametrize("name", sorted(RESIZES))
def test_resize_keeps_the_elements_in_order(name):
    shape = RESIZES[name]
    (ours, theirs) = _both(lambda L: L.arange(6.0).resize_(*shape) if shape else L.arange(6.0).resize_(()))
    assert tuple(ours.shape) == tuple(theirs.shape) == shape
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert _v(ours) == _v(theirs)


def test_resize_larger_keeps_the_first_elements():
    ours, theirs = tg.arange(6.0).resize_(3, 3), torch.arange(6.0).resize_(3, 3)
    assert tuple(ours.shape) == (3, 3)
    np.testing.assert_array_equal(ours.numpy().ravel()[:6], theirs.numpy().ravel()[:6])  # the rest is unset


def test_resize_refuses_tensors_that_require_grad():
    _both(lambda L: L.randn(3, requires_grad=True).resize_(3))
    _both(lambda L: (L.randn(3, requires_grad=True) * 2).resize_(3))
    _both(lambda L: L.randn(3).resize_(-1))


# ---- new_* --------------------------------------------------------------------------------------
NEW_CALLS = {
    "tensor-inherits": lambda t, L: t.new_tensor([1, 2]), "tensor-dtype": lambda t, L: t.new_tensor([1, 2], dtype=L.int32),
    "tensor-requires-grad": lambda t, L: t.new_tensor([1.5], requires_grad=True),
    "tensor-nested": lambda t, L: t.new_tensor([[1.5, 2], [3, 4]]),
    "zeros-varargs": lambda t, L: t.new_zeros(2, 3), "zeros-tuple": lambda t, L: t.new_zeros((2, 3)),
    "zeros-size-kw": lambda t, L: t.new_zeros(size=(2,)), "zeros-0d": lambda t, L: t.new_zeros(()),
    "zeros-list": lambda t, L: t.new_zeros([2, 1]), "zeros-device": lambda t, L: t.new_zeros(2, device="cpu"),
    "ones-dtype": lambda t, L: t.new_ones(2, dtype=L.int32), "ones-requires-grad": lambda t, L: t.new_ones(2, requires_grad=True),
    "full": lambda t, L: t.new_full((2,), 3), "full-float-fill": lambda t, L: t.new_full([2, 2], 2.5),
    "full-dtype": lambda t, L: t.new_full((1,), 7, dtype=L.int64),
    "empty-shape": lambda t, L: t.new_empty(2, 3).zero_(), "empty-dtype": lambda t, L: t.new_empty((2,), dtype=L.int64).zero_(),
}
SOURCES = {"float64-grad": lambda L: L.ones(2, dtype=L.float64, requires_grad=True),
           "int64": lambda L: L.tensor([1, 2]), "float32-2d": lambda L: L.ones(2, 2)}


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("name", sorted(NEW_CALLS))
def test_new_methods_match_torch(name, source):
    results = _both(lambda L: NEW_CALLS[name](SOURCES[source](L), L))
    if results is None:
        return  # both refused (e.g. requires_grad on an integer result), with the same class
    ours, theirs = results
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.requires_grad == theirs.requires_grad and ours.is_leaf and theirs.is_leaf
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_new_tensor_copies_a_tensor_with_torchs_warning():
    messages = []
    for lib in (tg, torch):
        src = lib.tensor([1.0, 2.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = lib.ones(1, dtype=lib.float64).new_tensor(src)
        messages.append([str(w.message) for w in caught if issubclass(w.category, UserWarning)])
        assert out.dtype == lib.float64 and not out.requires_grad and out.grad_fn is None
        out.add_(1)
        assert src.tolist() == [1.0, 2.0]  # a copy
    assert messages[0] == messages[1] and len(messages[0]) == 1


def test_new_methods_refusals_match_torch():
    _both(lambda L: L.ones(2).new_full(2, 3))   # size must be a sequence
    _both(lambda L: L.ones(2).new_full((2,)))   # no fill_value
    _both(lambda L: L.ones(2).new_ones())       # no size
    _both(lambda L: L.ones(2).new_zeros(-1))
    _both(lambda L: L.ones(2).new_zeros(2, dtype="float32"))
    _both(lambda L: L.tensor([1]).new_zeros(2, requires_grad=True))
    with pytest.raises(TypeError, match="size"):
        tg.ones(2).new_full(2, 3)
