"""Tensor introspection, conversions and in-place ops, each compared with real torch on the same input."""
import copy

import numpy as np
import pytest
import torch

import tinygrad_edu as tg
from tinygrad_edu.testing import assert_close

import torch

A = np.arange(6, dtype=np.float32).reshape(2, 3) / 4


def both(values=A, **kw):
    return torch.tensor(values, **kw), tg.tensor(values, **kw)


def test_shape_size_dim_numel_len():
    t, x = both()
    assert isinstance(x.shape, tuple) and x.shape == tuple(t.shape) and repr(x.shape) == "tinygrad_edu.Size([2, 3])"
    assert x.size() == tuple(t.size()) and x.size(1) == t.size(1) and x.size(-2) == t.size(-2)
    assert (x.dim(), x.ndim, x.numel(), len(x)) == (t.dim(), t.ndim, t.numel(), len(t))
    assert x.shape.numel() == t.shape.numel()
    with pytest.raises(IndexError):
        x.size(2)


def test_item_tolist_and_python_conversions():
    t, x = both([[1.5, -2.0]])
    assert x.tolist() == t.tolist()
    assert tg.tensor([1, 2]).tolist() == torch.tensor([1, 2]).tolist()
    s_t, s_x = torch.tensor(2.75), tg.tensor(2.75)
    assert s_x.item() == s_t.item() and type(s_x.item()) is float
    assert type(tg.tensor(3).item()) is int and type(tg.tensor(True).item()) is bool
    assert (float(s_x), int(s_x), bool(s_x)) == (float(s_t), int(s_t), bool(s_t))
    assert bool(tg.tensor([0.0])) is False and int(tg.tensor([7])) == 7
    assert "%.6f" % s_x == "%.6f" % s_t and f"{s_x:.3f}" == f"{s_t:.3f}"
    assert [1, 2, 3][tg.tensor(1)] == 2  # __index__


def test_numpy_shares_memory_and_array_protocol():
    x = tg.tensor(A)
    arr = x.numpy()
    arr[0, 0] = 42.0
    assert x[0, 0].item() == 42.0
    np.testing.assert_array_equal(np.asarray(x), arr)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.add(x, 1).shape == (2, 3)
    x.requires_grad_()
    with pytest.raises(RuntimeError):
        np.asarray(x)
    np.testing.assert_array_equal(x.detach().numpy(), arr)


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3, np.float32)
    shared, copied = tg.from_numpy(a), tg.tensor(a)
    a[1] = 5.0
    assert shared[1].item() == 5.0 and copied[1].item() == 0.0


@pytest.mark.parametrize("conv", ["float", "double", "long", "int", "bool", "half", "short"])
def test_dtype_conversion_methods(conv):
    t, x = both([[1.7, -2.2, 0.0]])
    assert_close(getattr(x, conv)(), getattr(t, conv)())


@pytest.mark.parametrize("target", ["float64", "int64", "int32", "bool", "float32", "uint8"])
def test_to_and_type(target):
    t, x = both([0.5, 3.9, 0.0])
    assert_close(x.to(getattr(tg, target)), t.to(getattr(torch, target)))
    assert_close(x.type(getattr(tg, target)), t.type(getattr(torch, target)))
    assert x.to("cpu") is x and x.to(x.dtype) is x and x.cpu() is x
    assert x.type() == t.type()   # torch's own string, e.g. "torch.FloatTensor"


def test_to_keeps_the_graph():
    x = tg.tensor([1.5, 2.0], requires_grad=True)
    y = x.double() * x.double()
    y.sum().backward()
    assert x.grad.dtype == tg.float32
    assert_close(x.grad, 2 * x.detach())


def test_device_and_is_tensor():
    x = tg.ones(2)
    assert str(x.device) == "cpu" and x.device == tg.device("cpu") and not x.is_cuda
    assert tg.is_tensor(x) and not tg.is_tensor(A)
    assert repr(tg.device("cuda")) == repr(torch.device("cuda"))  # a valid object in torch's CPU build
    with pytest.raises(RuntimeError):
        tg.device("abc")


