"""Context managers that are also decorators, as torch's grad-mode contexts are (used by grad_mode.py).

``@ctx`` on a function runs every call inside a fresh context (``ctx.clone()``). On a generator
function, every step of the generator (its start, each ``send``/``throw``, and ``close``) runs
inside a fresh context and the caller's state is back at every ``yield``, as in torch. A class
can still be decorated, with torch's FutureWarning: calling the result constructs it in the context.
"""
import functools
import inspect
import warnings

_CLASS_WARNING = ("Decorating classes is deprecated and will be disabled in future versions. You should only "
                  "decorate functions or methods. To preserve the current behavior of class decoration, you can "
                  "directly decorate the `__init__` method and nothing else.")


def _wrap_generator(make_context, fn):
    """A generator function whose every step runs in a context made by make_context()."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with make_context():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException as error:  # noqa: BLE001  (handed to the generator, as torch)
                    with make_context():
                        response = gen.throw(error)
                else:
                    with make_context():
                        response = gen.send(request)
        except StopIteration as stop:
            return stop.value
    return wrapper


class ContextDecorator:
    """Base: a subclass defines __enter__/__exit__; clone() makes the context for one call."""

    def clone(self):
        return type(self)()

    def __call__(self, fn):
        if inspect.isclass(fn):
            warnings.warn(_CLASS_WARNING, FutureWarning, stacklevel=2)
            cls = fn
            fn = lambda *args, **kwargs: cls(*args, **kwargs)  # noqa: E731  (torch returns such a function)
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(self.clone, fn)
        make = self.clone

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make():
                return fn(*args, **kwargs)
        return wrapper


class NoArgs(ContextDecorator):
    """A context taking no arguments: the class called on a function decorates it (``@no_grad``)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)
