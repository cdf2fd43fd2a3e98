"""Grad mode and inference mode: whether operations record the graph. Thread-local, as in torch.
Each context also decorates functions, methods and generator functions (_context_decorator.py).
``_state.enabled``: operations record (the engine reads only it). Inside inference_mode nothing
records and ``is_grad_enabled()`` reports ``_state.grad``, which enable_grad may turn on there."""
import threading

from ._context_decorator import ContextDecorator, NoArgs


class _GradState(threading.local):
    enabled, grad, inference, dual = True, True, False, None  # how every thread starts (dual: forward_ad's level)


_state = _GradState()


def is_grad_enabled():
    return _state.grad if _state.inference else _state.enabled


def is_inference_mode_enabled():
    return _state.inference


def _set(grad, inference):
    _state.grad, _state.inference, _state.enabled = grad, inference, grad and not inference


class _Mode(ContextDecorator):
    """Inside the block the (grad, inference) pair is `_target()`; leaving restores all flags."""

    def __enter__(self):
        self._saved = (_state.enabled, _state.grad, _state.inference)
        _set(*self._target())

    def __exit__(self, *exc):
        _state.enabled, _state.grad, _state.inference = self._saved


class no_grad(NoArgs, _Mode):
    """torch.no_grad: operations inside record no graph; results do not require grad."""
    _target = staticmethod(lambda: (False, _state.inference))


class enable_grad(NoArgs, _Mode):
    """torch.enable_grad: grad mode on again (inside inference_mode still nothing records)."""
    _target = staticmethod(lambda: (True, _state.inference))


class inference_mode(_Mode):
    """torch.inference_mode(mode=True): no_grad that enable_grad cannot undo, and
    is_inference_mode_enabled() is True; mode=False leaves it and turns grad on (even in no_grad).
    Tensors made inside are ordinary ones (torch's "inference tensors" refuse later autograd use)."""

    def __new__(cls, mode=True):
        return super().__new__(cls) if mode is None or isinstance(mode, bool) else cls()(mode)

    def __init__(self, mode=True):
        self.mode = mode
        self._target = lambda: (not mode, bool(mode))
        self.clone = lambda: inference_mode(mode)


class set_grad_enabled(_Mode):
    """torch.set_grad_enabled(mode): takes effect at once; leaving restores the earlier grad mode."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {type(mode).__name__}")
        self.prev, self.mode, self.clone = is_grad_enabled(), mode, lambda: set_grad_enabled(mode)
        self._target = lambda: (mode, _state.inference)  # entering sets it again, as torch
        _set(mode, _state.inference)

    def __exit__(self, *exc):
        _set(self.prev, _state.inference)

    def __call__(self, fn):
        self.__exit__()  # decorator use: do not leave the mode switched
        return super().__call__(fn)
