"""LinearLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, OneCycleLR, CyclicLR, SequentialLR
and ChainedScheduler against real torch 2.13 (issue 14): the lrs (and cycled momenta) step by step,
state_dict round trips that resume as an uninterrupted torch run, and torch's warnings and errors.

Each case is a function of (lr_scheduler module, optimizer), so the same construction runs in both
libraries; the optimizers have two param groups (lr 0.1 and 0.05).
"""
import io
import warnings

import pytest
import torch

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.optim import lr_scheduler as ours_lr

STEPS = 60


def _optimizer(lib, kind="SGD"):
    a, b = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0], requires_grad=True)
    optim_module = optim if lib is tg else torch.optim
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if kind == "SGD":
        return optim_module.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(optim_module, kind)(groups, lr=0.1)


CASES = {
    "LinearLR": lambda L, o: L.LinearLR(o),
    "LinearLR down": lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=17),
    "LinearLR to 0": lambda L, o: L.LinearLR(o, start_factor=0.5, end_factor=0.0, total_iters=10),
    "ConstantLR": lambda L, o: L.ConstantLR(o),
    "ConstantLR 0.5 x 12": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=12),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0),
    "PolynomialLR default": lambda L, o: L.PolynomialLR(o),
    "WarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7),
    "WarmRestarts mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=STEPS),
    "OneCycleLR linear 3-phase": lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], epochs=6, steps_per_epoch=10,
                                                          anneal_strategy="linear", three_phase=True),
    "OneCycleLR no momentum": lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=70, pct_start=0.25,
                                                       cycle_momentum=False, div_factor=10.0),
    "CyclicLR": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "CyclicLR triangular2": lambda L, o: L.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=5,
                                                   step_size_down=3, mode="triangular2"),
    "CyclicLR exp_range": lambda L, o: L.CyclicLR(o, 0.001, 0.1, step_size_up=4, mode="exp_range", gamma=0.97,
                                                 base_momentum=0.7, max_momentum=0.95),
    "CyclicLR scale_fn": lambda L, o: L.CyclicLR(o, 0.001, 0.1, step_size_up=6, scale_fn=lambda x: 0.9 ** x,
                                                scale_mode="iterations", cycle_momentum=False),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=5),
                                                    L.CosineAnnealingLR(o, T_max=25)], milestones=[5]),
    "SequentialLR x3": lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=4),
                                                       L.ExponentialLR(o, gamma=0.9), L.StepLR(o, 5)],
                                                   milestones=[6, 20]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.3, total_iters=4),
                                                         L.ExponentialLR(o, gamma=0.95)]),
    "ChainedScheduler linear+step": lambda L, o: L.ChainedScheduler([L.LinearLR(o, total_iters=8),
                                                                     L.MultiStepLR(o, [10, 30])], optimizer=o),
}
ADAM_CASES = {"OneCycleLR": CASES["OneCycleLR"], "CyclicLR": CASES["CyclicLR"]}


