"""The ``Optimizer`` base class (torch equivalent: ``torch.optim.Optimizer``).

An optimizer owns

* ``param_groups`` -- a list of dicts.  Each dict holds ``'params'`` (a list of leaf Tensors) and
  that group's hyper-parameters (``'lr'``, ``'momentum'``, ...).  Options a group does not give are
  filled in from ``defaults``, so ``SGD([{'params': a}, {'params': b, 'lr': 0.1}], lr=0.01)``
  trains ``a`` with lr 0.01 and ``b`` with lr 0.1.
* ``state`` -- a dict keyed by parameter holding that parameter's buffers (momentum, running
  averages, step counts).  Buffers are allocated once, on a parameter's first step, and are then
  updated in place.

A subclass only writes ``_update(param, grad, state, group)``: one parameter's update on numpy
arrays.  The base class does the rest: skipping parameters whose ``.grad`` is None, running the
update under ``no_grad`` (an optimizer step is not part of any model, so it must build no graph),
re-evaluating the closure under ``enable_grad``, and the ``state_dict`` format torch uses.
Every optimizer here (SGD, Adagrad, RMSprop, Adam, AdamW, Adadelta) is written that way, with its update
rule's maths in its module docstring.

The update rules write into ``param._data`` with numpy ``out=`` arguments and in-place operators,
so a step allocates nothing beyond a couple of scratch arrays that are reused from step to step
(``_scratch``).  Hyper-parameters are converted with ``float()`` before they touch an array:
under numpy 2 (NEP 50) an ``np.float64`` scalar would silently upcast a float32 array, a Python
float does not.
"""

import warnings
from collections import defaultdict
from copy import deepcopy

import numpy as np

import tinygrad_edu
from tinygrad_edu import Tensor
from tinygrad_edu.nn.modules.module import _typename


class _RequiredParameter:
    """Marks a hyper-parameter with no default: every group must give it (torch: ``optim.optimizer.required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def check_non_negative(name, value):
    """Raise torch's ValueError for a hyper-parameter that must be >= 0, e.g. 'Invalid learning rate: -0.1'."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name}: {value}")


def check_kernel_options(name, foreach=None, differentiable=False, fused=None):
    """torch's checks of the keywords that choose among its kernels (``foreach``, ``fused``; and
    ``capturable``, unchecked). Here one numpy implementation serves them all, so they only sit in
    the groups, as in torch; ``differentiable=True`` (autograd through ``step``) is not supported."""
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise NotImplementedError(f"{name}(differentiable=True): tinygrad_edu's optimizer steps are not differentiable")


class Optimizer:
    """Base class of all optimizers.

    ``params`` is an iterable of Tensors, or of dicts each holding ``'params'`` and per-group options.
    ``defaults`` maps every hyper-parameter to the value a group gets when it does not set it.
    """

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch_arrays = {}
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [self.__class__.__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines += [""] * (i > 0) + [f"Parameter Group {i}"]  # a blank line between groups, as torch
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group):
        """Add a group of parameters (with its own options) -- e.g. to unfreeze layers while fine-tuning."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            # a set's iteration order changes between runs, which would shuffle state_dict indices
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(p))
            if not (p.is_leaf or getattr(p, "retains_grad", False)):
                raise ValueError("can't optimize a non-leaf Tensor")
        # identity, not ==: Tensor equality is elementwise
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            # torch warns and keeps both entries: the parameter is then updated twice per step
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, "
                          "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                          "more information", stacklevel=3)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        self.param_groups.append(group)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (default, frees memory) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:  # a create_graph gradient: cut it from its graph
                        p.grad = p.grad.detach()
                    p.grad._data.fill(0)

    def step(self, closure=None):
        """One update of every parameter that has a gradient.

        ``closure`` (optional) recomputes the loss: it is called under ``enable_grad`` (so it may
        call ``backward``) before the update, and its value is returned.
        """
        loss = None
        if closure is not None:
            with tinygrad_edu.enable_grad():
                loss = closure()
        state, update = self.state, self._update
        with tinygrad_edu.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is not None:  # None: not used by this loss, or frozen; torch skips it
                        update(p._data, grad._data, state[p], group)
        return loss

    def _update(self, param, grad, state, group):
        """Update the numpy array ``param`` in place from ``grad``; ``state`` is this parameter's dict."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers for _update
    def _scratch(self, slot, like):
        """A reusable work array shaped like ``like``.

        Shared by all parameters of the same shape and dtype, so each distinct (slot, shape, dtype)
        is allocated once for the optimizer's life instead of once per step.
        """
        key = (slot, like.shape, like.dtype)
        buf = self._scratch_arrays.get(key)
        if buf is None:
            buf = self._scratch_arrays[key] = np.empty_like(like)
        return buf

    def _effective_grad(self, param, grad, weight_decay, maximize):
        """``g = (-grad if maximize else grad) + weight_decay * param`` (L2 penalty folded into the gradient).

        Returns ``grad`` itself when there is nothing to add; otherwise a scratch array.  Either
        way the caller must not write into the result: ``param.grad`` belongs to the user.
        """
        if weight_decay == 0 and not maximize:
            return grad
        out = self._scratch("grad", param)
        if weight_decay == 0:
            return np.negative(grad, out=out)
        np.multiply(param, weight_decay, out=out)
        if maximize:
            out -= grad
        else:
            out += grad
        return out

    @staticmethod
    def _new_buffer(param, fill=0.0):
        """A state buffer (a Tensor so that state_dict holds tensors) shaped like ``param``."""
        return Tensor._wrap(np.full_like(param, fill))

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self):
        """The optimizer state in torch's format.

        ``{'state': {index: {name: tensor or number}}, 'param_groups': [{..., 'params': [index, ...]}]}``
        where parameters are numbered 0, 1, ... in group order.  As in torch, the tensors are the
        live buffers, not copies: ``tinygrad_edu.save`` it (or deep-copy it) to keep a snapshot.
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = []
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
                packed["params"].append(index_of[id(p)])
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): dict(v)
                 for k, v in self.state.items() if v or not isinstance(k, Tensor)}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()`` so that training continues exactly where it was saved.

        The buffers are copied (cast to each parameter's dtype), so the dict can be loaded again.
        """
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        param_of = {index: p for g, s in zip(self.param_groups, saved_groups)
                    for index, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key in param_of:
                p = param_of[key]
                state[p] = {name: _restore(name, value, p) for name, value in values.items()}
            else:
                state[key] = values
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
        self.param_groups = saved_groups
        self.state = state


def _restore(name, value, param):
    """Copy one saved state entry for ``param``: tensors become fresh arrays of the param's dtype.

    ``step`` is a Python int here; torch keeps it as a float32 0-d tensor (``tensor(3.)``), and a
    state_dict saved by torch gives it that way: a whole number becomes the int again.
    """
    if name == "step" and isinstance(value, (Tensor, float, np.floating, np.integer)) and np.ndim(value) == 0:
        step = value.item()
        return int(step) if float(step).is_integer() else step
    if isinstance(value, Tensor):
        dtype = param._data.dtype if np.issubdtype(param._data.dtype, np.floating) else value._data.dtype
        return Tensor._wrap(np.array(value._data, dtype=dtype, copy=True))
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    return deepcopy(value)
