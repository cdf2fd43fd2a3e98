"""Optimizers: parity with torch.optim, state_dict round trips, argument checks, no-graph steps.

The parity problem is a small least-squares fit ``mean((X @ W + b - Y)**2)``.  Its gradient is
computed by one numpy function (``_grads``) for both frameworks, from each framework's current
parameters, so the only thing that can make the trajectories differ is the optimizer.  One test
(``test_parity_through_backward``) uses each framework's own autograd instead, end to end.
"""


import numpy as np
import pytest
from helpers import through_save

import tinygrad_edu as tg
import tinygrad_edu.optim as optim


@pytest.fixture(scope="module")
def torch():
    import torch as real_torch  # the oracle: a required test dependency
    return real_torch


_rng = np.random.default_rng(0)
X = _rng.standard_normal((16, 4)).astype(np.float32)
Y = _rng.standard_normal((16, 3)).astype(np.float32)
W0 = (0.5 * _rng.standard_normal((4, 3))).astype(np.float32)
B0 = (0.1 * _rng.standard_normal(3)).astype(np.float32)
FROZEN0 = np.array([1.0, -2.0], dtype=np.float32)  # never receives a gradient
STEPS = 30


def _grads(W, b):
    """float32 gradient of mean((X @ W + b - Y)**2) with respect to W and b."""
    R = X @ W + b - Y
    scale = np.float32(2.0 / R.size)
    return (X.T @ R) * scale, R.sum(axis=0) * scale


def _arr(t):
    """The numpy array a tensor holds (shared, not copied), as a torch user gets it."""
    return t.detach().numpy()


def _ours_params():
    return [tg.tensor(a.copy(), requires_grad=True) for a in (W0, B0, FROZEN0)]


def _torch_params(torch):
    return [torch.tensor(a.copy(), requires_grad=True) for a in (W0, B0, FROZEN0)]


