"""nn.Module and nn.Parameter against real torch: registration order, dotted names, state_dict
keys and loading errors, hooks, modes, printing. Models are built by one factory per lecture
model, called once with `torch.nn` and once with ours, so both sides are the same program."""
import copy

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as tnn
from helpers import lecture_model, phone_model

import torch


def phone_sequential(nn):
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 4))


def nested(nn):
    """Parameters, persistent and non-persistent buffers and children interleaved, and a shared child."""
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("stat", torch_or_te(nn).zeros(2))
            self.fc = nn.Linear(2, 2)
            self.scale = nn.Parameter(torch_or_te(nn).ones(2))
            self.register_buffer("tmp", torch_or_te(nn).zeros(1), persistent=False)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Block()
            self.alpha = nn.Parameter(torch_or_te(nn).zeros(1))
            self.b = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
            self.again = self.a  # the same block twice
    return Net()


def torch_or_te(nn):
    return torch if nn is torch.nn else te


def copy_weights(src_torch, dst):
    dst.load_state_dict({k: te.tensor(v.detach().numpy()) for k, v in src_torch.state_dict().items()})


def same_msg(ours, theirs):
    return str(ours).replace("tinygrad_edu.", "torch.") == str(theirs)


def names(it):
    return [(n, tuple(t.shape)) for n, t in it]


@pytest.mark.parametrize("build", [lambda nn: lecture_model(nn, torch_or_te(nn)),
                                   lambda nn: phone_model(nn, torch_or_te(nn)), phone_sequential, nested])
def test_names_order_and_repr_match_torch(build):
    ours, ref = build(tnn), build(torch.nn)
    assert names(ours.named_parameters()) == names(ref.named_parameters())
    assert names(ours.named_parameters(remove_duplicate=False)) == names(ref.named_parameters(remove_duplicate=False))
    assert names(ours.named_buffers()) == names(ref.named_buffers())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in ref.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in ref.named_children()]
    assert names(ours.state_dict().items()) == names(ref.state_dict().items())
    assert repr(ours) == repr(ref)
    assert len(list(ours.parameters())) == len(list(ref.parameters()))
    assert [n for n, _ in ours.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in ref.named_parameters(prefix="m", recurse=False)]


