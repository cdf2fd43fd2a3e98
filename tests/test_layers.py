"""nn layers against real torch: same weights in -> same outputs, gradients, running statistics,
state_dict keys and reprs; default inits checked statistically against torch's bounds."""
import math
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn as nn

import torch

FWD = dict(rtol=1e-5, atol=1e-6)
GRAD = dict(rtol=1e-4, atol=1e-5)


def _x(*shape, seed=0, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def copy_params(ours, theirs):
    """Give our module torch's (randomly initialised) parameters and buffers, via numpy."""
    mine = dict(ours.named_parameters())
    mine.update(ours.named_buffers())
    for name, t in list(theirs.named_parameters()) + list(theirs.named_buffers()):
        mine[name]._data[...] = t.detach().numpy()


def run_both(ours, theirs, x, seed=1):
    """Forward the same input, backpropagate the same upstream gradient; compare outputs and the
    gradients of the input and every parameter."""
    xo, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo._data, yt.detach().numpy(), **FWD)
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(np.float32)
    yo.backward(te.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad._data, xt.grad.numpy(), **GRAD)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), err_msg=name, **GRAD)


# ---- Linear ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    theirs = torch.nn.Linear(3, 4, bias=bias)
    ours = nn.Linear(3, 4, bias=bias)
    copy_params(ours, theirs)
    run_both(ours, theirs, _x(*shape))
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_linear_default_init_matches_torch_bounds():
    te.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.dtype == te.float32 and layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    bound = 1 / math.sqrt(400)  # torch: kaiming_uniform_(a=sqrt(5)) -> 1/sqrt(fan_in); bias likewise
    ref = torch.nn.Linear(400, 300)
    pairs = ((layer.weight._data, ref.weight.detach().numpy()), (layer.bias._data, ref.bias.detach().numpy()))
    for ours, theirs in pairs:
        assert np.abs(ours).max() <= bound and np.abs(ours).max() > 0.98 * bound
        # U(-b, b): mean 0, std b / sqrt(3), the same statistics as torch's own draw
        assert abs(ours.mean()) < 0.1 * bound
        assert abs(ours.std() - theirs.std()) < 0.06 * bound
        np.testing.assert_allclose(ours.std(), bound / math.sqrt(3), rtol=0.06)


def test_linear_init_reproducible_and_dtype():
    te.manual_seed(5)
    a = nn.Linear(3, 2)
    te.manual_seed(5)
    b = nn.Linear(3, 2)
    assert np.array_equal(a.weight._data, b.weight._data) and np.array_equal(a.bias._data, b.bias._data)
    assert nn.Linear(3, 2, dtype=te.float64).weight.dtype == te.float64


def test_linear_wrong_input_shape():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x3\)"):
        nn.Linear(4, 3)(te.randn(10, 3))


def test_identity():
    x = te.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


