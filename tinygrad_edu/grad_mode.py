"""Grad mode: whether operations record the graph. Thread-local, as in torch.

`no_grad()`, `enable_grad()` and `set_grad_enabled(mode)` work both as context managers and as
decorators. The flag lives in a `threading.local`, so turning grad off in one thread does not
affect another.
"""
import functools
import threading


class _GradState(threading.local):
    enabled = True  # class attribute: every new thread starts with grad enabled


_state = _GradState()


def is_grad_enabled():
    return _state.enabled


class _GradModeContext:
    """Base: a subclass sets `_mode`, the flag inside the block. As a decorator, each call of the
    wrapped function runs inside a fresh context made with the same arguments (`_args`)."""
    _mode = True
    _args = ()

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        make, args = type(self), self._args

        @functools.wraps(fn)
        def wrapper(*a, **kw):
            with make(*args):
                return fn(*a, **kw)
        return wrapper


class no_grad(_GradModeContext):
    """torch.no_grad: operations inside record no graph; results do not require grad."""
    _mode = False


class enable_grad(_GradModeContext):
    """torch.enable_grad: turn recording back on inside a no_grad region."""
    _mode = True


class inference_mode(_GradModeContext):
    """torch.inference_mode, here the same as no_grad (mode=False makes it a no-op)."""

    def __init__(self, mode=True):
        self._mode, self._args = not mode, (mode,)


class set_grad_enabled(_GradModeContext):
    """torch.set_grad_enabled(mode): takes effect at once; as a context manager it restores on exit."""

    def __init__(self, mode):
        self._prev, self._mode, self._args = _state.enabled, bool(mode), (mode,)
        _state.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state.enabled = self._prev  # decorator use: do not leave the mode switched
        return super().__call__(fn)
