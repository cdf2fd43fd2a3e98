r"""Adadelta: step sizes from running averages of squared gradients and squared updates, so the lr
needs little tuning (torch equivalent: ``torch.optim.Adadelta``; Zeiler 2012).

Update rule (torch's algorithm box), learning rate :math:`\gamma`, decay :math:`\rho`, weight
decay :math:`\lambda`; :math:`v_0 = u_0 = 0`:

.. math::

    g_t &\leftarrow \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
          \qquad (- \text{ if maximize})                                          \\
    v_t &\leftarrow \rho\, v_{t-1} + (1-\rho)\, g_t^2                              \\
    \Delta x_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\; g_t \\
    u_t &\leftarrow \rho\, u_{t-1} + (1-\rho)\, \Delta x_t^2                       \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma\, \Delta x_t

:math:`v` is ``square_avg`` and :math:`u` is ``acc_delta`` in the state, as in torch. The ratio of
the two RMS values gives the update the units of the parameter: with ``lr=1.0`` (the default) the
first steps are about :math:`\sqrt{\epsilon}` long and grow as :math:`u` accumulates.
"""

import numpy as np

from .optimizer import Optimizer, check_kernel_options, check_non_negative


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
    maximize=False, differentiable=False)`` (foreach, capturable, differentiable: see
    ``check_kernel_options``)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        check_non_negative("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)
        check_kernel_options("Adadelta", foreach, differentiable)

    def _update(self, param, grad, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = self._new_buffer(param)
            state["acc_delta"] = self._new_buffer(param)
        state["step"] += 1
        rho, eps = float(group["rho"]), float(group["eps"])
        g = self._effective_grad(param, grad, float(group["weight_decay"]), group["maximize"])
        v, u = state["square_avg"]._data, state["acc_delta"]._data
        tmp, delta = self._scratch("tmp", param), self._scratch("delta", param)
        v *= rho                                          # v_t = rho v + ((1 - rho) g) g
        np.multiply(g, 1.0 - rho, out=tmp)
        tmp *= g
        v += tmp
        std = np.add(v, eps, out=tmp)                     # sqrt(v_t + eps)
        np.sqrt(std, out=std)
        np.add(u, eps, out=delta)                         # dx_t = sqrt(u + eps) / std * g
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        u *= rho                                          # u_t = rho u + ((1 - rho) dx) dx
        np.multiply(delta, 1.0 - rho, out=tmp)
        tmp *= delta
        u += tmp
        delta *= float(group["lr"])
        param -= delta                                    # theta_t = theta_{t-1} - lr dx_t