def _run_ours(params, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        gW, gb = _grads(_arr(params[0]), _arr(params[1]))
        params[0].grad, params[1].grad = tg.tensor(gW), tg.tensor(gb)
        opt.step()


def _run_torch(torch, params, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        gW, gb = _grads(params[0].detach().numpy(), params[1].detach().numpy())
        params[0].grad, params[1].grad = torch.from_numpy(gW), torch.from_numpy(gb)
        opt.step()


def _assert_params_match(ours, theirs, rtol=1e-5, atol=1e-6):
    for p, q in zip(ours, theirs):
        assert p.dtype == tg.float32
        np.testing.assert_allclose(_arr(p), q.detach().numpy(), rtol=rtol, atol=atol)


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.01, momentum=0.3, maximize=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.2, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.05, eps=1e-3, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.005, momentum=0.9)),
    # (centered + weight decay is left out: near the optimum sqrt(v - gbar^2) cancels and amplifies
    # torch's fused-multiply-add rounding far beyond float32 tolerance in the buffers)
    ("RMSprop", dict(lr=0.005, alpha=0.9, centered=True, momentum=0.5)),
    # (alpha 0.99, not 0.9: with 0.9 v_t follows the vanishing gradients of one coordinate down to
    # ~1e-6 by step 30, where g / sqrt(v) amplifies float32 rounding: ours and torch's buffers then
    # differ by 8e-5 relative, each about as far from a float64 run)
    ("RMSprop", dict(lr=0.005, alpha=0.99, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.001, eps=1e-4, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_parity_with_torch(torch, name, kwargs):
    ours = _ours_params()
    opt = getattr(optim, name)(ours, **kwargs)
    _run_ours(ours, opt, STEPS)
    theirs = _torch_params(torch)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    _run_torch(torch, theirs, topt, STEPS)
    _assert_params_match(ours, theirs)
    assert np.array_equal(_arr(ours[2]), FROZEN0)  # grad None: untouched
    # the state holds the same buffers as torch's, with the same values
    ours_sd, torch_sd = opt.state_dict(), topt.state_dict()
    assert set(ours_sd["state"]) == set(torch_sd["state"])
    for index, torch_state in torch_sd["state"].items():
        assert set(ours_sd["state"][index]) == set(torch_state)
        for key, value in torch_state.items():
            mine = ours_sd["state"][index][key]
            if key == "step":
                assert float(mine) == float(value)
            else:
                np.testing.assert_allclose(_arr(mine), value.numpy(), rtol=1e-5, atol=1e-6)


def test_param_groups_parity(torch):
    ours, theirs = _ours_params(), _torch_params(torch)
    groups = lambda ps: [{"params": [ps[0]]}, {"params": [ps[1], ps[2]], "lr": 0.01, "momentum": 0.5}]
    opt = optim.SGD(groups(ours), lr=0.1, momentum=0.9, nesterov=True)
    topt = torch.optim.SGD(groups(theirs), lr=0.1, momentum=0.9, nesterov=True)
    assert opt.param_groups[1]["nesterov"] is True and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[0]["momentum"] == 0.9
    _run_ours(ours, opt, STEPS)
    _run_torch(torch, theirs, topt, STEPS)
    _assert_params_match(ours, theirs)


def test_parity_through_backward_and_closure(torch):
    """End to end: each framework's own autograd, Adam driven through step(closure)."""
    W, b = (tg.tensor(a.copy(), requires_grad=True) for a in (W0, B0))
    tW, tb = (torch.tensor(a.copy(), requires_grad=True) for a in (W0, B0))
    opt, topt = optim.Adam([W, b], lr=0.02), torch.optim.Adam([tW, tb], lr=0.02)
    Xt, Yt = tg.tensor(X), tg.tensor(Y)

    def closure():
        assert tg.is_grad_enabled()
        opt.zero_grad()
        loss = ((Xt @ W + b - Yt) ** 2).mean()
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = ((torch.from_numpy(X) @ tW + tb - torch.from_numpy(Y)) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(STEPS):
        with tg.no_grad():  # step re-enables grad for the closure, as torch does
            loss = opt.step(closure)
        tloss = topt.step(tclosure)
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5, atol=1e-6)
    _assert_params_match([W, b], [tW, tb])


# ---------------------------------------------------------------------------- state_dict
def _snapshot(state_dict):
    """A deep copy of a state_dict whose tensors no longer alias the optimizer's buffers."""
    return {
        "state": {i: {k: (v.clone() if isinstance(v, tg.Tensor) else v)
                      for k, v in s.items()} for i, s in state_dict["state"].items()},
        "param_groups": [dict(g, params=list(g["params"])) for g in state_dict["param_groups"]],
    }


@pytest.mark.parametrize("transport", [_snapshot, through_save], ids=["in-memory", "save-load"])
@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
])
def test_state_dict_resumes_identically(transport, name, kwargs):
    params = _ours_params()
    opt = getattr(optim, name)(params, **kwargs)
    _run_ours(params, opt, 10)
    opt.param_groups[0]["lr"] *= 0.5  # e.g. a scheduler's change: must be restored too
    saved = transport(opt.state_dict())
    sd = opt.state_dict()
    # Adagrad, like torch, creates its accumulators up front, even for the never-updated param
    assert sorted(sd["state"]) == ([0, 1, 2] if name == "Adagrad" else [0, 1])
    assert sd["param_groups"][0]["params"] == [0, 1, 2]

    resumed = [tg.tensor(_arr(p).copy(), requires_grad=True) for p in params]
    opt2 = getattr(optim, name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert opt2.param_groups[0]["params"][0] is resumed[0]
    _run_ours(params, opt, 10)
    _run_ours(resumed, opt2, 10)
    for p, q in zip(params, resumed):
        assert np.array_equal(_arr(p), _arr(q))
    # the loaded buffers are copies: training opt2 further did not touch the saved dict
    for index, s in saved["state"].items():
        for key, value in s.items():
            if isinstance(value, tg.Tensor):
                assert not np.shares_memory(_arr(value), _arr(opt2.state_dict()["state"][index][key]))


def test_load_state_dict_rejects_mismatched_groups():
    params = _ours_params()
    opt = optim.SGD(params, lr=0.1)
    other = optim.SGD(params[:2], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        other.load_state_dict(opt.state_dict())
    two = optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        two.load_state_dict(opt.state_dict())


# ---------------------------------------------------------------------------- arguments
INVALID = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adagrad", dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "Invalid initial_accumulator_value value: -1.0"),
    ("Adagrad", dict(eps=-1e-10), "Invalid epsilon value: -1e-10"),
    ("RMSprop", dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    ("RMSprop", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("AdamW", dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    ("AdamW", dict(lr=-1.0), "Invalid learning rate: -1.0"),
]


@pytest.mark.parametrize("name,kwargs,message", INVALID, ids=[m for *_, m in INVALID])
def test_invalid_hyper_parameters_match_torch(torch, name, kwargs, message):
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)(_ours_params(), **kwargs)
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)(_torch_params(torch), **kwargs)
    assert str(ours.value) == str(theirs.value) == message


def test_invalid_parameter_lists():
    w = tg.tensor(W0.copy(), requires_grad=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2.0], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([W0], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}], lr=0.1)


