"""Devices against torch's CPU build (issue 11 item 9): device objects are valid, placing data fails.

`device("cuda")` is an ordinary object in torch's CPU build (it prints, compares and hashes); what
fails is creating a tensor on it, with a class that depends on the device type. Each case runs with
T = torch and T = tinygrad_edu (tests/_parity.py).
"""
import copy
import pickle

import pytest

import tinygrad_edu as tg
from tinygrad_edu.device import check_device
from _parity import assert_same, outcome

DEVICE_OBJECTS = [
    "repr(T.device('cuda'))", "str(T.device('cuda'))", "T.device('cuda').type", "T.device('cuda').index",
    "repr(T.device('cuda:1'))", "str(T.device('cuda:1'))", "T.device('cuda:1').index", "repr(T.device('cuda', 1))",
    "T.device('cuda:1', 1)", "T.device(0)", "T.device(-1)", "T.device('cpu') == 'cpu'", "T.device('cuda') == 'cuda'",
    "T.device('cuda') != 'cuda'", "T.device('cuda') == T.device('cuda')", "T.device('cuda') == T.device('cpu')",
    "T.device('cuda') == T.device('cuda:0')", "T.device('cpu', 0) == T.device('cpu')",
    "hash(T.device('cuda')) == hash(T.device('cuda'))", "len({T.device('cuda'), T.device('cuda')})",
    "T.device('abc')", "repr(T.device('mps'))", "repr(T.device('meta'))", "repr(T.device('cpu:0'))",
    "str(T.device('cpu', 0))", "repr(T.device(T.device('cuda')))", "T.device()", "T.device(None)", "T.device(1.5)",
    "T.device(True)", "T.device('cuda', -1)", "T.device('cuda:-1')", "T.device('cuda', 'a')", "T.device('cpu', True)",
    "repr(T.device('cpu', None))", "repr(T.device(type='cuda', index=2))", "T.device('cuda:01')", "T.device('cuda:')",
    "T.device(':0')", "T.device('cuda:0:1')", "T.device('cuda ', 0)", "T.device('Cuda')", "T.device('CPU')",
    "T.device('cuda:99999999999')", "T.device(T.device('cuda'), 1)", "repr(T.device(b'cpu'))",
    "T.device('cuda') < T.device('cpu')", "f\"{T.device('cuda:1')}\"", "T.zeros(2).device == T.device('cpu')",
    "T.zeros(2).device == T.device('cpu', 0)", "repr(T.zeros(2, device='cpu:1').device)",
]


@pytest.mark.parametrize("expr", DEVICE_OBJECTS)
def test_device_objects_like_torch(torch_ref, expr):
    assert_same(torch_ref, expr)


def test_device_is_immutable_and_survives_copy_and_pickle():
    d = tg.device("cuda:1")
    with pytest.raises(AttributeError):
        d.type = "cpu"
    assert copy.deepcopy(d) == d and pickle.loads(pickle.dumps(d)) == d and repr(copy.copy(d)) == repr(d)


DEVICES = ["'cuda'", "'cuda:0'", "'cuda:1'", "'mps'", "'mps:0'", "'xpu'", "'mtia'", "'hip'", "'hip:0'", "'xla'",
           "'ipu'", "'ve'", "'fpga'", "'maia'", "'vulkan'", "'lazy'", "'mkldnn'", "'opengl'", "'opencl'", "'ideep'",
           "'hpu'", "'privateuseone'", "'abc'", "'cuda:x'", "'CPU'", "' cpu'", "0", "1", "-1", "1.5", "True",
           "T.device('cuda')", "'cpu'", "'cpu:0'", "'cpu:1'", "T.device('cpu', 0)", "None", "b'cpu'"]
CALLS = [
    "T.zeros(2, device={})", "T.ones(2, 3, device={})", "T.empty(2, device={}).shape", "T.full((2,), 1., device={})",
    "T.tensor([1.], device={})", "T.as_tensor([1.], device={})", "T.as_tensor(np.zeros(2), device={})",
    "T.arange(3, device={})", "T.linspace(0, 1, 3, device={})", "T.eye(2, device={})",
    "T.zeros_like(T.zeros(2), device={})", "T.full_like(T.zeros(2), 3., device={})",
]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("dev", DEVICES)
def test_allocating_on_a_device_raises_like_torch(torch_ref, call, dev):
    assert_same(torch_ref, call.format(dev))


RANDOM_CALLS = ["T.rand(2, device={})", "T.randn(2, device={})", "T.randint(3, (2,), device={})",
                "T.randperm(3, device={})", "T.normal(0., 1., (2,), device={})", "T.rand_like(T.zeros(2), device={})"]


@pytest.mark.parametrize("call", RANDOM_CALLS)
@pytest.mark.parametrize("dev", ["'cuda'", "'mps'", "'abc'", "0", "'lazy'", "'cpu'", "None"])
def test_random_creation_on_a_device_raises_like_torch(torch_ref, call, dev):
    assert_same(torch_ref, call.format(dev), values=False)


@pytest.mark.parametrize("dev", ["'cpu'", "'cuda'", "'abc'", "'mps'"])
def test_generator_device(torch_ref, dev):
    assert_same(torch_ref, f"T.Generator(device={dev}).device.type")


def test_meta_is_a_documented_difference():
    # torch makes data-less 'meta' tensors; tinygrad_edu has none and says so instead of returning a CPU tensor
    with pytest.raises(NotImplementedError, match="meta"):
        tg.zeros(2, device="meta")


def test_check_device_is_the_one_gate():
    assert check_device(None) is None and check_device("cpu") is None and check_device(tg.device("cpu", 3)) is None
    with pytest.raises(AssertionError, match="CUDA"):
        check_device("cuda:0")
    with pytest.raises(RuntimeError, match="mps"):
        check_device("mps", copy=True)      # copying data to a backend torch is not linked with
    with pytest.raises(NotImplementedError, match="MPS"):
        check_device("mps")                 # allocating on it
    with pytest.raises(TypeError, match="Linear"):
        check_device(1.5, fname="Linear")


MOVES = ["T.zeros(2).to('cuda')", "T.zeros(2).to('abc')", "T.zeros(2).to('mps')", "T.zeros(2).to(device='cuda')",
         "T.zeros(2).cuda()", "T.zeros(2).to('cpu', T.float64)", "T.nn.Linear(3, 2, device='cuda')",
         "T.nn.Linear(3, 2, device='mps')", "T.nn.Linear(3, 2).to('cuda')", "T.nn.Identity().to('cuda')",
         "T.nn.Linear(3, 2).cuda()", "T.nn.Identity().cuda()", "T.nn.Embedding(3, 2, device='cuda')",
         "T.nn.Conv2d(1, 1, 3, device='cpu')", "T.nn.LayerNorm(3, device='cuda')"]


@pytest.mark.parametrize("expr", MOVES)
def test_to_cuda_and_nn_factories_follow_torch(torch_ref, expr):
    """Tensor.to / .cuda, Module.to / .cuda and nn's device= keyword raise what torch's CPU build
    raises (a module without tensors moves anywhere, as in torch)."""
    theirs, ours = outcome(expr, torch_ref), outcome(expr, tg)
    if theirs[0] == "raises":
        assert ours[:2] == theirs[:2], (expr, ours, theirs)
    else:  # the same kind of object back (a tensor, or the module itself)
        assert ours[0] == theirs[0] and type(ours[1]).__name__ == type(theirs[1]).__name__, (expr, ours, theirs)
