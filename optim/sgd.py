r"""Stochastic gradient descent, with optional momentum (torch equivalent: ``torch.optim.SGD``).

Update rule for one parameter :math:`\theta` with learning rate :math:`\gamma`, momentum
:math:`\mu`, dampening :math:`\tau` and weight decay :math:`\lambda` (torch's algorithm box):

.. math::

    g_t &\leftarrow \pm\nabla_\theta f(\theta_{t-1}) + \lambda\,\theta_{t-1}
          \qquad (- \text{ if maximize})                                          \\
    b_t &\leftarrow \begin{cases} g_t & t = 1 \\
                                  \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1 \end{cases}
          \qquad (\text{only if } \mu \ne 0)                                       \\
    g_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\
                                  b_t & \text{otherwise} \end{cases}               \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma\, g_t

The momentum buffer :math:`b` starts as a copy of the first gradient (not as zeros), which is why
dampening does not shrink the first step.
"""

import numpy as np

from .optimizer import Optimizer, check_non_negative


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)``."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False):
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group):
        lr, momentum = float(group["lr"]), float(group["momentum"])
        g = self._effective_grad(param, grad, float(group["weight_decay"]), group["maximize"])
        tmp = self._scratch("tmp", param)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = self._new_buffer(param)
                np.copyto(buf.data, g)                    # b_1 = g_1
            else:
                b = buf.data
                b *= momentum                             # b_t = mu b_{t-1} + (1 - tau) g_t
                keep = 1.0 - float(group["dampening"])
                if keep == 1.0:
                    b += g
                else:
                    b += np.multiply(g, keep, out=tmp)
            if group["nesterov"]:
                g = np.add(g, np.multiply(buf.data, momentum, out=tmp), out=tmp)  # g_t + mu b_t
            else:
                g = buf.data
        param -= np.multiply(g, lr, out=tmp)            # theta_t = theta_{t-1} - gamma g_t
