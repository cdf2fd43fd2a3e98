"""The learning-rate scheduler base class (torch: ``torch.optim.lr_scheduler.LRScheduler``).

Every scheduler's constructor takes a first ``step()`` (epoch 0); each later ``step()`` moves one
epoch on and writes the new ``group['lr']`` values, warning as torch does when it runs before the
optimizer's first step. The schedules themselves are in ``lr_scheduler.py`` and
``_schedulers_extra.py``.
"""

import warnings
import weakref
from functools import wraps

from .optimizer import Optimizer

_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` was not necessary and is being "
                      "deprecated where possible. Please use `scheduler.step()` to step the "
                      "scheduler. During the deprecation, if epoch is different from None, the "
                      "closed form is used instead of the new chainable form, where available.")


def _watch_optimizer_step(optimizer):
    """Make ``optimizer.step`` record that it ran, so a scheduler stepped first can warn (as torch does).

    The wrapper holds the optimizer weakly so that it creates no reference cycle.
    """
    if getattr(optimizer.step, "_watched_by_scheduler", False):
        return
    func, opt_ref = optimizer.step.__func__, weakref.ref(optimizer)

    @wraps(func)
    def step(*args, **kwargs):
        opt = opt_ref()
        opt._opt_called = True
        return func(opt, *args, **kwargs)

    step._watched_by_scheduler = True
    optimizer.step = step


_HOW_TO = " See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"


def _warn_about_the_call_order(optimizer):
    """torch's warnings at a scheduler's first step: optimizer.step was replaced after the scheduler
    wrapped it (so the order cannot be told), or it has not run yet."""
    if not getattr(optimizer.step, "_watched_by_scheduler", False):
        warnings.warn("Seems like `optimizer.step()` has been overridden after learning rate scheduler "
                      "initialization. Please, make sure to call `optimizer.step()` before "
                      "`lr_scheduler.step()`." + _HOW_TO, UserWarning, stacklevel=3)
    elif not getattr(optimizer, "_opt_called", False):
        warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                      "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
                      "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
                      "will result in PyTorch skipping the first value of the learning rate "
                      "schedule." + _HOW_TO, UserWarning, stacklevel=3)


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class: subclasses give ``get_lr()`` (the recursive rule) and optionally ``_get_closed_form_lr()``."""

    _steps_on_a_metric = False  # ReduceLROnPlateau: step(metric), so it cannot be sequenced or chained

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming scheduler with last_epoch >= 0.")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _watch_optimizer_step(optimizer)
        # the constructor takes the first step: it sets epoch 0 (or last_epoch + 1) and its lr
        self._initial_step()

    def state_dict(self):
        """Everything but the optimizer (torch's format: the scheduler's ``__dict__``)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The lrs the last ``step()`` set, one per param group."""
        return self._last_lr

    def get_lr(self):
        raise NotImplementedError

    def step(self, epoch=None):
        if self._step_count == 1:
            _warn_about_the_call_order(self.optimizer)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        """Move to the next epoch (or to ``epoch``, by the closed form where there is one) and set the lrs."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def _initial_step(self):
        """The constructor's step (again, when SequentialLR hands over): epoch 0, nothing decayed."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]


class _LRScheduler(LRScheduler):
    """Old name of ``LRScheduler``, kept (as in torch) for code that subclasses it."""