def _trace(opt, scheduler, steps):
    """After construction and each step: the reported lrs, the groups' lrs and momenta (or beta1)."""
    def now():
        groups = opt.param_groups
        return (list(scheduler.get_last_lr()), [g["lr"] for g in groups],
                [g.get("momentum", g.get("betas", (None,))[0]) for g in groups])
    rows = [now()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        rows.append(now())
    return rows


def _run(lib, make, steps=STEPS, kind="SGD"):
    opt = _optimizer(lib, kind)
    module = ours_lr if lib is tg else torch.optim.lr_scheduler
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither side may warn on the documented call order
        scheduler = make(module, opt)
        return _trace(opt, scheduler, steps), opt, scheduler


@pytest.mark.parametrize("name", list(CASES))
def test_lrs_match_torch_step_by_step(name):
    ours, theirs = _run(tg, CASES[name])[0], _run(torch, CASES[name])[0]
    assert ours == theirs  # the same float operations in the same order: equal to the last bit


@pytest.mark.parametrize("name", list(ADAM_CASES))
def test_beta1_cycles_as_torchs(name):
    ours, opt, _ = _run(tg, ADAM_CASES[name], kind="Adam")
    theirs, topt, _ = _run(torch, ADAM_CASES[name], kind="Adam")
    assert ours == theirs
    assert [g["betas"] for g in opt.param_groups] == [g["betas"] for g in topt.param_groups]


@pytest.mark.parametrize("name", ["WarmRestarts", "WarmRestarts mult"])
def test_warm_restarts_with_fractional_epochs(name):
    def run(lib):
        opt = _optimizer(lib)
        module = ours_lr if lib is tg else torch.optim.lr_scheduler
        scheduler = CASES[name](module, opt)
        lrs = []
        for epoch in range(12):
            for i in range(4):
                opt.step()
                scheduler.step(epoch + i / 4)
                lrs.append(scheduler.get_last_lr() + [scheduler.last_epoch, scheduler.T_i])
        return lrs
    assert run(tg) == run(torch)


def _through_save(state):
    buffer = io.BytesIO()
    tg.save(state, buffer)
    buffer.seek(0)
    return tg.load(buffer)


RESUMABLE = ["LinearLR down", "ConstantLR 0.5 x 12", "PolynomialLR", "WarmRestarts mult", "OneCycleLR",
             "OneCycleLR linear 3-phase", "CyclicLR triangular2", "SequentialLR", "ChainedScheduler"]


def _resumed(lib, name, transport=lambda state: state):
    """20 steps, then the usual resume: a new optimizer and scheduler load the two state_dicts."""
    first, opt, scheduler = _run(lib, CASES[name], steps=20)
    opt_state, sched_state = transport(opt.state_dict()), transport(scheduler.state_dict())
    assert "optimizer" not in sched_state
    opt2 = _optimizer(lib)
    opt2.load_state_dict(opt_state)
    scheduler2 = CASES[name](ours_lr if lib is tg else torch.optim.lr_scheduler, opt2)
    scheduler2.load_state_dict(sched_state)
    return first + _trace(opt2, scheduler2, STEPS - 20)[1:]


# constructing these again scales the loaded lr once more (ConstantLR's and LinearLR's first factor),
# in torch as here: the resumed run is compared with torch's resumed run only
SCALE_AT_CONSTRUCTION = {"ConstantLR 0.5 x 12", "SequentialLR", "ChainedScheduler"}


@pytest.mark.parametrize("transport", [lambda state: state, _through_save], ids=["in-memory", "save-load"])
@pytest.mark.parametrize("name", RESUMABLE)
def test_state_dict_resumes_as_torchs(name, transport):
    ours = _resumed(tg, name, transport)
    assert ours == _resumed(torch, name)
    if name not in SCALE_AT_CONSTRUCTION:
        assert ours == _run(torch, CASES[name])[0]  # as if never interrupted


def test_a_sequential_state_dict_holds_its_members_and_survives_save():
    _, opt, scheduler = _run(tg, CASES["SequentialLR"], steps=8)
    _, topt, tscheduler = _run(torch, CASES["SequentialLR"], steps=8)
    state, tstate = scheduler.state_dict(), tscheduler.state_dict()
    assert len(state["_schedulers"]) == 2 and state["_milestones"] == tstate["_milestones"] == [5]
    assert state["last_epoch"] == tstate["last_epoch"] and state["_last_lr"] == tstate["_last_lr"]
    assert [s["last_epoch"] for s in state["_schedulers"]] == [s["last_epoch"] for s in tstate["_schedulers"]]
    reloaded = _through_save(state)
    assert reloaded["_schedulers"][1]["T_max"] == 25


def test_one_cycle_past_total_steps_raises_torchs_value_error():
    for lib in (tg, torch):
        opt = _optimizer(lib)
        module = ours_lr if lib is tg else torch.optim.lr_scheduler
        scheduler = module.OneCycleLR(opt, max_lr=0.5, total_steps=5)
        for _ in range(5):
            opt.step()
            scheduler.step()
        with pytest.raises(ValueError, match=r"^Tried to step 6 times\. The specified number of total steps is 5$"):
            scheduler.step()


def _error(lib, make):
    opt = _optimizer(lib)
    module = ours_lr if lib is tg else torch.optim.lr_scheduler
    try:
        make(module, opt)
    except Exception as e:  # the class and the message are compared
        return type(e).__name__, str(e).replace("torch.", "")
    return None


class _Plain:
    pass


BAD = {
    "LinearLR start 0": lambda L, o: L.LinearLR(o, start_factor=0),
    "LinearLR end 2": lambda L, o: L.LinearLR(o, end_factor=2.0),
    "ConstantLR factor 2": lambda L, o: L.ConstantLR(o, factor=2.0),
    "WarmRestarts T_0 0": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0),
    "WarmRestarts T_0 float": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2.5),
    "WarmRestarts T_mult 0": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=0),
    "WarmRestarts eta_min str": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, eta_min="0"),
    "WarmRestarts negative epoch": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3).step(-1),
    "OneCycleLR no steps": lambda L, o: L.OneCycleLR(o, max_lr=0.1),
    "OneCycleLR total 0": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=0),
    "OneCycleLR epochs -1": lambda L, o: L.OneCycleLR(o, max_lr=0.1, epochs=-1, steps_per_epoch=3),
    "OneCycleLR steps_per_epoch 0": lambda L, o: L.OneCycleLR(o, max_lr=0.1, epochs=2, steps_per_epoch=0),
    "OneCycleLR pct int": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1),
    "OneCycleLR pct 2": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=2.0),
    "OneCycleLR anneal": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"),
    "OneCycleLR max_lr list": lambda L, o: L.OneCycleLR(o, max_lr=[0.1], total_steps=10),
    "CyclicLR mode": lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="sine"),
    "CyclicLR momentum list": lambda L, o: L.CyclicLR(o, 0.01, 0.1, base_momentum=[0.8, 0.8, 0.8]),
    "SequentialLR empty": lambda L, o: L.SequentialLR(o, [], milestones=[]),
    "SequentialLR milestones": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.StepLR(o, 3)], milestones=[]),
    "SequentialLR plateau": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], [3]),
    "SequentialLR not a scheduler": lambda L, o: L.SequentialLR(o, [_Plain()], milestones=[]),
    "ChainedScheduler empty": lambda L, o: L.ChainedScheduler([]),
    "ChainedScheduler plateau": lambda L, o: L.ChainedScheduler([L.ReduceLROnPlateau(o)]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_arguments_raise_torchs_errors(name):
    theirs = _error(torch, BAD[name])
    assert theirs is not None
    assert _error(tg, BAD[name]) == theirs


def test_a_scheduler_of_another_optimizer_is_refused_with_torchs_message():
    for lib, module in ((tg, ours_lr), (torch, torch.optim.lr_scheduler)):
        a, b = _optimizer(lib), _optimizer(lib)
        with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer, but got "
                                             "scheduler StepLR at index 0 has SGD \\("):
            module.SequentialLR(a, [module.StepLR(b, 2)], milestones=[])