# ---- activation modules ----------------------------------------------------------------------------------
ACTIVATION_MODULES = [("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.2,)), ("Sigmoid", ()), ("Tanh", ()),
                      ("GELU", ()), ("GELU", ("tanh",)), ("ELU", (0.5,)), ("SELU", ()), ("Softplus", (2.0, 4.0)),
                      ("SiLU", ()), ("Mish", ()), ("Hardtanh", (-2.0, 1.5)), ("LogSigmoid", ()), ("Softmax", (1,)),
                      ("LogSoftmax", (-1,)), ("Softmin", (0,))]


@pytest.mark.parametrize("name,args", ACTIVATION_MODULES)
def test_activation_modules_match_torch(name, args):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    run_both(ours, theirs, _x(3, 4, 2, scale=3.0))


@pytest.mark.parametrize("name", ["ReLU", "ELU", "LeakyReLU", "SiLU", "Hardtanh"])
def test_inplace_activation_modules(name):
    ours, theirs = getattr(nn, name)(inplace=True), getattr(torch.nn, name)(inplace=True)
    assert repr(ours) == repr(theirs)
    x = te.tensor(_x(3, 4))
    assert ours(x) is x
    np.testing.assert_allclose(x._data, theirs(torch.tensor(_x(3, 4))).numpy(), **FWD)


def test_softmax_module_implicit_dim():
    x = _x(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(te.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(out._data, torch.nn.Softmax()(torch.tensor(x)).numpy(), **FWD)


# ---- Dropout -----------------------------------------------------------------------------------------------
def test_dropout_module():
    layer = nn.Dropout(0.25)
    assert repr(layer) == repr(torch.nn.Dropout(0.25))
    x = te.ones(100, 400)
    te.manual_seed(0)
    y = layer(x)
    zeros = (y._data == 0).mean()
    assert abs(zeros - 0.25) < 0.01
    np.testing.assert_allclose(y._data[y._data != 0], 1 / 0.75, rtol=1e-6)
    te.manual_seed(0)
    assert np.array_equal(layer(x)._data, y._data)
    layer.eval()
    assert np.array_equal(layer(x)._data, x._data)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


# ---- BatchNorm -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 2, 3))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_train_then_eval_matches_torch(cls, shape, momentum):
    theirs = getattr(torch.nn, cls)(3, momentum=momentum)
    with torch.no_grad():  # non-trivial affine parameters
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    ours = getattr(nn, cls)(3, momentum=momentum)
    copy_params(ours, theirs)
    assert repr(ours) == repr(theirs)
    for step in range(3):
        run_both(ours, theirs, _x(*shape, seed=step, scale=2.0) + step)
        for p in list(ours.parameters()):
            p.grad = None
        theirs.zero_grad()
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name)._data, getattr(theirs, name).numpy(), err_msg=name, **FWD)
    assert ours.num_batches_tracked.dtype == te.int64 and int(ours.num_batches_tracked.item()) == 3
    ours.eval()
    theirs.eval()
    run_both(ours, theirs, _x(*shape, seed=9))
    assert int(ours.num_batches_tracked.item()) == 3  # eval does not count batches


@pytest.mark.parametrize("kwargs", [dict(affine=False), dict(track_running_stats=False), dict(bias=False)])
def test_batchnorm_variants_match_torch(kwargs):
    theirs, ours = torch.nn.BatchNorm1d(3, **kwargs), nn.BatchNorm1d(3, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    run_both(ours, theirs, _x(6, 3))
    ours.eval()
    theirs.eval()
    run_both(ours, theirs, _x(6, 3, seed=2))


def test_batchnorm_state_dict_order_and_buffers():
    ours, theirs = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert ours.running_mean.dtype == te.float32 and ours.running_var.dtype == te.float32


def test_batchnorm_input_checks():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(te.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(te.randn(2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(te.randn(1, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        nn.BatchNorm1d(4)(te.randn(2, 3))


# ---- LayerNorm -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("normalized,shape", [(4, (3, 4)), ((3, 4), (2, 3, 4)), ([5], (2, 2, 5))])
@pytest.mark.parametrize("kwargs", [dict(), dict(bias=False), dict(elementwise_affine=False), dict(eps=1e-2)])
def test_layernorm_matches_torch(normalized, shape, kwargs):
    theirs, ours = torch.nn.LayerNorm(normalized, **kwargs), nn.LayerNorm(normalized, **kwargs)
    if theirs.weight is not None:
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
    copy_params(ours, theirs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    run_both(ours, theirs, _x(*shape, scale=2.0))


# ---- Embedding ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 0, -2])
def test_embedding_matches_torch(padding_idx):
    theirs, ours = torch.nn.Embedding(7, 3, padding_idx=padding_idx), nn.Embedding(7, 3, padding_idx=padding_idx)
    assert repr(ours) == repr(theirs)
    copy_params(ours, theirs)
    idx = np.array([[0, 5, 5], [1, 0, 6]])
    yo, yt = ours(te.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(yo._data, yt.detach().numpy(), **FWD)
    g = _x(2, 3, 3)
    yo.backward(te.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), **GRAD)
    if padding_idx is not None:
        assert np.all(ours.weight.grad._data[padding_idx] == 0)


def test_embedding_init_and_padding_row():
    te.manual_seed(1)
    emb = nn.Embedding(1000, 50, padding_idx=3)
    w = emb.weight._data
    assert emb.weight.dtype == te.float32 and np.all(w[3] == 0)
    rest = np.delete(w, 3, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01  # N(0, 1), as torch
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)


def test_embedding_from_pretrained():
    w = te.tensor(_x(4, 2))
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(te.tensor([3, 1]))._data, w._data[[3, 1]])
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad


# ---- Flatten / Unflatten ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [(), (0,), (1, 2), (-3, -2)])
def test_flatten_matches_torch(args):
    ours, theirs = nn.Flatten(*args), torch.nn.Flatten(*args)
    assert repr(ours) == repr(theirs)
    run_both(ours, theirs, _x(2, 3, 4, 5))


@pytest.mark.parametrize("dim,sizes", [(1, (2, 6)), (-1, (3, -1)), (0, [1, 2])])
def test_unflatten_matches_torch(dim, sizes):
    ours, theirs = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(ours) == repr(theirs)
    run_both(ours, theirs, _x(2, 12))


def test_unflatten_bad_sizes():
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[2, 2\] don't multiply up to the size of dim 1 "
                                           r"\(5\) in the input tensor"):
        nn.Unflatten(1, (2, 2))(te.randn(3, 5))


# ---- a small network end to end ---------------------------------------------------------------------------------
def test_mlp_with_every_layer_matches_torch():
    def build(lib):
        return lib.Sequential(lib.Linear(6, 8), lib.BatchNorm1d(8), lib.GELU(), lib.Dropout(0.0), lib.LayerNorm(8),
                              lib.SiLU(), lib.Linear(8, 3), lib.LogSoftmax(dim=1))
    theirs, ours = build(torch.nn), build(nn)
    copy_params(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    run_both(ours, theirs, _x(10, 6))
