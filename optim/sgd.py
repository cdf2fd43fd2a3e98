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

    def _step_group(self, group):
        # hyper-parameters are read once per group, not once per parameter
        lr, momentum = float(group["lr"]), float(group["momentum"])
        weight_decay, maximize = float(group["weight_decay"]), group["maximize"]
        keep, nesterov = 1.0 - float(group["dampening"]), group["nesterov"]
        state, dtype = self.state, None
        for p in group["params"]:
            if p.grad is None:  # not used by this loss (or frozen): torch leaves it alone
                continue
            param, g = p._data, p.grad._data
            if weight_decay or maximize:
                g = self._effective_grad(param, g, weight_decay, maximize)
            # The hyper-parameters as 0-d arrays of the parameters' dtype, made once per group:
            # `array * lr` gives the same result with a Python float (NEP 50 casts it to the array's
            # dtype), but numpy then works that cast out again on every call, which costs about as
            # much as the arithmetic on a small array.
            if g.dtype != param.dtype:  # a hook changed the gradient's dtype: let numpy promote floats
                lr_, momentum_, keep_, dtype = lr, momentum, keep, None
            elif g.dtype != dtype:
                dtype = g.dtype
                lr_, momentum_, keep_ = [np.array(v, dtype) for v in (lr, momentum, keep)]
            tmp = self._scratch("tmp", param)
            if momentum != 0:
                param_state = state[p]
                buf = param_state.get("momentum_buffer")
                if buf is None:
                    buf = param_state["momentum_buffer"] = self._new_buffer(param)
                    np.copyto(buf._data, g)                    # b_1 = g_1
                else:
                    b = buf._data
                    b *= momentum_                            # b_t = mu b_{t-1} + (1 - tau) g_t
                    b += g if keep == 1.0 else np.multiply(g, keep_, out=tmp)
                if nesterov:
                    g = np.add(g, np.multiply(buf._data, momentum_, out=tmp), out=tmp)  # g_t + mu b_t
                else:
                    g = buf._data
            param -= np.multiply(g, lr_, out=tmp)           # theta_t = theta_{t-1} - gamma g_t
