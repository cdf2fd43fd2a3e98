r"""Learning-rate schedules (torch equivalent: ``torch.optim.lr_scheduler``).

A scheduler rewrites ``group['lr']`` in its optimizer's ``param_groups`` each time ``step()`` is
called (once per epoch, *after* ``optimizer.step()``).  Like torch, most schedules are written
*recursively* -- the new lr is computed from the current ``group['lr']``, not from the epoch
number -- so that two schedulers on one optimizer compose (their factors multiply) and the
sequence matches torch's epoch by epoch.  With :math:`\eta_e` the lr after ``e`` steps and
:math:`\eta_0` the group's ``initial_lr``:

* ``StepLR``:        :math:`\eta_e = \gamma\,\eta_{e-1}` when :math:`e` is a multiple of ``step_size``
* ``MultiStepLR``:   :math:`\eta_e = \gamma^{k}\,\eta_{e-1}`, :math:`k` = times :math:`e` is listed in ``milestones``
* ``ExponentialLR``: :math:`\eta_e = \gamma\,\eta_{e-1}`
* ``LambdaLR``:      :math:`\eta_e = \eta_0\,\lambda(e)` (not recursive)
* ``CosineAnnealingLR``: the recursive form of
  :math:`\eta_e = \eta_{min} + \tfrac12(\eta_0-\eta_{min})(1+\cos(\pi e/T_{max}))`, i.e.
  :math:`\eta_e = \eta_{min} + (\eta_{e-1}-\eta_{min})\,\frac{1+\cos(\pi e/T_{max})}{1+\cos(\pi(e-1)/T_{max})}`
  (with torch's special case when the cosine restarts, where that ratio would divide by zero)
* ``ReduceLROnPlateau``: :math:`\eta \leftarrow \max(\text{factor}\cdot\eta, \text{min\_lr})` after
  more than ``patience`` epochs without improvement of the metric passed to ``step(metric)``.

The base class is in ``_scheduler_base.py``; LinearLR, ConstantLR, PolynomialLR,
CosineAnnealingWarmRestarts, OneCycleLR and CyclicLR are in ``_schedulers_extra.py``, SequentialLR
and ChainedScheduler in ``_schedulers_composite.py``; all are re-exported here.
"""

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

from ._scheduler_base import _EPOCH_DEPRECATION, LRScheduler, _check_optimizer, _LRScheduler  # noqa: F401

class LambdaLR(LRScheduler):
    """``lr = initial_lr * lr_lambda(epoch)``; ``lr_lambda`` is one function or a list, one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, "
                                 f"but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        """As torch: plain functions/lambdas cannot be saved, so only callable objects' ``__dict__`` is kept."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        for fn, fn_state in zip(self.lr_lambdas, saved):
            if fn_state is not None:
                fn.__dict__.update(fn_state)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each epoch listed in ``milestones`` (twice if listed twice)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)  # a checkpoint may hand back a plain dict

    def _get_closed_form_lr(self):
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:  # the constructor's step must not decay (also when resuming)
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine decay from ``initial_lr`` to ``eta_min`` over ``T_max`` epochs (then back up: SGDR without restarts)."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        e, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and e > 0:  # resumed: jump straight to the closed form
            return self._get_closed_form_lr()
        if (e - 1 - T) % (2 * T) == 0:
            # the previous lr was eta_min, where the ratio below would be 0/0: climb by the
            # closed form's first increment instead
            rise = (1 - math.cos(math.pi / T)) / 2
            return [lr + (base - low) * rise for lr, base in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return [ratio * (lr - low) + low for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        cos = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * cos / 2 for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Cut the lr by ``factor`` when the metric given to ``step(metric)`` stops improving.

    'Improving' means, for ``mode='min'``, ``metric < best * (1 - threshold)`` (``'rel'``) or
    ``metric < best - threshold`` (``'abs'``); mirrored for ``'max'``.  After more than
    ``patience`` bad epochs in a row each group's lr becomes ``max(lr * factor, min_lr)`` (changes
    smaller than ``eps`` are skipped), then ``cooldown`` epochs are ignored.
    """

    _steps_on_a_metric = True

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        self.factor = factor
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"expected {n_groups} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n_groups
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._set_mode(mode, threshold, threshold_mode)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _set_mode(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    def step(self, metrics, epoch=None):
        current = float(metrics)  # accepts a 0-dim Tensor
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the `optimizer` ({len(groups)}) "
                                   "differs from when `ReduceLROnPlateau` was initialized "
                                   f"({len(self.min_lrs)}), usually due to a new param group being "
                                   "added to the optimizer. Please modify the `min_lrs` field to "
                                   "match the length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_mode(self.mode, self.threshold, self.threshold_mode)


from ._schedulers_composite import ChainedScheduler, SequentialLR  # noqa: E402,F401
from ._schedulers_extra import (ConstantLR, CosineAnnealingWarmRestarts, CyclicLR, LinearLR,  # noqa: E402,F401
                                OneCycleLR, PolynomialLR)
