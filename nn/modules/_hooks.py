"""Module hooks: registration (forward pre-hooks, forward hooks, full backward hooks and backward
pre-hooks, each returning a RemovableHandle), and how full backward hooks work (torch's semantics).

A module is a stretch of the graph, not one node, so "the gradient of a module" is caught with
two identity nodes placed around its forward (BackwardHookFunction, in tinygrad_edu/ops/hooks.py, as
in torch): one on the tensors going in, one on the tensors coming out. The output node is created
last, so backward reaches it first: it records grad_output, after the pre-hooks (which may replace
it) have seen it. The input node is reached next, with grad_input: the hooks run as
hook(module, grad_input, grad_output) and may return a replacement grad_input.

grad_input has one entry per positional argument of the call, None for arguments that are not
tensors or need no gradient. When no argument needs a gradient there is no input node, and the
hooks run at the output node with grad_input all None, as in torch.
"""
import itertools
import warnings

from tinygrad_edu.grad_mode import is_grad_enabled
from tinygrad_edu.ops.hooks import BackwardHookFunction
from tinygrad_edu.tensor import Tensor


_handle_ids = itertools.count()


class RemovableHandle:
    """Returned by the register_*_hook methods; `handle.remove()` unregisters the hook."""

    def __init__(self, *hook_dicts):
        self.id = next(_handle_ids)
        self._hook_dicts = hook_dicts

    def remove(self):
        for d in self._hook_dicts:
            if isinstance(d, dict):
                d.pop(self.id, None)
            else:
                d.discard(self.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class HookMixin:
    """Module's hook registration (mixed into Module; the registries are made in Module.__init__)."""

    def _run_forward_hook(self, hook_id, hook, args, kwargs, result):
        if hook_id in self._forward_hooks_with_kwargs:
            return hook(self, args, kwargs, result)
        return hook(self, args, result)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) -> None or new args (hook(module, args, kwargs) with with_kwargs)."""
        handle = RemovableHandle(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs)
        self._add_hook(self._forward_pre_hooks, handle.id, hook, prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """hook(module, args, output) -> None or a replacement output."""
        handle = RemovableHandle(self._forward_hooks, self._forward_hooks_with_kwargs,
                                 self._forward_hooks_always_called)
        self._add_hook(self._forward_hooks, handle.id, hook, prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) -> None or a replacement grad_output (see the module docstring)."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._add_hook(self._backward_pre_hooks, handle.id, hook, prepend)
        return handle

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) -> None or a replacement grad_input."""
        handle = RemovableHandle(self._backward_hooks)
        self._add_hook(self._backward_hooks, handle.id, hook, prepend)
        return handle

    @staticmethod
    def _add_hook(hooks, hook_id, hook, prepend):
        hooks[hook_id] = hook
        if prepend:
            hooks.move_to_end(hook_id, last=False)


class BackwardHook:
    """The hooks of one module call: wraps its inputs and outputs in identity nodes."""

    def __init__(self, module, args):
        self.module = module
        self.n_args = len(args)
        self.grad_output = None
        # positions of the arguments that will receive a gradient
        self.input_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]

    def wrap_inputs(self, args):
        if not self.input_positions or not is_grad_enabled():
            return args
        wrapped = BackwardHookFunction.apply(self._on_input_grads, *[args[i] for i in self.input_positions])
        args = list(args)
        for i, t in zip(self.input_positions, wrapped):
            args[i] = t
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple):
            return result  # not tensors: nothing to hook
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions or not is_grad_enabled():
            return result
        wrapped = BackwardHookFunction.apply(self._on_output_grads, *[outputs[i] for i in positions])
        outputs = list(outputs)
        for i, t in zip(positions, wrapped):
            outputs[i] = t
        return outputs[0] if single else tuple(outputs)

    def _on_output_grads(self, grads):
        for hook in list(self.module._backward_pre_hooks.values()):
            new = hook(self.module, grads)
            if new is not None:
                grads = _checked(new, len(grads), "Backward pre hook", "grad_output")
        self.grad_output = tuple(grads)
        if not self.input_positions:  # no input node will be reached: the hooks run here
            if self.module._backward_hooks:
                warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                              "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/main/"
                              "generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more "
                              "details.", stacklevel=2)
            self._run_hooks((None,) * self.n_args)
        return grads

    def _on_input_grads(self, grads):
        grad_input = [None] * self.n_args
        for i, g in zip(self.input_positions, grads):
            grad_input[i] = g
        grad_input = self._run_hooks(tuple(grad_input))
        return [grad_input[i] for i in self.input_positions]

    def _run_hooks(self, grad_input):
        for hook in list(self.module._backward_hooks.values()):
            new = hook(self.module, grad_input, self.grad_output)
            if new is not None:
                grad_input = _checked(new, len(grad_input), "Backward hook", "grad_input")
        return grad_input


def _checked(new, n, what, of):
    new = (new,) if isinstance(new, Tensor) else tuple(new)
    if len(new) != n:
        raise RuntimeError(f"{what} returned an invalid number of {of}, got {len(new)}, but expected {n}")
    return new
