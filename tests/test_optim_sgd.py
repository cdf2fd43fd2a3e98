"""SGD against torch.optim.SGD: every option in float64 (issue 11 item 5: float64 parameters used to
raise UnboundLocalError), parameter groups of mixed dtypes, hyper-parameters that change between
steps (a scheduler, a Tensor lr changed in place) and hyper-parameters of unusual types.

The gradients are set by hand from one numpy function for both frameworks (as in test_optim.py), so
only the optimizer can make the trajectories differ; one test runs each framework's own autograd
through a float64 model end to end.
"""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.optim as optim

import torch

STEPS = 12
OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, momentum=0.5, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, momentum=0.7, maximize=True),
    dict(lr=0.05, momentum=0.7, dampening=0.5, weight_decay=0.2, maximize=True),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True),
]


def _arr(t):
    return t.detach().numpy()


def _initial(dtypes, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,), (2, 5), (5,)]
    return [rng.standard_normal(shape).astype(dtype) for shape, dtype in zip(shapes, dtypes)]


def _grad(array, step):
    """A gradient that depends on the current parameter (so the trajectory feeds back) and the step."""
    return (np.sin(array * 3.0 + step) + 0.1 * step).astype(array.dtype)


def _run_both(arrays, kwargs, steps=STEPS, change=None):
    """Run our SGD and torch's from the same arrays; ``change(step, ours_opt, torch_opt)`` may edit
    the hyper-parameters before each step. Returns both parameter lists and both optimizers."""
    ours = [tg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt, topt = optim.SGD(ours, **kwargs), torch.optim.SGD(theirs, **kwargs)
    for step in range(steps):
        if change is not None:
            change(step, opt, topt)
        for p, q in zip(ours, theirs):
            g = _grad(q.detach().numpy(), step)
            p.grad, q.grad = tg.tensor(g), torch.from_numpy(g)
        opt.step()
        topt.step()
    return ours, theirs, opt, topt


def _assert_match(ours, theirs, tol=None):
    for p, q in zip(ours, theirs):
        expected = q.detach().numpy()
        assert _arr(p).dtype == expected.dtype
        rtol = tol if tol is not None else (1e-12 if expected.dtype == np.float64 else 1e-5)
        np.testing.assert_allclose(_arr(p), expected, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("kwargs", OPTIONS, ids=lambda k: "-".join(f"{n}={v}" for n, v in k.items()))
def test_every_option_in_float64_matches_torch(kwargs):
    ours, theirs, opt, topt = _run_both(_initial([np.float64] * 4), kwargs)
    _assert_match(ours, theirs)
    ours_state, torch_state = opt.state_dict()["state"], topt.state_dict()["state"]
    assert set(ours_state) == set(torch_state)
    for index, entries in torch_state.items():
        assert set(ours_state[index]) == set(entries)
        for key, value in entries.items():  # the momentum buffers, in float64 too
            mine = ours_state[index][key]
            assert mine.dtype == tg.float64
            np.testing.assert_allclose(_arr(mine), value.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs", OPTIONS, ids=lambda k: "-".join(f"{n}={v}" for n, v in k.items()))
def test_every_option_in_float32_matches_torch(kwargs):
    ours, theirs, _, _ = _run_both(_initial([np.float32] * 4), kwargs)
    _assert_match(ours, theirs)


@pytest.mark.parametrize("dtypes", [
    [np.float64, np.float32, np.float32, np.float64],   # a float64 parameter first
    [np.float32, np.float64, np.float64, np.float32],
])
@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, momentum=0.9),
                                    dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
                                    dict(lr=0.1, momentum=0.5, dampening=0.25)])
def test_group_mixing_float32_and_float64_matches_torch(dtypes, kwargs):
    ours, theirs, _, _ = _run_both(_initial(dtypes), kwargs)
    _assert_match(ours, theirs)  # float64 at 1e-12: float32 hyper-parameters would show


def test_float64_model_trains_like_torch_end_to_end():
    """The issue's report: `SGD(model.double().parameters(), lr=.1, momentum=.9).step()` raised."""
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    model = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3)).double()
    tmodel = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3)).double()
    with torch.no_grad():
        for p, q in zip(model.parameters(), tmodel.parameters()):
            q.copy_(torch.from_numpy(_arr(p)))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(model(tg.tensor(x)), tg.tensor(y)).backward()
        opt.step()
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        topt.step()
    _assert_match(list(model.parameters()), list(tmodel.parameters()))


def test_lr_changed_every_step_by_a_scheduler_matches_torch():
    """Each step has a new lr (more distinct values than SGD keeps converted at once)."""
    def change(step, opt, topt):
        if step:
            sched.step()
            tsched.step()

    arrays = _initial([np.float32, np.float32, np.float64, np.float64])
    ours = [tg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = optim.SGD(ours, lr=0.1, momentum=0.9, dampening=0.1)
    topt = torch.optim.SGD(theirs, lr=0.1, momentum=0.9, dampening=0.1)
    sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.97)
    tsched = torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.97)
    for step in range(100):
        change(step, opt, topt)
        for p, q in zip(ours, theirs):
            g = _grad(q.detach().numpy(), step)
            p.grad, q.grad = tg.tensor(g), torch.from_numpy(g)
        opt.step()
        topt.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
    _assert_match(ours, theirs, tol=1e-4)  # float32 after 100 steps of momentum


def test_hyper_parameters_edited_between_steps_match_torch():
    def change(step, opt, topt):
        for group in (opt.param_groups[0], topt.param_groups[0]):
            group["lr"] = [0.1, 0.05, 0.1, 0.2][step % 4]     # back to values seen before
            group["momentum"] = 0.9 if step < 6 else 0.5
            group["dampening"] = 0.0 if step % 3 else 0.2

    ours, theirs, _, _ = _run_both(_initial([np.float64] * 4), dict(lr=0.1, momentum=0.9), change=change)
    _assert_match(ours, theirs)


def test_tensor_lr_changed_in_place_is_followed_as_torch():
    # 0.25: exact in float32 too, so this tests the optimizer, not tensor creation (issue 11 item 1)
    ours_lr, torch_lr = tg.tensor(0.25, dtype=tg.float64), torch.tensor(0.25, dtype=torch.float64)

    def change(step, opt, topt):
        if step == 4:
            ours_lr.fill_(0.5)
            torch_lr.fill_(0.5)

    arrays = _initial([np.float64] * 4)
    ours = [tg.tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = optim.SGD(ours, lr=ours_lr, momentum=0.9)
    topt = torch.optim.SGD(theirs, lr=torch_lr, momentum=0.9)
    for step in range(8):
        change(step, opt, topt)
        for p, q in zip(ours, theirs):
            g = _grad(q.detach().numpy(), step)
            p.grad, q.grad = tg.tensor(g), torch.from_numpy(g)
        opt.step()
        topt.step()
    _assert_match(ours, theirs)


@pytest.mark.parametrize("lr", [np.float64(0.05), np.float32(0.05), np.array(0.05)],
                         ids=["np.float64", "np.float32", "0-d ndarray"])
def test_numpy_hyper_parameters_keep_float32_and_match_torch(lr):
    """numpy scalars and 0-d arrays as lr/momentum: float32 stays float32 (no NEP 50 upcast)."""
    arrays = _initial([np.float32] * 4)
    ours, _, _, _ = _run_both(arrays, dict(lr=lr, momentum=np.float64(0.9)))
    _, theirs, _, _ = _run_both(arrays, dict(lr=0.05, momentum=0.9))
    _assert_match(ours, theirs)