def test_lecture_model_forward_matches_torch():
    ref, ours = lecture_model(torch.nn, torch), lecture_model(tnn, te)
    copy_weights(ref, ours)
    x = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    out = ours(te.tensor(x))
    assert out.shape == (10, 2)
    np.testing.assert_allclose(out.detach().numpy(), ref(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_state_dict_is_detached_and_shares_data():
    model = lecture_model(tnn, te)
    sd = model.state_dict()
    assert not sd["layer1.weight"].requires_grad and sd["layer1.weight"].grad_fn is None
    model.layer1.weight._data[0, 0] = 42.0
    assert sd["layer1.weight"]._data[0, 0] == 42.0
    assert model.state_dict(keep_vars=True)["layer1.weight"] is model.layer1.weight


def test_load_state_dict_copies_in_place_and_casts():
    model = lecture_model(tnn, te)
    weight = model.layer1.weight
    array = weight._data
    new = {k: te.tensor(np.full(tuple(v.shape), 0.5, dtype=np.float64)) for k, v in model.state_dict().items()}
    result = model.load_state_dict(new)
    assert model.layer1.weight is weight and weight._data is array  # an optimizer holding it sees the values
    assert weight.dtype == te.float32 and np.all(weight._data == 0.5)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == repr(torch.nn.Linear(1, 1).load_state_dict(torch.nn.Linear(1, 1).state_dict()))


@pytest.mark.parametrize("case", ["missing", "unexpected", "mismatch", "all"])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_errors_match_torch_and_load_nothing(case, strict):
    ref, ours = lecture_model(torch.nn, torch), lecture_model(tnn, te)
    sds = []
    for lib, model in ((torch, ref), (te, ours)):
        sd = dict(model.state_dict())
        sd = {k: lib.ones(*v.shape) for k, v in sd.items()}
        if case in ("missing", "all"):
            del sd["output.bias"]
        if case in ("unexpected", "all"):
            sd["output.extra"] = lib.zeros(1)
            sd["layer9.weight"] = lib.zeros(1)
        if case in ("mismatch", "all"):
            sd["layer2.weight"] = lib.zeros(3, 2)
        sds.append(sd)
    before = {k: v.numpy().copy() for k, v in ours.state_dict().items()}
    try:
        expected = ref.load_state_dict(sds[0], strict=strict)
    except RuntimeError as err:
        with pytest.raises(RuntimeError) as ours_err:
            ours.load_state_dict(sds[1], strict=strict)
        assert same_msg(ours_err.value, err)
        after = ours.state_dict()
        assert all(np.array_equal(after[k].numpy(), v) for k, v in before.items())  # nothing half-loaded
    else:
        got = ours.load_state_dict(sds[1], strict=strict)
        assert (got.missing_keys, got.unexpected_keys) == (expected.missing_keys, expected.unexpected_keys)
        assert np.all(ours.layer1.weight._data == 1)


def test_load_state_dict_type_errors():
    model = lecture_model(tnn, te)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        model.load_state_dict([1, 2])
    sd = model.state_dict()
    sd["layer1.bias"] = [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match='While copying the parameter named "layer1.bias"'):
        model.load_state_dict(sd)


def test_registration_errors_match_torch():
    def attempts(nn, lib):
        m = nn.Module()
        m.w = nn.Parameter(lib.zeros(2))
        m.child = nn.Module()
        m.register_buffer("buf", lib.zeros(1))
        m.plain = 3
        return [lambda: setattr(m, "w", lib.zeros(2)), lambda: setattr(m, "child", 3),
                lambda: setattr(m, "buf", 3), lambda: m.register_buffer("plain", lib.zeros(1)),
                lambda: m.register_buffer("a.b", lib.zeros(1)), lambda: m.register_parameter("", None),
                lambda: m.register_parameter("p", lib.zeros(1)), lambda: m.add_module("x", 3),
                lambda: m.add_module("a.b", nn.Module()), lambda: m.register_buffer(1, None),
                lambda: m.nope, lambda: m.get_submodule("child.nope"), lambda: m.get_submodule("w"),
                lambda: m.get_parameter("buf"), lambda: nn.Module(3),
                lambda: m.register_parameter("q", nn.Parameter(lib.zeros(2, requires_grad=True)) * 2)]
    for ours, ref in zip(attempts(tnn, te), attempts(torch.nn, torch)):
        with pytest.raises(Exception) as expected:
            ref()
        with pytest.raises(type(expected.value)) as got:
            ours()
        assert same_msg(got.value, expected.value)


def test_attribute_semantics():
    m = tnn.Module()
    m.w = tnn.Parameter(te.zeros(2))
    m.w = None  # a registered parameter may be cleared
    assert "w" in m._parameters and m.w is None
    m.child = tnn.Linear(2, 2)
    m.child = tnn.Linear(2, 3)  # replaced in place, same position
    m.register_buffer("b", te.zeros(1))
    assert "w" in dir(m) and "child" in dir(m) and "b" in dir(m)
    del m.child, m.b, m.w
    assert not m._modules and not m._buffers and not m._parameters
    m.register_buffer("x", te.zeros(1))
    m.x = tnn.Parameter(te.zeros(1))  # moving a name between registries removes it from the old one
    assert "x" not in m._buffers and m._parameters["x"] is not None
    m.y = tnn.Linear(1, 1)
    assert m.get_submodule("") is m and m.get_parameter("y.weight") is m.y.weight


def test_forward_hooks_order_modify_and_remove():
    for nn, lib in ((tnn, te), (torch.nn, torch)):
        lin = nn.Linear(2, 2)
        calls = []
        h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or (args[0] * 0,))
        h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out + 1)
        lin.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
        lin.register_forward_hook(lambda m, args, kwargs, out: calls.append(("kw", sorted(kwargs))),
                                  with_kwargs=True)
        out = lin(lib.ones(1, 2))
        expected = lin.bias.detach().numpy() + 1  # input zeroed by the pre-hook, output + 1
        np.testing.assert_allclose(out.detach().numpy()[0], expected, rtol=1e-6)
        assert calls == ["pre", "first", "post", ("kw", [])]
        h1.remove()
        h2.remove()
        calls.clear()
        lin(lib.ones(1, 2))
        assert calls == ["first", ("kw", [])]


def test_train_eval_zero_grad_requires_grad_apply():
    ours, ref = nested(tnn), nested(torch.nn)
    for model in (ours, ref):
        model.eval()
        model.b.train()
    assert [m.training for m in ours.modules()] == [m.training for m in ref.modules()]
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        ours.train("yes")
    assert ours.train() is ours and all(m.training for m in ours.modules())
    out = ours.b(te.ones(1, 2)).sum()
    out.backward()
    grads = [p for p in ours.parameters() if p.grad is not None]
    assert grads
    ours.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in grads)
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    assert not any(p.requires_grad for p in ours.requires_grad_(False).parameters())
    order_ours, order_ref = [], []
    ours.apply(lambda m: order_ours.append(type(m).__name__))
    ref.apply(lambda m: order_ref.append(type(m).__name__))
    assert order_ours == order_ref


def test_dtype_conversion_keeps_parameter_objects():
    model = nested(tnn)
    weight = model.a.fc.weight
    assert model.double() is model and weight is model.a.fc.weight and weight.dtype == te.float64
    assert model.a.stat.dtype == te.float64
    model.to(te.float32)
    assert weight.dtype == te.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(te.int64)
    assert model.to("cpu") is model and model.cpu() is model


