"""Checkpoints move training between tinygrad_edu and real torch 2.13, both ways.

A model trained here and saved with tinygrad_edu.save is loaded by torch.load(weights_only=True) into
the same torch architecture and gives torch's outputs; a model trained in torch and saved with
torch.save(model.state_dict(), path) gives the same outputs here. Optimizer state (SGD with
momentum, Adam, AdamW) saved on one side resumes on the other: several further steps on both sides
from the same checkpoint give the same parameters (float32 rounding apart).
"""
import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
import tinygrad_edu.optim as optim

import torch

RNG = np.random.default_rng(7)
BATCHES = [(RNG.standard_normal((16, 4)).astype(np.float32), RNG.integers(0, 3, 16)) for _ in range(8)]
PROBE = RNG.standard_normal((5, 4)).astype(np.float32)
OPTIMIZERS = {
    "SGD": ({"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-3}, "SGD"),
    "Adam": ({"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 1e-3}, "Adam"),
    "AdamW": ({"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}, "AdamW"),
}


# BatchNorm first: a bias just before a BatchNorm has a zero gradient up to rounding noise, which
# Adam's normalised step turns into differences of the learning rate's size
def our_model():
    return nn.Sequential(nn.BatchNorm1d(4), nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def torch_model():
    return torch.nn.Sequential(torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


def train_ours(model, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        F.cross_entropy(model(tg.from_numpy(x)), tg.from_numpy(y)).backward()
        opt.step()


def train_torch(model, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt.step()


def outputs_ours(model):
    model.eval()
    with tg.no_grad():
        return model(tg.from_numpy(PROBE)).numpy()


def outputs_torch(model):
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(PROBE)).numpy()


def assert_same_parameters(ours, theirs):
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key in theirs_sd:
        np.testing.assert_allclose(ours_sd[key].numpy(), theirs_sd[key].numpy(), rtol=2e-5, atol=2e-6, err_msg=key)


def test_model_trained_here_gives_torch_the_same_outputs(tmp_path):
    model = our_model()
    train_ours(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), BATCHES)
    tg.save(model.state_dict(), tmp_path / "ours.pth")
    twin = torch_model()
    twin.load_state_dict(torch.load(tmp_path / "ours.pth", weights_only=True))   # strict: every key, every shape
    assert twin[0].num_batches_tracked.item() == len(BATCHES)
    np.testing.assert_allclose(outputs_torch(twin), outputs_ours(model), rtol=1e-5, atol=1e-6)


def test_model_trained_in_torch_gives_the_same_outputs_here(tmp_path):
    twin = torch_model()
    train_torch(twin, torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9), BATCHES)
    torch.save(twin.state_dict(), tmp_path / "torch.pth")
    model = our_model()
    model.load_state_dict(tg.load(tmp_path / "torch.pth"))
    assert model[0].num_batches_tracked.item() == len(BATCHES)
    np.testing.assert_allclose(outputs_ours(model), outputs_torch(twin), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_saved_here_resumes_in_torch(name, tmp_path):
    kwargs, torch_name = OPTIMIZERS[name]
    model = our_model()
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    train_ours(model, opt, BATCHES[:3])
    tg.save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.pth")
    checkpoint = torch.load(tmp_path / "ckpt.pth", weights_only=True)
    twin = torch_model()
    twin.load_state_dict(checkpoint["model"])
    twin_opt = getattr(torch.optim, torch_name)(twin.parameters(), **kwargs)
    twin_opt.load_state_dict(checkpoint["optim"])
    for batch in BATCHES[3:]:
        train_ours(model, opt, [batch])
        train_torch(twin, twin_opt, [batch])
        assert_same_parameters(model, twin)
    step = twin_opt.state_dict()["state"][0].get("step")
    if step is not None:                     # torch counts on from our int: 3 saved + 5 more
        assert float(step) == len(BATCHES)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_saved_by_torch_resumes_here(name, tmp_path):
    kwargs, torch_name = OPTIMIZERS[name]
    twin = torch_model()
    twin_opt = getattr(torch.optim, torch_name)(twin.parameters(), **kwargs)
    train_torch(twin, twin_opt, BATCHES[:3])
    torch.save({"model": twin.state_dict(), "optim": twin_opt.state_dict()}, tmp_path / "ckpt.pth")
    checkpoint = tg.load(tmp_path / "ckpt.pth")
    if name != "SGD":                        # torch keeps step as a float32 0-d tensor
        assert checkpoint["optim"]["state"][0]["step"].dtype == tg.float32
    model = our_model()
    model.load_state_dict(checkpoint["model"])
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    opt.load_state_dict(checkpoint["optim"])
    if name != "SGD":
        assert opt.state_dict()["state"][0]["step"] == 3 and type(opt.state_dict()["state"][0]["step"]) is int
    for batch in BATCHES[3:]:
        train_ours(model, opt, [batch])
        train_torch(twin, twin_opt, [batch])
        assert_same_parameters(model, twin)


def test_a_resumed_checkpoint_goes_round_trip_twice(tmp_path):
    """torch -> tinygrad_edu -> torch: Adam's state after our steps is still what torch continues from."""
    kwargs = OPTIMIZERS["Adam"][0]
    twin = torch_model()
    twin_opt = torch.optim.Adam(twin.parameters(), **kwargs)
    train_torch(twin, twin_opt, BATCHES[:2])
    torch.save({"model": twin.state_dict(), "optim": twin_opt.state_dict()}, tmp_path / "a.pth")
    model, checkpoint = our_model(), tg.load(tmp_path / "a.pth")
    model.load_state_dict(checkpoint["model"])
    opt = optim.Adam(model.parameters(), **kwargs)
    opt.load_state_dict(checkpoint["optim"])
    train_ours(model, opt, BATCHES[2:4])
    train_torch(twin, twin_opt, BATCHES[2:4])
    tg.save({"model": model.state_dict(), "optim": opt.state_dict()}, tmp_path / "b.pth")
    back = torch.load(tmp_path / "b.pth", weights_only=True)
    again = torch_model()
    again.load_state_dict(back["model"])
    again_opt = torch.optim.Adam(again.parameters(), **kwargs)
    again_opt.load_state_dict(back["optim"])
    train_torch(again, again_opt, BATCHES[4:])
    train_torch(twin, twin_opt, BATCHES[4:])
    for key, value in twin.state_dict().items():
        np.testing.assert_allclose(again.state_dict()[key].numpy(), value.numpy(), rtol=2e-5, atol=2e-6, err_msg=key)