def test_detach_shares_data_clone_is_independent():
    x = tg.tensor([1., 2.], requires_grad=True)
    d, c = x.detach(), x.clone()
    d[0] = 10.0
    assert x[0].item() == 10.0
    assert c[0].item() == 1.0 and c.requires_grad and not c.is_leaf
    c.sum().backward()
    assert_close(x.grad, tg.ones(2))
    copied = copy.deepcopy(x)
    copied._data[1] = -1.0
    assert x[1].item() == 2.0 and copied.requires_grad


INPLACE = {
    "add_": lambda x: x.add_(2.5), "add_alpha": lambda x: x.add_(x * 0 + 1, alpha=3), "sub_": lambda x: x.sub_(1),
    "mul_": lambda x: x.mul_(x), "div_": lambda x: x.div_(4), "zero_": lambda x: x.zero_(),
    "fill_": lambda x: x.fill_(7), "copy_": lambda x: x.copy_(x * 0 + 3), "copy_broadcast": lambda x: x.copy_(x[0] * 2),
    "clamp_": lambda x: x.clamp_(0.3, 0.9), "clamp_min_": lambda x: x.clamp_(min=0.5), "iadd": lambda x: x.__iadd__(1),
    "imul": lambda x: x.__imul__(2), "isub": lambda x: x.__isub__(0.5), "itruediv": lambda x: x.__itruediv__(2),
    "pow_": lambda x: x.pow_(2), "relu_": lambda x: (x - 0.5).relu_(), "masked_fill_": lambda x: x.masked_fill_(x > 0.5, 0.),
    "setitem": lambda x: x.__setitem__((slice(None), 1), 9.0), "setitem_tensor": lambda x: x.__setitem__(x > 0.5, x[x > 0.5] * 2),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_ops(name):
    t, x = both()
    rt, rx = INPLACE[name](t), INPLACE[name](x)
    assert_close(x, t)
    if name.endswith("_") and name != "relu_":
        assert rx is x  # in-place methods return self


@pytest.mark.parametrize("op", [lambda x: x.add_(1.5), lambda x: x.mul_(0.5), lambda x: x.div_(2),
                                lambda x: x.sub_(tg.tensor([0.5]) if isinstance(x, tg.Tensor) else torch.tensor([0.5])),
                                lambda x: x.__iadd__(1.5)])
def test_inplace_refuses_to_change_dtype(op):
    t, x = torch.tensor([1, 2]), tg.tensor([1, 2])
    with pytest.raises(RuntimeError):
        op(t)
    with pytest.raises(RuntimeError):
        op(x)
    assert x.tolist() == [1, 2]


def test_inplace_on_int_with_int_and_on_float_with_int_tensor():
    t, x = torch.tensor([1, 2]), tg.tensor([1, 2])
    assert_close(x.add_(3), t.add_(3))
    t, x = both([1.5, 2.5])
    assert_close(x.add_(tg.tensor([1, 2])), t.add_(torch.tensor([1, 2])))


def test_inplace_shape_mismatch_raises():
    with pytest.raises(RuntimeError):
        torch.ones(3).add_(torch.ones(2, 3))
    with pytest.raises(RuntimeError):
        tg.ones(3).add_(tg.ones(2, 3))


def test_iteration_unbinds_the_first_dim():
    t, x = both()
    rows = list(x)
    assert len(rows) == 2
    for rx, rt in zip(rows, t):
        assert_close(rx, rt)
    with pytest.raises(TypeError):
        iter(tg.tensor(1.0))


def test_hash_is_identity_so_tensors_work_as_dict_keys():
    a, b = tg.ones(2), tg.ones(2)
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len({a, b, a}) == 2
    assert hash(a) == hash(a) and hash(a) != hash(b)


def test_comparison_is_elementwise_not_identity():
    t, x = both([1., 2.])
    assert_close(x == 1.0, t == 1.0)
    assert_close(x != x, t != t)
