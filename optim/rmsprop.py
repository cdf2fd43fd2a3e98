r"""RMSprop: divide the step by a running RMS of the gradient (torch: ``torch.optim.RMSprop``).

Update rule (torch's algorithm box), learning rate :math:`\gamma`, smoothing :math:`\alpha`,
momentum :math:`\mu`, weight decay :math:`\lambda`:

.. math::

    g_t &\leftarrow \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
          \qquad (- \text{ if maximize})                                        \\
    v_t &\leftarrow \alpha\, v_{t-1} + (1-\alpha)\, g_t^2                        \\
    \bar g_t &\leftarrow \bar g_{t-1} + (1-\alpha)(g_t - \bar g_{t-1})
          \qquad (\text{centered only: running mean of } g)                      \\
    d_t &\leftarrow \begin{cases} \sqrt{v_t - \bar g_t^2} + \epsilon & \text{centered} \\
                                  \sqrt{v_t} + \epsilon & \text{otherwise} \end{cases} \\
    b_t &\leftarrow \mu\, b_{t-1} + g_t / d_t,\quad
          \theta_t \leftarrow \theta_{t-1} - \gamma\, b_t
          \qquad (\text{if } \mu > 0)                                            \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma\, g_t / d_t
          \qquad (\text{if } \mu = 0)

:math:`v_0 = \bar g_0 = b_0 = 0`.  The centered variant divides by an estimate of the gradient's
standard deviation instead of its root mean square.
"""

import numpy as np

from .optimizer import Optimizer, check_kernel_options, check_non_negative


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, capturable=False,
    foreach=None, maximize=False, differentiable=False)`` (capturable, foreach, differentiable: see
    ``check_kernel_options``)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False, differentiable=False):
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)
        check_kernel_options("RMSprop", foreach, differentiable)

    def _update(self, param, grad, state, group):
        alpha, momentum = float(group["alpha"]), float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = self._new_buffer(param)
            if momentum > 0:
                state["momentum_buffer"] = self._new_buffer(param)
            if group["centered"]:
                state["grad_avg"] = self._new_buffer(param)
        state["step"] += 1
        g = self._effective_grad(param, grad, float(group["weight_decay"]), group["maximize"])
        tmp = self._scratch("tmp", param)
        v = state["square_avg"]._data
        v *= alpha                                        # v_t = alpha v + (1 - alpha) g^2
        np.multiply(g, 1.0 - alpha, out=tmp)             # ((1 - alpha) g) g: torch's rounding order
        tmp *= g
        v += tmp
        if group["centered"]:
            mean = state["grad_avg"]._data                 # gbar_t = lerp(gbar, g, 1 - alpha)
            np.subtract(g, mean, out=tmp)
            tmp *= 1.0 - alpha
            mean += tmp
            np.multiply(mean, mean, out=tmp)
            np.subtract(v, tmp, out=tmp)                  # v_t - gbar_t^2
            denom = np.sqrt(tmp, out=tmp)
        else:
            denom = np.sqrt(v, out=tmp)
        denom += float(group["eps"])
        lr = float(group["lr"])
        if momentum > 0:
            b = state["momentum_buffer"]._data
            b *= momentum                                 # b_t = mu b + g / d
            b += np.divide(g, denom, out=tmp)
            param -= np.multiply(b, lr, out=tmp)
        else:
            update = np.divide(g, denom, out=tmp)
            update *= lr
            param -= update
