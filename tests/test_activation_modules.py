"""Activation Modules as torch's: class relations (every pair), signatures, reprs, attributes,
empty state, errors and warnings, outputs and gradients. (test_layers.py also runs each module on
random input against torch.)"""
import inspect
import warnings
from itertools import product

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn
from tinygrad_edu.nn.modules import activation

import torch

NAMES = list(activation.__all__)
PAIRS = list(product(NAMES, NAMES))


def _classes(name):
    return getattr(nn, name), getattr(torch.nn, name)


def test_every_activation_exists_in_torch_under_the_same_name():
    assert NAMES and all(hasattr(torch.nn, name) for name in NAMES)


@pytest.mark.parametrize("a,b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_class_relations_are_torchs(a, b):
    """issubclass / isinstance between any two of our activation classes agree with torch
    (e.g. SiLU is no ReLU; ReLU6 is a Hardtanh)."""
    (ours_a, torch_a), (ours_b, torch_b) = _classes(a), _classes(b)
    assert issubclass(ours_a, ours_b) == issubclass(torch_a, torch_b)
    assert isinstance(ours_a(), ours_b) == isinstance(torch_a(), torch_b)
    assert issubclass(ours_a, nn.Module)


def test_the_relations_that_used_to_differ():
    assert not isinstance(nn.SiLU(), nn.ReLU) and not isinstance(nn.Mish(), nn.ReLU)
    assert not isinstance(nn.SELU(), nn.ReLU) and not isinstance(nn.ReLU6(), nn.ReLU)
    assert isinstance(nn.ReLU6(), nn.Hardtanh)
    assert not isinstance(nn.LogSoftmax(), nn.Softmax) and not isinstance(nn.Softmin(), nn.Softmax)


def _signature(cls):
    return [(p.name, p.default, p.kind) for p in inspect.signature(cls).parameters.values()]


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("Sigmoid", "Tanh", "LogSigmoid")])
def test_signatures_are_torchs(name):
    ours, theirs = _classes(name)
    assert _signature(ours) == _signature(theirs)


REPR_CASES = [
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU", (1,), {}), ("ReLU6", (), {}), ("ReLU6", (True,), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2, 3), {}), ("Hardtanh", (np.float64(-0.5), 2.0, 1), {}),
    ("LeakyReLU", (np.float64(0.2),), {}), ("LeakyReLU", (0.1, True), {}),
    ("ELU", (np.float32(0.5),), {}), ("ELU", (), {"inplace": True}),
    ("SELU", (True,), {}), ("SiLU", (True,), {}), ("Mish", (True,), {}), ("SiLU", (0,), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("LogSigmoid", (), {}),
    ("GELU", (), {}), ("GELU", ("tanh",), {}),
    ("Softplus", (), {}), ("Softplus", (np.float64(2.0), 3), {}),
    ("Softmax", (), {}), ("Softmax", (np.int64(1),), {}), ("Softmin", (0,), {}), ("LogSoftmax", (-1,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", REPR_CASES, ids=[f"{n}{a}{k}" for n, a, k in REPR_CASES])
def test_repr_attributes_and_empty_state_are_torchs(name, args, kwargs):
    ours_cls, torch_cls = _classes(name)
    ours, theirs = ours_cls(*args, **kwargs), torch_cls(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    public = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and k != "training"}
    assert {k: getattr(ours, k) for k in public} == public
    assert ours.state_dict() == {} and dict(theirs.state_dict()) == {}
    assert list(ours.parameters()) == [] and list(ours.buffers()) == []


def test_relu6_is_a_hardtanh_that_reads_its_bounds_like_torchs():
    ours, theirs = nn.ReLU6(), torch.nn.ReLU6()
    assert (ours.min_val, ours.max_val, ours.inplace) == (theirs.min_val, theirs.max_val, theirs.inplace)
    ours.max_val = theirs.max_val = 3.0   # torch's forward is Hardtanh's: it follows the attribute
    x = np.array([-1.0, 0.0, 2.0, 3.0, 5.0, 6.0, 7.0], np.float32)
    xo, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_array_equal(yo.detach().numpy(), yt.detach().numpy())
    assert repr(ours) == repr(theirs) == "ReLU6()"


@pytest.mark.parametrize("name", ["ReLU6", "Hardtanh", "ReLU"])
def test_outputs_and_gradients_at_the_kinks_match_torch(name):
    """At x = 0 and x = 6 (and +-1 for Hardtanh) the derivative is torch's choice, exactly."""
    x = np.array([-1.5, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0, 7.0], np.float32)
    ours_cls, torch_cls = _classes(name)
    xo, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours_cls()(xo), torch_cls()(xt)
    np.testing.assert_array_equal(yo.detach().numpy(), yt.detach().numpy())
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(xo.grad.numpy(), xt.grad.numpy())
    assert yo.grad_fn.name() == yt.grad_fn.name()


@pytest.mark.parametrize("args", [(1.0, 1.0), (2.0, 1.0), (0, 0)])
def test_hardtanh_bounds_refused_as_torch(args):
    with pytest.raises(AssertionError) as theirs:
        torch.nn.Hardtanh(*args)
    with pytest.raises(AssertionError) as ours:
        nn.Hardtanh(*args)
    assert str(ours.value) == str(theirs.value)


def test_hardtanh_deprecated_keywords_warn_as_torch():
    def build(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = lib.Hardtanh(min_value=-2.0, max_value=3.0)
        return repr(module), [(w.category, str(w.message)) for w in caught]

    assert build(nn) == build(torch.nn)
