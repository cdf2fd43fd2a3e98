"""The identity op that nn's full module backward hooks are built on (nn/modules/_hooks.py holds the
hook machinery itself: which tensors to wrap, and what the hooks see and return)."""
from ..autograd.function import Function


class BackwardHookFunction(Function):
    """BackwardHookFunctionBackward. Identity on several tensors at once: y_i = x_i, so dx_i = g_i;
    backward hands the g_i to `on_backward`, which may replace them, and passes on what it returns."""

    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        return tuple(t._data for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.on_backward(grads))

    @staticmethod
    def jvp(ctx, _, *tangents):
        """The identity: dy_i = dx_i."""
        return tuple(tangents)
