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

import numbers

import numpy as np

from .optimizer import Optimizer, check_kernel_options, check_non_negative


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
    foreach=None, differentiable=False, fused=None)`` (the last three: see ``check_kernel_options``)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)
        check_kernel_options("SGD", foreach, differentiable, fused)
        self._workspaces = {}  # see _workspace
        self._new_buffers = set()  # see step

    def step(self, closure=None):
        # torch reads every momentum buffer before it updates any, so a parameter listed twice (torch
        # warns) starts a fresh buffer at each of its entries in its first step: remember which
        # buffers this step created
        self._new_buffers = set()
        return super().step(closure)

    def _update(self, param, grad, state, group):
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        g = grad
        if weight_decay or maximize:                      # g_t = (-)grad + lambda theta_{t-1}
            g = self._effective_grad(param, grad, float(weight_decay), maximize)
        tmp, lr_, momentum_, keep_ = self._workspace(param, lr, momentum, dampening)
        if g.dtype is not param.dtype:  # a hook changed the gradient's dtype: numpy promotes floats
            lr_, momentum_, keep_ = float(lr), float(momentum), 1.0 - float(dampening)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None or id(param) in self._new_buffers:  # b_1 = g_1 (a copy)
                buf = state["momentum_buffer"] = self._new_buffer(param)
                self._new_buffers.add(id(param))
                np.copyto(buf._data, g)
            else:                                         # b_t = mu b_{t-1} + (1 - tau) g_t
                b = buf._data
                b *= momentum_
                b += g if dampening == 0 else np.multiply(g, keep_, out=tmp)
            if group["nesterov"]:                         # g_t = g_t + mu b_t
                g = np.add(g, np.multiply(buf._data, momentum_, out=tmp), out=tmp)
            else:                                         # g_t = b_t
                g = buf._data
        param -= np.multiply(g, lr_, out=tmp)             # theta_t = theta_{t-1} - gamma g_t

    def _workspace(self, param, lr, momentum, dampening):
        """``(tmp, lr, momentum, 1 - dampening)``: a scratch array like ``param`` and the three
        hyper-parameters as 0-d arrays of its dtype, looked up once per parameter and step.

        ``array * lr`` gives the same result with a Python float (NEP 50 casts it to the array's
        dtype), but numpy then works that cast out again on every call, which costs about as much
        as the arithmetic on a small array.  Entries are keyed by the values themselves, so a
        scheduler's new lr makes a new entry (the cache is emptied when it grows); a value that
        can change in place (a Tensor lr) or cannot be hashed is converted afresh every step.
        """
        key = (lr, momentum, dampening, param.shape, param.dtype)
        try:
            return self._workspaces[key]
        except (KeyError, TypeError):  # TypeError: an unhashable value, e.g. a numpy array
            pass
        dtype = param.dtype
        work = (self._scratch("tmp", param), np.array(float(lr), dtype),
                np.array(float(momentum), dtype), np.array(1.0 - float(dampening), dtype))
        if all(isinstance(v, numbers.Real) for v in (lr, momentum, dampening)):
            if len(self._workspaces) >= 64:
                self._workspaces.clear()
            self._workspaces[key] = work
        return work
