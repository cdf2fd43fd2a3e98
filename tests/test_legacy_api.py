"""Legacy typed constructors (torch.FloatTensor & co), Tensor.type() and torch.autograd.Variable, against torch."""
import warnings

import numpy as np
import pytest
import torch

import tinygrad_edu as tg

TYPES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def same(ours, theirs):
    assert isinstance(ours, tg.Tensor) and type(theirs) is torch.Tensor
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def outcome(fn, lib):
    try:
        return fn(lib)
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return type(e)


DATA = [[1, 2], [1.5, 2.7], [-1.5, 0.0], [True, False], [[1, 2], [3, 4]], (2, 3), [], range(3), [0, 2]]


@pytest.mark.parametrize("name", TYPES)
@pytest.mark.parametrize("data", DATA, ids=str)
def test_from_data(name, data):
    ours, theirs = outcome(lambda m: getattr(m, name)(data), tg), outcome(lambda m: getattr(m, name)(data), torch)
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        same(ours, theirs)


@pytest.mark.parametrize("name,data", [("ByteTensor", [300]), ("ByteTensor", [-1]), ("ByteTensor", [1.5, -2.5]),
                                       ("LongTensor", [float("nan")]), ("LongTensor", [1, 2 ** 63]),
                                       ("IntTensor", [2 ** 40]), ("FloatTensor", [1e40]), ("BoolTensor", [1.5, 0.0]),
                                       ("FloatTensor", [[1, 2], [3]]), ("LongTensor", [1.5])])
def test_conversions_and_refusals_as_torch(name, data):
    ours, theirs = outcome(lambda m: getattr(m, name)(data), tg), outcome(lambda m: getattr(m, name)(data), torch)
    if isinstance(theirs, type):
        assert ours is theirs, (ours, theirs)
    else:
        same(ours, theirs)


@pytest.mark.parametrize("args", [(2, 3), (0,), (4,), (np.int64(2),)], ids=str)
@pytest.mark.parametrize("name", ["FloatTensor", "LongTensor", "BoolTensor"])
def test_from_sizes(name, args):
    ours, theirs = getattr(tg, name)(*args), getattr(torch, name)(*args)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype)[13:] == str(theirs.dtype)[6:]
    assert not ours._data.any()   # ours are zeros (torch leaves them uninitialised)


def test_size_forms():
    assert tg.FloatTensor(tg.Size([2, 3])).shape == (2, 3) == torch.FloatTensor(torch.Size([2, 3])).shape
    assert tg.FloatTensor(size=(2,)).shape == torch.FloatTensor(size=(2,)).shape
    same(tg.FloatTensor(), torch.FloatTensor())


@pytest.mark.parametrize("call", [
    lambda m: m.FloatTensor(2.5), lambda m: m.FloatTensor(True), lambda m: m.FloatTensor("a"),
    lambda m: m.FloatTensor(2, 3.0), lambda m: m.FloatTensor(-1), lambda m: m.FloatTensor(2, -1),
    lambda m: m.FloatTensor([1, 2], 3), lambda m: m.FloatTensor([1], dtype=m.float64),
    lambda m: m.FloatTensor([1], requires_grad=True), lambda m: m.FloatTensor([1], device="cuda"),
    lambda m: m.FloatTensor(m.tensor([1, 2])), lambda m: m.FloatTensor(m.ones(2), device="cpu"),
    lambda m: m.FloatTensor(np.float32(2)), lambda m: m.LongTensor(m.ones(2)),
])
def test_refusals_have_torchs_class(call):
    theirs = outcome(call, torch)
    assert isinstance(theirs, type) and issubclass(theirs, Exception)
    assert outcome(call, tg) is theirs


def test_from_a_tensor_shares_data():
    x = tg.ones(3)
    y = tg.FloatTensor(x)
    y[0] = 5.0
    assert x[0].item() == 5.0 == torch.FloatTensor(torch.ones(3)).add_(4)[0].item()
    same(tg.FloatTensor([[1, 2]], device="cpu"), torch.FloatTensor([[1, 2]], device="cpu"))
    for lib in (tg, torch):
        leaf = lib.ones(2, requires_grad=True)
        alias = lib.FloatTensor(leaf)
        assert alias.grad_fn.name() == "AliasBackward0"
        (alias * 3).sum().backward()
        assert leaf.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", TYPES)
def test_isinstance_asks_the_dtype(name, dtype):
    ours, theirs = tg.zeros(2, dtype=getattr(tg, dtype)), torch.zeros(2, dtype=getattr(torch, dtype))
    assert isinstance(ours, getattr(tg, name)) == isinstance(theirs, getattr(torch, name))
    assert issubclass(tg.Tensor, getattr(tg, name)) == issubclass(torch.Tensor, getattr(torch, name))