def test_parameter_semantics_match_torch():
    for lib, nn in ((te, tnn), (torch, torch.nn)):
        base = lib.tensor([1.0, 2.0])
        p = nn.Parameter(base)
        assert p.is_leaf and p.requires_grad and isinstance(p, lib.Tensor)
        assert nn.Parameter(base, requires_grad=False).requires_grad is False
        assert tuple(nn.Parameter().shape) == (0,)
        with pytest.raises(RuntimeError):
            nn.Parameter(lib.tensor([1, 2]))
    ours = tnn.Parameter(te.tensor([1.0, 2.0]))
    assert repr(ours) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    data = np.zeros(3, dtype=np.float32)
    shared = tnn.Parameter(te.from_numpy(data))
    data[0] = 7
    assert shared._data[0] == 7 and type(ours * 2) is te.Tensor
    clone = copy.deepcopy(ours)
    assert type(clone) is tnn.Parameter and clone._data is not ours._data


def test_deepcopy_module_is_independent():
    model = lecture_model(tnn, te)
    twin = copy.deepcopy(model)
    twin.layer1.weight._data[...] = 0
    assert not np.all(model.layer1.weight._data == 0)
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in model.named_parameters()]


# ---- containers ----------------------------------------------------------------------------------
def keys(module):
    return list(module.state_dict())


def test_sequential_indexing_slicing_and_editing_match_torch():
    ours, ref = phone_sequential(tnn), phone_sequential(torch.nn)
    for idx in (0, 2, -1, -5):
        assert type(ours[idx]).__name__ == type(ref[idx]).__name__
    for sl in (slice(1, None), slice(None, None, 2), slice(-2, None), slice(3, 1)):
        assert type(ours[sl]) is tnn.Sequential and keys(ours[sl]) == keys(ref[sl])
    assert ours[2] is ours[1:][1] and len(ours) == 5 and list(ours) == [ours[i] for i in range(5)]
    for model in (ours, ref):
        with pytest.raises(IndexError, match="index 5 is out of range"):
            model[5]
    for model, nn in ((ours, tnn), (ref, torch.nn)):
        del model[1]
        model.append(nn.Linear(4, 2)).insert(-1, nn.Identity()).extend([nn.Tanh()])
        model[0] = nn.Linear(20, 64, bias=False)
        del model[2:3]
    assert keys(ours) == keys(ref) and repr(ours) == repr(ref)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in ref.named_modules()]
    x = np.ones((2, 20), dtype=np.float32)
    copy_weights(ref, ours)
    np.testing.assert_allclose(ours(te.tensor(x)).detach().numpy(), ref(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_sequential_from_ordered_dict_and_operators():
    from collections import OrderedDict
    for nn in (tnn, torch.nn):
        nn.built = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert keys(tnn.built) == keys(torch.nn.built) == ["fc.weight", "fc.bias"]
    assert repr(tnn.built + tnn.built) == repr(torch.nn.built + torch.nn.built)
    assert repr(tnn.built * 2) == repr(torch.nn.built * 2)
    del tnn.built, torch.nn.built


def test_module_list_and_dict_match_torch():
    def build(nn):
        layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        layers.append(nn.ReLU())
        layers.insert(1, nn.Linear(2, 3))
        layers += [nn.Linear(3, 1)]
        table = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
        table["c"] = nn.Tanh()
        holder = nn.Module()
        holder.layers, holder.table = layers, table
        return holder
    ours, ref = build(tnn), build(torch.nn)
    assert repr(ours) == repr(ref)  # includes torch 2.x's '(a-b): n x Layer' compression
    assert keys(ours) == keys(ref)
    assert keys(ours.layers[1:3]) == keys(ref.layers[1:3])
    assert list(ours.table) == list(ref.table) == ["b", "a", "c"] and "a" in ours.table
    del ours.layers[0], ref.layers[0]
    assert keys(ours) == keys(ref)
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ours.layers.extend(3)
    with pytest.raises(NotImplementedError, match="missing the required \"forward\" function"):
        ours.layers(te.ones(1))


def test_parameter_list_and_dict_match_torch():
    def build(nn, lib):
        holder = nn.Module()
        holder.plist = nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(4)])
        holder.plist.append(lib.ones(1))
        holder.pdict = nn.ParameterDict({"w": lib.ones(2), "b": nn.Parameter(lib.zeros(1))})
        holder.pdict["c"] = lib.ones(3, dtype=lib.float64)
        return holder
    ours, ref = build(tnn, te), build(torch.nn, torch)
    assert names(ours.named_parameters()) == names(ref.named_parameters())
    assert repr(ours).replace("tinygrad_edu.", "torch.") == repr(ref)
    assert all(isinstance(p, tnn.Parameter) for p in ours.plist)
    assert tuple(ours.plist[-1].shape) == (1,) and len(ours.plist[:2]) == 2 and list(ours.pdict) == list(ref.pdict)
