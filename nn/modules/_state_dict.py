"""state_dict() and load_state_dict() for nn.Module, kept in their own file.

The state_dict is an OrderedDict of dotted names ('layer1.weight') to detached tensors: every
parameter, then every persistent buffer, module by module in registration order (torch's order).
Loading checks every key, shape and dtype, and builds every replacement, before the first copy, so a
failing load changes nothing (torch copies as it checks and can leave a module half-loaded).
"""
from collections import OrderedDict, namedtuple

import numpy as np

from tinygrad_edu.dtypes import from_numpy_dtype
from tinygrad_edu.tensor import Tensor
from ..parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _ready(key, current, value, assign):
    """(what to install for `key`, None), checked so that installing it cannot fail; or (None, torch's message)."""
    try:
        from_numpy_dtype(value._data.dtype)        # the engine's dtypes cast into each other; nothing else does
        if assign:
            if isinstance(current, Parameter):
                return Parameter(value, requires_grad=current.requires_grad), None
            return value, None
        if not current._data.flags.writeable:
            raise ValueError("assignment destination is read-only")
        return value, None
    except (TypeError, ValueError, RuntimeError) as error:
        return None, (f'While copying the parameter named "{key}", whose dimensions in the model are {current.shape} '
                      f"and whose dimensions in the checkpoint are {value.shape}, "
                      f"an exception occurred : {error.args}.")


class StateDictMixin:
    """The state_dict half of Module (uses its _parameters, _buffers and _modules registries)."""

    def _state_items(self):
        """(name, tensor) of this module's own entries in the state_dict: parameters, then persistent buffers."""
        for name, p in self._parameters.items():
            if p is not None:
                yield name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield name, b

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """OrderedDict name -> tensor. Values are detached tensors sharing the parameters' data
        (keep_vars=True gives the Parameters themselves); a shared parameter appears under each name."""
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = {"version": 1}
        for name, t in self._state_items():
            destination[prefix + name] = t if keep_vars else t.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _plan_load(self, state_dict, prefix, plan, missing, unexpected, errors, assign=False):
        """Check this module's entries against `state_dict` (torch's _load_from_state_dict checks, in
        its order) and record the copies to make in `plan`; nothing is written here."""
        local = dict(self._state_items())
        for name, current in local.items():
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                errors.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                              f"object from checkpoint but received {type(value)}")
                continue
            if current._data.ndim == 0 and value._data.ndim == 1 and value._data.shape[0] > 0:
                value = Tensor._wrap(value._data[0, ...])  # torch's backward compatibility for 0-d params
            if value._data.shape != current._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {value.shape} from checkpoint, "
                              f"the shape in current model is {current.shape}.")
                continue
            value, error = _ready(key, current, value, assign)
            if error is not None:
                errors.append(error)
                continue
            plan.append((self, name, current, value))
        for key in state_dict:
            if key.startswith(prefix):
                head, dot, _ = key[len(prefix):].partition(".")
                if (dot and head not in self._modules) or (not dot and head not in local):
                    unexpected.append(key)
        for name, child in self._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                child_sd = {k: v for k, v in state_dict.items() if k.startswith(child_prefix)}
                child._plan_load(child_sd, child_prefix, plan, missing, unexpected, errors, assign)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from `state_dict` into the parameters and buffers, in place.

        Unlike torch, every key, shape and dtype is checked (and, with assign=True, every new Parameter
        made) before anything is written, so a failing load leaves the module untouched.
        Returns (missing_keys, unexpected_keys)."""
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        plan, missing, unexpected, errors = [], [], [], []
        self._plan_load(OrderedDict(state_dict), "", plan, missing, unexpected, errors, assign)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        self._install(plan, assign)
        return _IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _install(plan, assign):
        """Write a checked plan: nothing in here can fail (a nan cast to an integer buffer only warns, and not here)."""
        with np.errstate(all="ignore"):
            for module, name, current, value in plan:
                if assign:
                    (module._parameters if isinstance(current, Parameter) else module._buffers)[name] = value
                else:  # like copy_ under no_grad: cast to the parameter's dtype, keep its array
                    np.copyto(current._data, value._data, casting="unsafe")
                    current._version[0] += 1