def test_cycle_momentum_needs_a_momentum():
    for lib, optim_module, module in ((tg, optim, ours_lr), (torch, torch.optim, torch.optim.lr_scheduler)):
        opt = optim_module.Adagrad([lib.tensor([1.0], requires_grad=True)])
        with pytest.raises(ValueError, match="^optimizer must support momentum or beta1 with `cycle_momentum` "
                                             "option enabled$"):
            module.OneCycleLR(opt, max_lr=0.1, total_steps=10)


@pytest.mark.parametrize("name", ["LinearLR", "OneCycleLR", "SequentialLR", "ChainedScheduler", "WarmRestarts"])
def test_stepping_before_the_optimizer_warns_as_torch(name):
    def warned(lib):
        opt = _optimizer(lib)
        scheduler = CASES[name](ours_lr if lib is tg else torch.optim.lr_scheduler, opt)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scheduler.step()
        return sorted((str(w.message), w.filename == __file__) for w in caught)  # points at the caller?
    assert warned(tg) == warned(torch)


@pytest.mark.parametrize("name", ["StepLR", "LinearLR"])
def test_an_optimizer_step_replaced_after_the_scheduler_warns_as_torch(name):
    def warned(lib):
        opt = _optimizer(lib)
        module = ours_lr if lib is tg else torch.optim.lr_scheduler
        scheduler = module.StepLR(opt, 3) if name == "StepLR" else CASES[name](module, opt)
        opt.step = lambda *a: None  # e.g. a user's wrapper
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            opt.step()
            scheduler.step()
        return [(str(w.message), w.filename == __file__) for w in caught]
    ours = warned(tg)
    assert ours == warned(torch) and len(ours) == 1 and "overridden" in ours[0][0]


def test_exported_from_lr_scheduler():
    for name in ("LinearLR", "ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
                 "CyclicLR", "SequentialLR", "ChainedScheduler"):
        assert issubclass(getattr(ours_lr, name), ours_lr.LRScheduler)