def test_add_param_group_fills_defaults_and_trains():
    params = _ours_params()
    opt = optim.SGD(params[:1], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": params[1], "lr": 0.01})
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is params[1]
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [params[0]]})
    before = _arr(params[1]).copy()
    _run_ours(params, opt, 1)
    np.testing.assert_allclose(_arr(params[1]), before - 0.01 * _grads(W0, B0)[1], rtol=1e-6)


# ---------------------------------------------------------------------------- step mechanics
ALL = [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam, optim.AdamW]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_step_is_in_place_float32_and_builds_no_graph(cls):
    params = _ours_params()
    opt = cls(params, lr=np.float64(0.01))  # an np.float64 hyper-parameter must not upcast
    aliases = [p.detach() for p in params]  # share the arrays: see an in-place step, not a rebind
    with tg.enable_grad():
        _run_ours(params, opt, 3)
    buffers = {k: (v, _arr(v).copy()) for k, v in opt.state[params[0]].items()
               if isinstance(v, tg.Tensor)}
    _run_ours(params, opt, 2)
    for p, alias in zip(params, aliases):
        assert np.shares_memory(_arr(p), _arr(alias)) and p.dtype == tg.float32
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert not np.array_equal(_arr(aliases[0]), W0)
    for key, value in opt.state[params[0]].items():
        if isinstance(value, tg.Tensor):  # the same buffer, updated in place
            tensor, before = buffers[key]
            assert value is tensor and value.dtype == tg.float32
            assert key == "step" or not np.array_equal(_arr(value), before)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_parameters_without_grad_are_skipped(cls):
    params = _ours_params()
    opt = cls(params, lr=0.1, weight_decay=0.1)  # weight decay would move them if they were visited
    for _ in range(3):
        opt.step()
    for p, a in zip(params, (W0, B0, FROZEN0)):
        assert np.array_equal(_arr(p), a)
    assert all(s.get("step", 0) == 0 for s in opt.state.values())


def test_zero_grad_both_modes():
    params = _ours_params()
    opt = optim.SGD(params, lr=0.1)
    gW, gb = _grads(W0, B0)
    params[0].grad, params[1].grad = tg.tensor(gW), tg.tensor(gb)
    grad = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is grad and not _arr(params[0].grad).any()
    assert params[2].grad is None
    opt.zero_grad()
    assert params[0].grad is None and params[1].grad is None


def test_repr_lists_groups():
    text = repr(optim.SGD(_ours_params(), lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


def test_exports():
    for name in ("Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"):
        assert hasattr(optim, name)
    assert issubclass(optim.AdamW, optim.Optimizer)


@pytest.mark.parametrize("name, kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.05}),
                                          ("AdamW", {"lr": 0.05}), ("RMSprop", {"lr": 0.01})])
def test_duplicate_parameters_warn_and_update_twice_as_torch(torch, name, kwargs):
    # torch warns (it will become an error "in future") and keeps both entries: two updates a step
    w = tg.tensor(W0.copy(), requires_grad=True)
    tw = torch.tensor(W0.copy(), requires_grad=True)
    with pytest.warns(UserWarning) as ours:
        opt = getattr(optim, name)([w, w], **kwargs)
    with pytest.warns(UserWarning) as theirs:
        topt = getattr(torch.optim, name)([tw, tw], **kwargs)
    assert str(ours[0].message) == str(theirs[0].message)
    for _ in range(3):
        opt.zero_grad()
        topt.zero_grad()
        (w * w).sum().backward()
        (tw * tw).sum().backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-5, atol=1e-6)