def test_types_are_not_tensor_subclasses():
    assert type(tg.FloatTensor([1])) is tg.Tensor and type(torch.FloatTensor([1])) is torch.Tensor
    assert isinstance(tg.nn.Parameter(tg.ones(2)), tg.FloatTensor)
    assert not isinstance(3, tg.FloatTensor) and not isinstance(3, torch.FloatTensor)
    assert tg.FloatTensor.dtype == tg.float32 and tg.LongTensor.dtype == tg.int64
    assert tg.FloatTensor.is_cuda is torch.FloatTensor.is_cuda is False


@pytest.mark.parametrize("dtype", DTYPES)
def test_type_string_is_torchs(dtype):
    assert tg.zeros(2, dtype=getattr(tg, dtype)).type() == torch.zeros(2, dtype=getattr(torch, dtype)).type()
    assert tg.zeros(2, dtype=getattr(tg, dtype)).type(None) == torch.zeros(2, dtype=getattr(torch, dtype)).type(None)


@pytest.mark.parametrize("target", ["torch.DoubleTensor", "torch.LongTensor", "torch.IntTensor", "torch.BoolTensor",
                                    "torch.FloatTensor", "torch.ByteTensor", "torch.HalfTensor"])
def test_type_converts(target):
    values = [0.5, -3.9, 2.0]
    same(tg.tensor(values).type(target), torch.tensor(values).type(target))
    name = target.split(".")[1]
    same(tg.tensor(values).type(getattr(tg, name)), torch.tensor(values).type(getattr(torch, name)))
    same(tg.tensor(values).type(dtype=target), torch.tensor(values).type(dtype=target))


def test_type_with_a_dtype_and_the_graph():
    x, t = tg.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    assert x.type(tg.float32) is x and x.type(tg.float64).grad_fn.name() == t.type(torch.float64).grad_fn.name()
    same(x.detach().type(tg.int64, non_blocking=True), t.detach().type(torch.int64, non_blocking=True))


@pytest.mark.parametrize("arg", ["torch.cuda.FloatTensor", "torch.cuda.LongTensor", "torch.float64", "float",
                                 "torch.Foo", 5, "cuda_type"])
def test_type_refusals(arg):
    def call(m):
        a = m.cuda.FloatTensor if arg == "cuda_type" else arg
        return m.zeros(2).type(a)
    theirs = outcome(call, torch)
    assert isinstance(theirs, type) and outcome(call, tg) is theirs


def test_cuda_types_exist_and_refuse():
    assert outcome(lambda m: m.cuda.FloatTensor([1]), torch) is TypeError is outcome(lambda m: m.cuda.FloatTensor([1]), tg)
    assert not isinstance(tg.ones(2), tg.cuda.FloatTensor) and not isinstance(torch.ones(2), torch.cuda.FloatTensor)


# ---- torch.autograd.Variable ----------------------------------------------------------------------------------
def test_variable_returns_a_leaf_sharing_data():
    for lib in (tg, torch):
        base = lib.ones(2)
        v = lib.autograd.Variable(base, requires_grad=True)
        assert type(v) is lib.Tensor and v.requires_grad and v.is_leaf and v is not base
        with lib.no_grad():
            v.mul_(3)
        assert base[0].item() == 3.0
        (v * v).sum().backward()
        np.testing.assert_array_equal(np.asarray(v.grad.tolist()), [6.0, 6.0])
        graph = lib.ones(2, requires_grad=True) * 2
        w = lib.autograd.Variable(graph)
        assert w.grad_fn is None and not w.requires_grad
        assert lib.autograd.Variable(lib.ones(2), True).requires_grad
        assert isinstance(lib.ones(2), lib.autograd.Variable) and not isinstance([1], lib.autograd.Variable)
        assert lib.autograd.Variable().shape == (0,)


def test_variable_volatile_warns_as_torch():
    for lib in (tg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            v = lib.autograd.Variable(lib.ones(2), volatile=True)
        assert [w.category for w in caught] == [UserWarning] and "volatile" in str(caught[0].message)
        assert not v.requires_grad


@pytest.mark.parametrize("call", [lambda m: m.autograd.Variable([1, 2]),
                                  lambda m: m.autograd.Variable(m.ones(2), foo=1),
                                  lambda m: m.autograd.Variable(m.ones(2, dtype=m.int64), requires_grad=True)])
def test_variable_refusals(call):
    theirs = outcome(call, torch)
    assert isinstance(theirs, type) and outcome(call, tg) is theirs
