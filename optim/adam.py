r"""Adam and AdamW (torch equivalents: ``torch.optim.Adam``, ``torch.optim.AdamW``).

Update rule (torch's algorithm box), learning rate :math:`\gamma`, betas :math:`\beta_1, \beta_2`,
weight decay :math:`\lambda`; :math:`m_0 = v_0 = \hat v_0^{max} = 0`:

.. math::

    \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
          \qquad (\text{AdamW: decoupled weight decay})                          \\
    g_t &\leftarrow \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
          \qquad (\text{Adam: } L_2 \text{ in the gradient}; - \text{ if maximize}) \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1-\beta_1)\, g_t                           \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2                         \\
    v^{max}_t &\leftarrow \max(v^{max}_{t-1}, v_t),\quad v_t \leftarrow v^{max}_t
          \qquad (\text{amsgrad only})                                           \\
    \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\;
          \frac{m_t}{\sqrt{v_t}\,/\sqrt{1-\beta_2^t} + \epsilon}

Note where :math:`\epsilon` goes: it is added *after* dividing :math:`\sqrt{v_t}` by
:math:`\sqrt{1-\beta_2^t}` (torch's order); adding it before gives visibly different early steps.
"""

import math

import numpy as np

from .optimizer import Optimizer, check_kernel_options, check_non_negative


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, foreach=None,
    maximize=False, capturable=False, differentiable=False, fused=None, decoupled_weight_decay=False)``.

    ``foreach``, ``capturable``, ``differentiable`` and ``fused``: see ``check_kernel_options``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False, differentiable=False,
                 fused=None, decoupled_weight_decay=False):
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        check_non_negative("weight_decay value", weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        check_kernel_options(type(self).__name__, foreach, differentiable, fused)

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._new_buffer(param)
            state["exp_avg_sq"] = self._new_buffer(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self._new_buffer(param)
        state["step"] += 1
        t = state["step"]
        lr, weight_decay = float(group["lr"]), float(group["weight_decay"])
        beta1, beta2 = (float(b) for b in group["betas"])
        if weight_decay != 0 and group["decoupled_weight_decay"]:
            param *= 1.0 - lr * weight_decay              # AdamW: shrink theta, not the gradient
            weight_decay = 0.0
        g = self._effective_grad(param, grad, weight_decay, group["maximize"])
        tmp = self._scratch("tmp", param)
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        np.subtract(g, m, out=tmp)                        # m_t = m + (1 - beta1)(g - m)
        tmp *= 1.0 - beta1
        m += tmp
        v *= beta2                                        # v_t = beta2 v + (1 - beta2) g^2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v += tmp
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"]._data, v, out=state["max_exp_avg_sq"]._data)
        step_size = lr / (1.0 - beta1 ** t)
        denom = np.sqrt(v, out=tmp)
        denom /= math.sqrt(1.0 - beta2 ** t)
        denom += float(group["eps"])                      # eps after the bias correction
        update = np.divide(m, denom, out=tmp)
        update *= step_size
        param -= update


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False,
    foreach=None, capturable=False, differentiable=False, fused=None)``.

    Adam with decoupled weight decay (Loshchilov & Hutter): the first line of the rule in this
    module's docstring, :math:`\\theta \\leftarrow (1-\\gamma\\lambda)\\theta`, instead of adding
    :math:`\\lambda\\theta` to the gradient (where Adam's normalisation would cancel most of it).
    Groups with their own ``weight_decay`` (nanoGPT's decay / no-decay split) are the usual use.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False, differentiable=False,
                 fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # an Adam checkpoint loaded here must still decay AdamW's way
            group["decoupled_weight_decay"] = True
