"""Optimizers print as torch's (issue 14): state_dict()['param_groups'] holds torch 2.13's keys in
torch's order with torch's defaults, repr(optimizer) is torch's text, and optim.Adadelta trains as
torch.optim.Adadelta does (values, state, errors)."""
import numpy as np
import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.optim as optim

KINDS = {
    "SGD": [dict(lr=0.1), dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=1e-4, maximize=True)],
    "Adam": [{}, dict(lr=0.01, betas=(0.8, 0.99), amsgrad=True), dict(weight_decay=0.1, decoupled_weight_decay=True)],
    "AdamW": [{}, dict(lr=3e-4, weight_decay=0.1, eps=1e-6)],
    "Adagrad": [{}, dict(lr_decay=0.01, initial_accumulator_value=0.1)],
    "RMSprop": [{}, dict(alpha=0.9, momentum=0.5, centered=True)],
    "Adadelta": [{}, dict(lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01, maximize=True)],
}
CASES = [(kind, kwargs) for kind, options in KINDS.items() for kwargs in options]


def _params(lib):
    return [lib.tensor([1.0, -2.0], requires_grad=True), lib.tensor([[0.5, 0.25]], requires_grad=True)]


def _pair(kind, kwargs, groups=False):
    made = []
    for lib, module in ((tg, optim), (torch, torch.optim)):
        a, b = _params(lib)
        params = [{"params": [a]}, {"params": [b], "lr": 0.003, "weight_decay": 0.5}] if groups else [a, b]
        made.append((getattr(module, kind)(params, **kwargs), (a, b)))
    return made


def _step(opt, params, lib):
    for p in params:
        p.grad = lib.ones_like(p) * 0.5
    opt.step()


@pytest.mark.parametrize("groups", [False, True], ids=["one group", "two groups"])
@pytest.mark.parametrize("kind,kwargs", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_param_groups_print_as_torchs(kind, kwargs, groups):
    (ours, our_params), (theirs, their_params) = _pair(kind, kwargs, groups)
    assert str(ours.state_dict()["param_groups"]) == str(theirs.state_dict()["param_groups"])
    assert repr(ours) == repr(theirs)
    assert str(ours.defaults) == str(theirs.defaults)
    _step(ours, our_params, tg)
    _step(theirs, their_params, torch)
    assert str(ours.state_dict()["param_groups"]) == str(theirs.state_dict()["param_groups"])
    assert repr(ours) == repr(theirs)
    ours_state, their_state = ours.state_dict()["state"], theirs.state_dict()["state"]
    assert list(ours_state) == list(their_state)
    assert [list(s) for s in ours_state.values()] == [list(s) for s in their_state.values()]


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_scheduler_adds_initial_lr_as_torchs_does(kind):
    (ours, _), (theirs, _) = _pair(kind, {})
    optim.lr_scheduler.StepLR(ours, step_size=2)
    torch.optim.lr_scheduler.StepLR(theirs, step_size=2)
    assert str(ours.state_dict()["param_groups"]) == str(theirs.state_dict()["param_groups"])
    assert repr(ours) == repr(theirs)


def test_an_empty_repr_group_layout_matches_torch_with_three_groups():
    mine = optim.SGD([{"params": [p]} for p in _params(tg)] + [{"params": [tg.zeros(1, requires_grad=True)]}],
                     lr=0.1)
    theirs = torch.optim.SGD([{"params": [p]} for p in _params(torch)]
                             + [{"params": [torch.zeros(1, requires_grad=True)]}], lr=0.1)
    assert repr(mine) == repr(theirs)


# ------------------------------------------------------------------------------------------- Adadelta
_rng = np.random.default_rng(14)
W0 = _rng.standard_normal((5, 3)).astype(np.float32)
X = _rng.standard_normal((16, 5)).astype(np.float32)
Y = _rng.standard_normal((16, 3)).astype(np.float32)


def _train(lib, module, kwargs, steps=40):
    w = lib.tensor(W0.copy(), requires_grad=True)
    opt = module.Adadelta([w], **kwargs)
    x, y = lib.tensor(X), lib.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
    return w.detach().numpy(), opt.state_dict()["state"][0]


ADADELTA = [{}, dict(lr=0.1), dict(rho=0.5, eps=1e-3), dict(weight_decay=0.05), dict(maximize=True, lr=0.01),
            dict(rho=1.0), dict(rho=0.0)]


@pytest.mark.parametrize("kwargs", ADADELTA, ids=[str(k) for k in ADADELTA])
def test_adadelta_trains_as_torchs(kwargs):
    ours, our_state = _train(tg, optim, kwargs)
    theirs, their_state = _train(torch, torch.optim, kwargs)
    assert not np.array_equal(ours, W0) or kwargs.get("rho") == 1.0
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    assert list(our_state) == list(their_state) == ["step", "square_avg", "acc_delta"]
    assert float(our_state["step"]) == float(their_state["step"]) == 40
    for key in ("square_avg", "acc_delta"):
        np.testing.assert_allclose(our_state[key].numpy(), their_state[key].numpy(), rtol=1e-5, atol=1e-9)


def test_adadelta_float64_matches_torch_closely():
    def run(lib, module):
        w = lib.tensor(W0.astype(np.float64), requires_grad=True)
        opt = module.Adadelta([w], lr=1.0)
        for _ in range(25):
            w.grad = lib.tensor(np.sin(np.arange(15.0)).reshape(5, 3)) * w.detach()
            opt.step()
        return w.detach().numpy()
    ours, theirs = run(tg, optim), run(torch, torch.optim)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(rho=1.5), dict(rho=-0.1), dict(eps=-1e-6),
                                    dict(weight_decay=-0.1)], ids=str)
def test_adadelta_invalid_arguments_raise_torchs_value_error(kwargs):
    with pytest.raises(ValueError) as ours:
        optim.Adadelta(_params(tg), **kwargs)
    with pytest.raises(ValueError) as theirs:
        torch.optim.Adadelta(_params(torch), **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_adadelta_resumes_from_its_state_dict():
    w = tg.tensor(W0.copy(), requires_grad=True)
    opt = optim.Adadelta([w], lr=0.5)
    for _ in range(5):
        w.grad = tg.tensor(W0) * 0.1
        opt.step()
    w2 = tg.tensor(w.detach().numpy().copy(), requires_grad=True)
    opt2 = optim.Adadelta([w2], lr=0.5)
    opt2.load_state_dict(opt.state_dict())
    for p, o in ((w, opt), (w2, opt2)):
        p.grad = tg.tensor(W0) * 0.1
        o.step()
    assert np.array_equal(w.detach().numpy(), w2.detach().numpy())
