"""Learning-rate schedulers: the same lr sequence as torch.optim.lr_scheduler, epoch by epoch.

Every test drives an SGD optimizer with two param groups (lr 0.1 and 0.05) through ``EPOCHS``
epochs of ``optimizer.step(); scheduler.step()`` in both frameworks and compares the lrs the
schedulers report and write into the groups.
"""

import math
import warnings

import numpy as np
import pytest
from helpers import through_save

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim import lr_scheduler

EPOCHS = 30
# a loss that improves, then plateaus with small wiggles, then improves again
METRICS = [1.0 / (1 + e) if e < 8 else 0.11 + 0.001 * (e % 3) if e < 20 else 0.1 - 0.01 * (e - 20)
           for e in range(EPOCHS)]


@pytest.fixture(scope="module")
def torch():
    import torch as real_torch  # the oracle: a required test dependency
    return real_torch


def _ours_optimizer():
    a, b = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0], requires_grad=True)
    return optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


def _torch_optimizer(torch):
    a, b = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)
    return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


def _sequence(opt, schedulers, epochs=EPOCHS, metrics=None):
    """lrs after construction and after each epoch: the schedulers' report and the groups' lr."""
    reported, in_groups = [schedulers[0].get_last_lr()], [[g["lr"] for g in opt.param_groups]]
    for epoch in range(epochs):
        opt.step()
        for s in schedulers:
            s.step(metrics[epoch]) if metrics is not None else s.step()
        reported.append(list(schedulers[-1].get_last_lr()))
        in_groups.append([g["lr"] for g in opt.param_groups])
    return np.array(reported), np.array(in_groups)


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


CASES = [
    ("StepLR", dict(step_size=4)),
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 10, 10, 25], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95 ** e)),
    ("LambdaLR", dict(lr_lambda=[lambda e: 1.0 / (1 + e), lambda e: 0.5 * (e % 4 + 1)])),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_lr_sequence_matches_torch(torch, name, kwargs):
    opt, topt = _ours_optimizer(), _torch_optimizer(torch)
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    assert sched.base_lrs == tsched.base_lrs == [0.1, 0.05]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    _assert_same(_sequence(opt, [sched]), _sequence(topt, [tsched]))
    assert sched.last_epoch == tsched.last_epoch == EPOCHS


PLATEAU = [
    dict(patience=2),
    dict(patience=1, cooldown=2, factor=0.5, min_lr=[0.01, 0.02]),
    dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.004),
    dict(mode="max", patience=2, factor=0.3),
    dict(mode="max", threshold_mode="abs", threshold=0.001, patience=1, cooldown=1),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_lr_on_plateau_matches_torch(torch, kwargs):
    metrics = [1.0 - m for m in METRICS] if kwargs.get("mode") == "max" else METRICS
    opt, topt = _ours_optimizer(), _torch_optimizer(torch)
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    ours, theirs = _sequence(opt, [sched], metrics=metrics), _sequence(topt, [tsched], metrics=metrics)
    _assert_same(ours, theirs)
    assert ours[1][-1, 0] < 0.1  # the case did reduce the lr, so the comparison means something
    assert sched.best == tsched.best and sched.num_bad_epochs == tsched.num_bad_epochs


def test_plateau_accepts_tensor_metric():
    opt = _ours_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(tg.tensor(1.0))
    sched.step(tg.tensor(2.0))
    assert sched.get_last_lr() == [0.1 * 0.1, 0.05 * 0.1]


def test_chained_schedulers_compose_like_torch(torch):
    """Recursive forms let two schedulers on one optimizer multiply their factors."""
    opt, topt = _ours_optimizer(), _torch_optimizer(torch)
    ours = [lr_scheduler.ExponentialLR(opt, gamma=0.95), lr_scheduler.StepLR(opt, step_size=5)]
    theirs = [torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.95),
              torch.optim.lr_scheduler.StepLR(topt, step_size=5)]
    _assert_same(_sequence(opt, ours), _sequence(topt, theirs))


def test_cosine_matches_closed_form_within_first_period():
    """Independent check of the recursion: for epochs <= T_max it equals the closed formula."""
    opt = _ours_optimizer()
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=12, eta_min=0.001)
    for epoch in range(1, 13):
        opt.step()
        sched.step()
        expected = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * epoch / 12)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, rel=1e-10)


def _same_dict(state_dict):
    return state_dict


@pytest.mark.parametrize("transport", [_same_dict, through_save], ids=["in-memory", "save-load"])
@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 20])),
    ("ExponentialLR", dict(gamma=0.9)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("CosineAnnealingLR", dict(T_max=8, eta_min=0.001)),
    ("ReduceLROnPlateau", dict(patience=1, cooldown=1)),
])
def test_state_dict_resume_matches_uninterrupted_torch(torch, transport, name, kwargs):
    topt = _torch_optimizer(torch)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    metrics = METRICS if name == "ReduceLROnPlateau" else None
    expected = _sequence(topt, [tsched], metrics=metrics)

    opt = _ours_optimizer()
    sched = getattr(lr_scheduler, name)(opt, **kwargs)
    first = _sequence(opt, [sched], epochs=10, metrics=metrics)
    opt_state, sched_state = transport(opt.state_dict()), transport(sched.state_dict())
    assert "optimizer" not in sched_state and sched_state["last_epoch"] == 10

    opt2 = _ours_optimizer()
    opt2.load_state_dict(opt_state)  # restores lr and initial_lr in the groups
    sched2 = getattr(lr_scheduler, name)(opt2, **kwargs)
    sched2.load_state_dict(sched_state)
    if hasattr(sched2, "_get_closed_form_lr"):  # attributes came back usable (MultiStepLR's Counter)
        sched2._get_closed_form_lr()
    rest = _sequence(opt2, [sched2], epochs=EPOCHS - 10, metrics=metrics and metrics[10:])
    _assert_same([np.concatenate([first[i], rest[i][1:]]) for i in range(2)], expected)


def test_resuming_with_last_epoch(torch):
    """last_epoch >= 0 needs initial_lr in the groups (KeyError otherwise) and resumes like torch."""
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(_ours_optimizer(), step_size=3, last_epoch=4)
    with pytest.raises(KeyError, match="initial_lr"):
        torch.optim.lr_scheduler.StepLR(_torch_optimizer(torch), step_size=3, last_epoch=4)
    opt, topt = _ours_optimizer(), _torch_optimizer(torch)
    for o in (opt, topt):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"] * 2
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10, last_epoch=4)
    _assert_same(_sequence(opt, [sched]), _sequence(topt, [tsched]))


def test_step_with_epoch_uses_closed_form_and_warns(torch):
    opt, topt = _ours_optimizer(), _torch_optimizer(torch)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[2, 6], gamma=0.5)
    tsched = torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[2, 6], gamma=0.5)
    opt.step(), topt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tsched.step(7)
    assert sched.get_last_lr() == tsched.get_last_lr()


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _ours_optimizer()
    sched = lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = _ours_optimizer()
    sched2 = lr_scheduler.StepLR(opt2, step_size=2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_invalid_arguments():
    opt = _ours_optimizer()
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown!"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(opt, lr_lambda=[lambda e: 1.0])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(object(), step_size=1)


def test_legacy_alias():
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
    assert optim.lr_scheduler is lr_scheduler
