r"""Adagrad: per-coordinate step sizes from accumulated squared gradients (torch: ``torch.optim.Adagrad``).

Update rule (torch's algorithm box), learning rate :math:`\gamma`, decay :math:`\eta`, weight
decay :math:`\lambda`, accumulator start value :math:`s_0` (``initial_accumulator_value``):

.. math::

    g_t &\leftarrow \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
          \qquad (- \text{ if maximize})                                   \\
    \tilde\gamma_t &\leftarrow \frac{\gamma}{1 + (t-1)\,\eta}                \\
    s_t &\leftarrow s_{t-1} + g_t^2                                         \\
    \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma_t\,\frac{g_t}{\sqrt{s_t} + \epsilon}

Coordinates that have seen large gradients take small steps.  As in torch, the accumulator is
created for every parameter when the optimizer is built (so ``state_dict`` lists it at once).
"""

import numpy as np

from .optimizer import Optimizer, check_kernel_options, check_non_negative


class Adagrad(Optimizer):
    """``Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, foreach=None,
    *, maximize=False, differentiable=False, fused=None)`` (foreach, differentiable, fused: see
    ``check_kernel_options``)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        check_kernel_options("Adagrad", foreach, differentiable, fused)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p._data, group)

    def _init_state(self, state, param, group):
        state["step"] = 0
        state["sum"] = self._new_buffer(param, float(group["initial_accumulator_value"]))

    def _update(self, param, grad, state, group):
        if not state:  # a parameter added later with add_param_group
            self._init_state(state, param, group)
        state["step"] += 1
        g = self._effective_grad(param, grad, float(group["weight_decay"]), group["maximize"])
        clr = float(group["lr"]) / (1.0 + (state["step"] - 1) * float(group["lr_decay"]))
        s = state["sum"]._data
        tmp = self._scratch("tmp", param)
        s += np.multiply(g, g, out=tmp)                   # s_t = s_{t-1} + g_t^2
        std = np.sqrt(s, out=tmp)
        std += float(group["eps"])                        # sqrt(s_t) + eps
        update = np.divide(g, std, out=tmp)
        update *= clr
        param -= update                                   # theta_t = theta_{t-1} - clr g_t / (...)
